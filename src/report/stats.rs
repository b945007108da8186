//! Distribution figures from exact samples (integer milliseconds).

use serde::Serialize;

/// Percentiles of a set of durations, in seconds. Nearest-rank percentiles of the exact
/// samples, so a hand-computed expectation matches to the millisecond.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Percentiles {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest.
    pub max: f64,
    /// Mean, rounded to the millisecond.
    pub mean: f64,
}

/// Nearest-rank percentile `q` (0 < q <= 1) of sorted samples.
fn nearest_rank(sorted: &[u64], q: f64) -> u64 {
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn secs(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

impl Percentiles {
    /// Figures of `samples` (sorted in place); all zero when there are none.
    pub fn of(samples: &mut [u64]) -> Self {
        if samples.is_empty() {
            return Percentiles::default();
        }
        samples.sort_unstable();
        let sum: u128 = samples.iter().map(|&x| u128::from(x)).sum();
        let mean_ms = (sum as f64 / samples.len() as f64).round() as u64;
        Percentiles {
            p50: secs(nearest_rank(samples, 0.50)),
            p90: secs(nearest_rank(samples, 0.90)),
            p99: secs(nearest_rank(samples, 0.99)),
            max: secs(*samples.last().unwrap_or(&0)),
            mean: secs(mean_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_on_a_hand_checked_set() {
        let mut xs: Vec<u64> = (1..=10).rev().map(|s| s * 1000).collect();
        let p = Percentiles::of(&mut xs);
        assert_eq!(
            (p.p50, p.p90, p.p99, p.max, p.mean),
            (5.0, 9.0, 10.0, 10.0, 5.5)
        );
        assert_eq!(Percentiles::of(&mut []), Percentiles::default());
        assert_eq!(Percentiles::of(&mut [1234]).p50, 1.234);
    }
}
