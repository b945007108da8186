//! The paired test that tells a real change from seed noise: Wilcoxon's signed-rank test on
//! per-seed differences. It assumes nothing of the differences' distribution but symmetry, so
//! skewed figures (latency percentiles, counts with many zeros) are judged fairly.
//!
//! Zero differences are dropped (Wilcoxon's rule, as R's `wilcox.test`); tied magnitudes get
//! their mean rank. Up to [`EXACT_MAX_N`] differences the p-value is exact: the distribution
//! of the positive ranks' sum over every assignment of signs, counted with the ranks as they
//! are (ties included). Above, the normal approximation with the tie correction of the variance
//! and a continuity correction of 1/2.

use std::cmp::Ordering;

/// Most non-zero differences whose p-value is computed exactly (2^25 sign assignments,
/// counted by a table of rank sums, not enumerated).
pub const EXACT_MAX_N: usize = 25;

/// The outcome of the signed-rank test.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SignedRank {
    /// Non-zero differences: the test's n.
    pub n: usize,
    /// The sum of the ranks of the positive differences (Wilcoxon's V).
    pub w_plus: f64,
    /// The two-sided p-value: how often differences of pure noise, symmetric around zero,
    /// would lie at least this far from balance.
    pub p: f64,
    /// True when `p` is exact, false when it is the normal approximation's.
    pub exact: bool,
}

impl SignedRank {
    /// Which way the differences lean: `Greater` when positive ones outweigh negative ones.
    pub fn direction(&self) -> Ordering {
        let balance = (self.n * (self.n + 1)) as f64 / 4.0;
        self.w_plus.total_cmp(&balance)
    }
}

/// Wilcoxon's signed-rank test of `diffs` (paired differences) against zero.
pub fn signed_rank(diffs: &[f64]) -> SignedRank {
    let mut nonzero: Vec<f64> = diffs.iter().copied().filter(|d| *d != 0.0).collect();
    nonzero.sort_by(|a, b| a.abs().total_cmp(&b.abs()));
    let n = nonzero.len();
    // Ranks doubled, so that mean ranks of ties stay integers: positions i..=j share
    // (i + 1 + j + 1) / 2, doubled i + j + 2.
    let mut doubled = vec![0u64; n];
    let mut ties = Vec::new();
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && nonzero[j + 1].abs() == nonzero[i].abs() {
            j += 1;
        }
        for r in &mut doubled[i..=j] {
            *r = (i + j + 2) as u64;
        }
        ties.push((j - i + 1) as f64);
        i = j + 1;
    }
    let w2: u64 = nonzero
        .iter()
        .zip(&doubled)
        .filter(|(d, _)| **d > 0.0)
        .map(|(_, r)| r)
        .sum();
    let w_plus = w2 as f64 / 2.0;
    if n == 0 {
        return SignedRank {
            n,
            w_plus,
            p: 1.0,
            exact: true,
        };
    }
    if n <= EXACT_MAX_N {
        return SignedRank {
            n,
            w_plus,
            p: exact_p(&doubled, w2),
            exact: true,
        };
    }
    let nf = n as f64;
    let tie_term: f64 = ties.iter().map(|t| t * t * t - t).sum::<f64>() / 48.0;
    let sd = (nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0 - tie_term).sqrt();
    let off = w_plus - nf * (nf + 1.0) / 4.0;
    let z = (off - 0.5 * off.signum()) / sd;
    SignedRank {
        n,
        w_plus,
        p: (2.0 * normal_cdf(-z.abs())).min(1.0),
        exact: false,
    }
}

/// The exact two-sided p-value of a doubled positive rank sum `w2` given the doubled ranks:
/// each of the 2^n sign assignments is equally likely under no change.
fn exact_p(doubled: &[u64], w2: u64) -> f64 {
    let total: u64 = doubled.iter().sum();
    // ways[s]: sign assignments whose positive doubled ranks sum to s.
    let mut ways = vec![0.0_f64; total as usize + 1];
    ways[0] = 1.0;
    let mut reach = 0usize;
    for &r in doubled {
        let r = r as usize;
        for s in (0..=reach).rev() {
            if ways[s] > 0.0 {
                ways[s + r] += ways[s];
            }
        }
        reach += r;
    }
    let all: f64 = ways.iter().sum();
    let w = w2 as usize;
    let low: f64 = ways[..=w].iter().sum();
    let high: f64 = ways[w..].iter().sum();
    (2.0 * low.min(high) / all).min(1.0)
}

/// The standard normal distribution function.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// The complementary error function, by the Chebyshev fit of Numerical Recipes (`erfcc`):
/// relative error below 1.2e-7 everywhere, ample for a p-value.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    #[test]
    #[allow(clippy::approx_constant)] // 3.14 is a patient's score, not pi
    fn exact_p_of_the_textbook_example() {
        // Hollander & Wolfe (1973), p. 29: Hamilton depression scores before (x) and after (y)
        // a tranquilizer, 9 patients; R's wilcox.test(x, y, paired = TRUE) gives V = 40,
        // p = 0.03906 = 2 * 10 / 512.
        let x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30];
        let y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
        let d: Vec<f64> = x.iter().zip(&y).map(|(a, b)| a - b).collect();
        let t = signed_rank(&d);
        assert_eq!((t.n, t.w_plus, t.exact), (9, 40.0, true));
        assert_eq!(t.p, 20.0 / 512.0);
        assert_eq!(t.direction(), Ordering::Greater);
    }

    #[test]
    fn all_positive_needs_six_differences_to_be_significant() {
        // All n signs positive: p = 2 / 2^n. 5 give 0.0625, 6 give 0.03125.
        assert_eq!(signed_rank(&[1.0, 2.0, 3.0, 4.0, 5.0]).p, 0.0625);
        let six = signed_rank(&[-1.0; 6]);
        assert_eq!((six.p, six.w_plus), (0.03125, 0.0));
        assert_eq!(six.direction(), Ordering::Less);
    }

    #[test]
    fn ties_and_zeros_exactly() {
        // Zero dropped; |d| = 1,1,1,2,2,2,3,3 get ranks 2,2,2,5,5,5,7.5,7.5; positive ones sum
        // to 2+2+5+5+5+7.5 = 26.5. Of the 256 sign assignments (counted by brute force), 37
        // reach 26.5 or more: p = 2 * 37 / 256 = 0.2890625.
        let t = signed_rank(&[1.0, 1.0, -1.0, 2.0, 2.0, 2.0, 0.0, 3.0, -3.0]);
        assert_eq!((t.n, t.w_plus), (8, 26.5));
        assert_eq!(t.p, 0.289_062_5);
        assert_eq!(signed_rank(&[0.0, 0.0]).p, 1.0);
        assert_eq!(signed_rank(&[]).n, 0);
    }

    #[test]
    fn normal_approximation_above_25() {
        // 1..30 all positive: V = 465, mean 232.5, variance 30*31*61/24 = 2363.75,
        // z = (465 - 232.5 - 0.5) / 48.6184 = 4.77185, p = 2 * (1 - Phi(z)) = 1.8254e-6.
        let d: Vec<f64> = (1..=30).map(f64::from).collect();
        let t = signed_rank(&d);
        assert!(!t.exact);
        assert!(close(t.p, 1.825_371e-6, 1e-4), "{}", t.p);
        // 40 differences cycling -2..4 (six zeros dropped, heavy ties): V = 445, tie-corrected
        // variance, z = 2.541766, p = 0.0110294.
        let d: Vec<f64> = (0..40).map(|i| f64::from(i % 7 - 2)).collect();
        let t = signed_rank(&d);
        assert_eq!((t.n, t.w_plus), (34, 445.0));
        assert!(close(t.p, 0.011_029_41, 1e-5), "{}", t.p);
    }

    #[test]
    fn normal_distribution_function() {
        assert!(close(normal_cdf(1.96), 0.975_002_1, 1e-6));
        assert!(close(normal_cdf(0.0), 0.5, 1e-7));
        assert!(close(normal_cdf(-3.0), 0.001_349_898, 1e-5));
    }
}
