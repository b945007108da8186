//! The perturbation of a scenario a swarm seed draws: fault rates, latencies and outages
//! within fixed ranges, as TigerBeetle's VOPR draws them.

use crate::cloud::api::{ApiErrorCode, Endpoint};
use crate::engine::{RngStreams, SimTime, Stream};
use crate::scenario::model::{FaultSpec, LatencyModel, Outage, Scenario};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Highest error probability drawn for create, attach, detach and delete.
pub const MAX_TASK_ERROR: f64 = 0.30;
/// Highest error probability drawn for DescribeVpcTaskResult.
pub const MAX_POLL_ERROR: f64 = 0.10;
/// Highest lost-answer (timeout) probability drawn.
pub const MAX_TIMEOUT: f64 = 0.10;
/// Range of the median latency drawn for each task API, ms.
pub const TASK_MEDIAN_MS: (u64, u64) = (50, 3_000);
/// Range of the median latency drawn for DescribeVpcTaskResult, ms.
pub const POLL_MEDIAN_MS: (u64, u64) = (20, 500);
/// Range of p99 / median drawn for every endpoint.
pub const TAIL_FACTOR: (f64, f64) = (1.0, 5.0);
/// Most outage windows drawn; each lasts 1 to 15 minutes and takes down a random non-empty
/// set of endpoints.
pub const MAX_OUTAGES: u32 = 2;

/// `base` with seed `seed` and the faults, latencies and outages that seed draws.
pub fn perturb(base: &Scenario, seed: u64) -> Scenario {
    let mut sc = base.clone();
    sc.seed = seed;
    let mut rng = RngStreams::new(seed).stream(Stream::Swarm);
    for endpoint in Endpoint::ALL {
        let (max_error, (lo, hi)) = match endpoint {
            Endpoint::DescribeTask => (MAX_POLL_ERROR, POLL_MEDIAN_MS),
            Endpoint::Task(_) => (MAX_TASK_ERROR, TASK_MEDIAN_MS),
        };
        *sc.vpc.faults.errors.get_mut(endpoint) = FaultSpec {
            probability: rng.random_range(0.0..=max_error),
            code: ApiErrorCode::InternalError,
        };
        let median = rng.random_range(lo..=hi);
        let tail = rng.random_range(TAIL_FACTOR.0..=TAIL_FACTOR.1);
        *sc.vpc.latency.get_mut(endpoint) = LatencyModel::LogNormal {
            median: SimTime(median),
            p99: SimTime((median as f64 * tail).round() as u64),
        };
    }
    sc.vpc.faults.timeout = rng.random_range(0.0..=MAX_TIMEOUT);
    sc.vpc.outages = (0..rng.random_range(0..=MAX_OUTAGES))
        .map(|_| outage(&mut rng, sc.duration))
        .collect();
    sc
}

fn outage(rng: &mut ChaCha8Rng, duration: SimTime) -> Outage {
    let start = SimTime(rng.random_range(0..duration.as_millis().max(1)));
    let length = SimTime::from_secs(rng.random_range(60..=900));
    let mut apis: Vec<Endpoint> = Endpoint::ALL
        .into_iter()
        .filter(|_| rng.random_bool(0.5))
        .collect();
    if apis.is_empty() {
        apis.push(Endpoint::ALL[rng.random_range(0..Endpoint::ALL.len())]);
    }
    Outage {
        start,
        end: start.plus(length),
        apis,
        code: ApiErrorCode::InternalError,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;

    const BASE: &str = "duration = \"2h\"\n";

    #[test]
    fn each_seed_draws_its_own_faults_within_the_ranges_and_reproducibly() {
        let base = load_str(BASE, "b.toml", "b", &[]).unwrap();
        let a = perturb(&base, 1);
        let b = perturb(&base, 2);
        let again = perturb(&base, 1);
        let attach = |s: &Scenario| {
            s.vpc
                .faults
                .errors
                .get(Endpoint::Task(crate::cloud::api::Api::Attach))
                .probability
        };
        assert_eq!(attach(&a), attach(&again));
        assert_ne!(attach(&a), attach(&b));
        for seed in 0..200 {
            let s = perturb(&base, seed);
            assert_eq!(s.seed, seed);
            for e in Endpoint::ALL {
                let p = s.vpc.faults.errors.get(e).probability;
                assert!((0.0..=MAX_TASK_ERROR).contains(&p));
                let LatencyModel::LogNormal { median, p99 } = *s.vpc.latency.get(e) else {
                    panic!("lognormal latencies");
                };
                assert!(p99 >= median && median.as_millis() >= POLL_MEDIAN_MS.0);
            }
            assert!(s.vpc.outages.len() as u32 <= MAX_OUTAGES);
            assert!(s
                .vpc
                .outages
                .iter()
                .all(|o| o.end > o.start && !o.apis.is_empty()));
        }
    }
}
