//! How long generated pods live.

use crate::engine::dist::lognormal_from_median_p99;
use crate::engine::SimTime;
use rand::Rng;
use rand_distr::{Distribution, Exp, LogNormal};

/// The distribution of a generated pod's lifetime, from creation to deletion.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LifetimeModel {
    /// Memoryless: most pods short, a few long (`lifetime = { mean = "10m" }`).
    Exponential {
        /// Mean lifetime.
        mean: SimTime,
    },
    /// Heavy-tailed, given the way people know it: a typical value and a bad case.
    LogNormal {
        /// Median lifetime.
        median: SimTime,
        /// 99th percentile lifetime (at least the median).
        p99: SimTime,
    },
    /// Every pod lives exactly this long (batch jobs with a known runtime).
    Fixed(SimTime),
}

impl LifetimeModel {
    /// A sampler with the distribution's parameters computed once.
    pub fn sampler(&self) -> LifetimeSampler {
        let inner = match *self {
            LifetimeModel::Fixed(t) => Inner::Fixed(t),
            LifetimeModel::Exponential { mean } => match Exp::new(1.0 / mean.as_millis() as f64) {
                Ok(d) if mean.as_millis() > 0 => Inner::Exponential(d),
                _ => Inner::Fixed(mean),
            },
            LifetimeModel::LogNormal { median, p99 } => {
                match lognormal_from_median_p99(median, p99) {
                    Some(d) => Inner::LogNormal(d),
                    None => Inner::Fixed(median),
                }
            }
        };
        LifetimeSampler(inner)
    }
}

/// Draws lifetimes of one [`LifetimeModel`], in whole milliseconds (rounded to nearest).
#[derive(Clone, Copy, Debug)]
pub struct LifetimeSampler(Inner);

#[derive(Clone, Copy, Debug)]
enum Inner {
    Fixed(SimTime),
    Exponential(Exp<f64>),
    LogNormal(LogNormal<f64>),
}

impl LifetimeSampler {
    /// One lifetime. Saturates at [`SimTime::MAX`] rather than wrapping on absurd draws.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimTime {
        let ms = match self.0 {
            Inner::Fixed(t) => return t,
            Inner::Exponential(d) => d.sample(rng),
            Inner::LogNormal(d) => d.sample(rng),
        };
        // `as` saturates for floats out of range, and maps NaN to 0.
        SimTime(ms.round() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn draws(model: LifetimeModel, n: usize) -> Vec<u64> {
        let sampler = model.sampler();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut v: Vec<u64> = (0..n)
            .map(|_| sampler.sample(&mut rng).as_millis())
            .collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn exponential_has_its_mean() {
        let n = 100_000;
        let v = draws(
            LifetimeModel::Exponential {
                mean: SimTime(60_000),
            },
            n,
        );
        let mean = v.iter().sum::<u64>() as f64 / n as f64;
        // Standard error of the mean is 60000 / sqrt(n) ~ 190 ms.
        assert!((mean - 60_000.0).abs() < 4.0 * 190.0, "mean {mean}");
    }

    #[test]
    fn lognormal_has_its_median_and_p99() {
        let n = 100_000;
        let v = draws(
            LifetimeModel::LogNormal {
                median: SimTime(10_000),
                p99: SimTime(80_000),
            },
            n,
        );
        let median = v[n / 2] as f64;
        let p99 = v[n * 99 / 100] as f64;
        assert!((median / 10_000.0 - 1.0).abs() < 0.03, "median {median}");
        assert!((p99 / 80_000.0 - 1.0).abs() < 0.06, "p99 {p99}");
    }

    #[test]
    fn degenerate_parameters_fall_back_without_panicking() {
        let zero = LifetimeModel::Exponential { mean: SimTime(0) };
        assert_eq!(draws(zero, 3), [0, 0, 0]);
        let inverted = LifetimeModel::LogNormal {
            median: SimTime(5_000),
            p99: SimTime(1_000),
        };
        assert_eq!(draws(inverted, 3), [5_000, 5_000, 5_000]);
        assert_eq!(draws(LifetimeModel::Fixed(SimTime(7)), 2), [7, 7]);
    }
}
