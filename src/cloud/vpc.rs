//! The fake VPC API: each call completes after a latency drawn from its API's model.
//!
//! Calls are asynchronous: [`VpcApi::submit`] answers when the call will complete; the
//! simulator schedules the completion as an event. Rate limits, faults and quotas belong
//! here, behind the same call, as results carried by [`CallOutcome`].

use crate::engine::SimTime;
use crate::scenario::model::{ApiLatencies, LatencyModel};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};

/// The VPC APIs the policy calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Api {
    /// CreateNetworkInterface.
    Create,
    /// AttachNetworkInterface.
    Attach,
    /// DetachNetworkInterface.
    Detach,
    /// DeleteNetworkInterface.
    Delete,
}

impl Api {
    /// Every API, in report order.
    pub const ALL: [Api; 4] = [Api::Create, Api::Attach, Api::Detach, Api::Delete];

    /// The short name used in scenario keys, CSV and summary.json.
    pub fn name(self) -> &'static str {
        match self {
            Api::Create => "create",
            Api::Attach => "attach",
            Api::Detach => "detach",
            Api::Delete => "delete",
        }
    }
}

/// What a submitted call will do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallOutcome {
    /// When the caller learns the result.
    pub completes_at: SimTime,
}

/// A sampler for one latency model. Lognormal parameters are computed once.
#[derive(Clone, Copy, Debug)]
enum Sampler {
    Fixed(u64),
    LogNormal(LogNormal<f64>),
}

/// z-score of the 99th percentile of the standard normal distribution.
const Z99: f64 = 2.326_347_874_040_841;

impl Sampler {
    fn new(model: LatencyModel) -> Self {
        match model {
            LatencyModel::Fixed(t) => Sampler::Fixed(t.as_millis()),
            LatencyModel::LogNormal { median, p99 } => {
                let mu = (median.as_millis().max(1) as f64).ln();
                let sigma = ((p99.as_millis().max(1) as f64).ln() - mu).max(0.0) / Z99;
                match LogNormal::new(mu, sigma) {
                    Ok(d) => Sampler::LogNormal(d),
                    Err(_) => Sampler::Fixed(median.as_millis()),
                }
            }
        }
    }

    fn sample(&self, rng: &mut ChaCha8Rng) -> SimTime {
        match self {
            Sampler::Fixed(ms) => SimTime(*ms),
            Sampler::LogNormal(d) => SimTime(d.sample(rng).round() as u64),
        }
    }
}

/// The fake VPC's API front: latencies now; rate limits and faults later.
pub struct VpcApi {
    samplers: [Sampler; 4],
    latency_rng: ChaCha8Rng,
}

impl VpcApi {
    /// An API with the given latency models, drawing from its own random stream.
    pub fn new(latencies: &ApiLatencies, latency_rng: ChaCha8Rng) -> Self {
        VpcApi {
            samplers: [
                Sampler::new(latencies.create),
                Sampler::new(latencies.attach),
                Sampler::new(latencies.detach),
                Sampler::new(latencies.delete),
            ],
            latency_rng,
        }
    }

    /// Submits a call at `now`: it completes after a latency drawn from its API's model.
    pub fn submit(&mut self, api: Api, now: SimTime) -> CallOutcome {
        let latency = self.samplers[api as usize].sample(&mut self.latency_rng);
        CallOutcome {
            completes_at: now.plus(latency),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{RngStreams, Stream};

    fn api(attach: LatencyModel) -> VpcApi {
        let fixed = LatencyModel::Fixed(SimTime(300));
        let l = ApiLatencies {
            create: fixed,
            attach,
            detach: fixed,
            delete: fixed,
        };
        VpcApi::new(&l, RngStreams::new(3).stream(Stream::VpcLatency))
    }

    #[test]
    fn fixed_latency_is_exact() {
        let mut a = api(LatencyModel::Fixed(SimTime(2000)));
        let o = a.submit(Api::Attach, SimTime(500));
        assert_eq!(o.completes_at, SimTime(2500));
        assert_eq!(a.submit(Api::Create, SimTime(0)).completes_at, SimTime(300));
    }

    #[test]
    fn lognormal_latency_matches_median_and_p99() {
        let mut a = api(LatencyModel::LogNormal {
            median: SimTime(2000),
            p99: SimTime(8000),
        });
        let mut xs: Vec<u64> = (0..20_000)
            .map(|_| a.submit(Api::Attach, SimTime(0)).completes_at.0)
            .collect();
        xs.sort_unstable();
        let median = xs[xs.len() / 2] as f64;
        let p99 = xs[xs.len() * 99 / 100] as f64;
        assert!((median - 2000.0).abs() < 100.0, "median {median}");
        assert!((p99 - 8000.0).abs() < 800.0, "p99 {p99}");
    }
}
