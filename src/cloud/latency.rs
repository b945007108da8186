//! Drawing call latencies from a [`LatencyModel`] in whole milliseconds.

use crate::engine::dist::lognormal_from_median_p99;
use crate::engine::SimTime;
use crate::scenario::model::LatencyModel;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};

/// A sampler for one latency model, with the lognormal's parameters computed once.
#[derive(Clone, Copy, Debug)]
pub struct Sampler(Kind);

#[derive(Clone, Copy, Debug)]
enum Kind {
    Fixed(u64),
    LogNormal(LogNormal<f64>),
    Uniform(u64, u64),
}

impl Sampler {
    /// A sampler for `model`. A lognormal whose parameters cannot form a distribution falls
    /// back to its median; a uniform with `min > max` (rejected by the loader) draws from
    /// `max..=min`, so no input panics.
    pub fn new(model: LatencyModel) -> Self {
        Sampler(match model {
            LatencyModel::Fixed(t) => Kind::Fixed(t.as_millis()),
            LatencyModel::LogNormal { median, p99 } => {
                match lognormal_from_median_p99(median, p99) {
                    Some(d) => Kind::LogNormal(d),
                    None => Kind::Fixed(median.as_millis()),
                }
            }
            LatencyModel::Uniform { min, max } => {
                let (a, b) = (min.as_millis(), max.as_millis());
                Kind::Uniform(a.min(b), a.max(b))
            }
        })
    }

    /// One latency; fixed models draw nothing, so they never shift the stream.
    pub fn sample(&self, rng: &mut ChaCha8Rng) -> SimTime {
        match self.0 {
            Kind::Fixed(ms) => SimTime(ms),
            Kind::LogNormal(d) => SimTime(d.sample(rng).round() as u64),
            Kind::Uniform(min, max) => SimTime(rng.random_range(min..=max)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{RngStreams, Stream};

    fn draws(model: LatencyModel, n: usize) -> Vec<u64> {
        let s = Sampler::new(model);
        let mut rng = RngStreams::new(3).stream(Stream::VpcLatency);
        let mut xs: Vec<u64> = (0..n).map(|_| s.sample(&mut rng).0).collect();
        xs.sort_unstable();
        xs
    }

    #[test]
    fn fixed_latency_is_exact() {
        assert_eq!(draws(LatencyModel::Fixed(SimTime(2000)), 3), [2000; 3]);
    }

    #[test]
    fn lognormal_latency_matches_median_and_p99() {
        let (median, p99) = (SimTime(2000), SimTime(8000));
        let xs = draws(LatencyModel::LogNormal { median, p99 }, 20_000);
        let median = xs[xs.len() / 2] as f64;
        let p99 = xs[xs.len() * 99 / 100] as f64;
        assert!((median - 2000.0).abs() < 100.0, "median {median}");
        assert!((p99 - 8000.0).abs() < 800.0, "p99 {p99}");
    }

    #[test]
    fn uniform_latency_stays_within_bounds_and_reaches_both() {
        let (min, max) = (SimTime(1000), SimTime(3000));
        let xs = draws(LatencyModel::Uniform { min, max }, 20_000);
        assert_eq!((xs[0], xs[xs.len() - 1]), (1000, 3000));
        let median = xs[xs.len() / 2] as f64;
        assert!((median - 2000.0).abs() < 50.0, "median {median}");
        let point = LatencyModel::Uniform { min, max: min };
        assert_eq!(draws(point, 5), [1000; 5]);
    }
}
