//! Fault injection: outage windows, and injected errors and lost answers drawn from the
//! faults' own random stream ([`crate::engine::Stream::VpcFaults`]).

use super::api::{ApiErrorCode, Endpoint};
use crate::engine::SimTime;
use crate::scenario::model::{FaultConfig, Outage};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// What the dice decided for one call that reached the cloud.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fate {
    /// The injected error the call fails with, if any.
    pub error: Option<ApiErrorCode>,
    /// The call takes effect but the caller never gets the answer (task APIs only; ignored
    /// when `error` is set).
    pub answer_lost: bool,
}

/// The scenario's faults with their random stream.
#[derive(Clone, Debug)]
pub struct Faults {
    config: FaultConfig,
    outages: Vec<Outage>,
    rng: ChaCha8Rng,
}

impl Faults {
    /// Faults as configured, drawing from `rng`.
    pub fn new(config: FaultConfig, outages: Vec<Outage>, rng: ChaCha8Rng) -> Self {
        Faults {
            config,
            outages,
            rng,
        }
    }

    /// The code of the first outage (in file order) that takes `endpoint` down at `now`.
    pub fn outage(&self, endpoint: Endpoint, now: SimTime) -> Option<ApiErrorCode> {
        self.outages
            .iter()
            .find(|o| o.start <= now && now < o.end && o.apis.contains(&endpoint))
            .map(|o| o.code)
    }

    /// Rolls the dice for one call to `endpoint`. Every call draws exactly two numbers, whatever
    /// the probabilities, so that changing one API's probability (e.g. in a sweep) leaves
    /// every other call's fate unchanged.
    pub fn draw(&mut self, endpoint: Endpoint) -> Fate {
        let error_roll: f64 = self.rng.random();
        let lost_roll: f64 = self.rng.random();
        let spec = self.config.errors.get(endpoint);
        let error = (error_roll < spec.probability).then_some(spec.code);
        let is_task = matches!(endpoint, Endpoint::Task(_));
        Fate {
            error,
            answer_lost: error.is_none() && is_task && lost_roll < self.config.timeout,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::api::Api;
    use crate::engine::{RngStreams, Stream};
    use crate::scenario::model::{FaultSpec, PerApi};

    const NONE: FaultSpec = FaultSpec {
        probability: 0.0,
        code: ApiErrorCode::InternalError,
    };
    const ATTACH: Endpoint = Endpoint::Task(Api::Attach);

    fn faults(attach: FaultSpec, timeout: f64, outages: Vec<Outage>) -> Faults {
        let mut errors = PerApi {
            create: NONE,
            attach: NONE,
            detach: NONE,
            delete: NONE,
            describe_task: NONE,
        };
        errors.attach = attach;
        let rng = RngStreams::new(9).stream(Stream::VpcFaults);
        Faults::new(FaultConfig { errors, timeout }, outages, rng)
    }

    /// Counts (errors with `code`, lost answers) over `n` draws for `endpoint`.
    fn tally(f: &mut Faults, endpoint: Endpoint, code: ApiErrorCode, n: usize) -> (usize, usize) {
        (0..n).fold((0, 0), |(e, l), _| {
            let fate = f.draw(endpoint);
            let errored = fate.error == Some(code);
            (e + usize::from(errored), l + usize::from(fate.answer_lost))
        })
    }

    #[test]
    fn error_probability_really_fires_within_statistical_bounds() {
        let spec = FaultSpec {
            probability: 0.2,
            code: ApiErrorCode::LimitExceeded,
        };
        let mut f = faults(spec, 0.0, vec![]);
        // Binomial(10,000, 0.2): mean 2,000, standard deviation 40; ±5σ = ±200.
        let (errors, lost) = tally(&mut f, ATTACH, ApiErrorCode::LimitExceeded, 10_000);
        assert!((1800..=2200).contains(&errors), "{errors} errors");
        assert_eq!(lost, 0);
        let create = Endpoint::Task(Api::Create);
        assert_eq!(
            tally(&mut f, create, ApiErrorCode::LimitExceeded, 1000),
            (0, 0)
        );
    }

    #[test]
    fn timeouts_fire_on_task_apis_only() {
        let mut f = faults(NONE, 0.05, vec![]);
        // Binomial(10,000, 0.05): mean 500, standard deviation ~21.8; ±5σ ≈ ±110.
        let (_, lost) = tally(&mut f, ATTACH, ApiErrorCode::Timeout, 10_000);
        assert!((390..=610).contains(&lost), "{lost} lost answers");
        let poll = Endpoint::DescribeTask;
        assert_eq!(tally(&mut f, poll, ApiErrorCode::Timeout, 1000), (0, 0));
    }

    #[test]
    fn certain_and_impossible_faults() {
        let always = FaultSpec {
            probability: 1.0,
            code: ApiErrorCode::InternalError,
        };
        let mut f = faults(always, 1.0, vec![]);
        let (errors, lost) = tally(&mut f, ATTACH, ApiErrorCode::InternalError, 1000);
        assert_eq!(
            (errors, lost),
            (1000, 0),
            "a failed call has no answer to lose"
        );
        let (_, lost) = tally(
            &mut f,
            Endpoint::Task(Api::Delete),
            ApiErrorCode::Timeout,
            1000,
        );
        assert_eq!(lost, 1000);
    }

    #[test]
    fn outages_refuse_exactly_the_listed_apis_inside_the_window() {
        let outage = Outage {
            start: SimTime(7_200_000),
            end: SimTime(8_100_000),
            apis: vec![Endpoint::Task(Api::Create), ATTACH],
            code: ApiErrorCode::InternalError,
        };
        let f = faults(NONE, 0.0, vec![outage]);
        for t in [
            0, 7_199_999, 7_200_000, 7_500_000, 8_099_999, 8_100_000, 9_000_000,
        ] {
            let inside = (7_200_000..8_100_000).contains(&t);
            for e in Endpoint::ALL {
                let listed = matches!(e, Endpoint::Task(Api::Create | Api::Attach));
                let expected = (inside && listed).then_some(ApiErrorCode::InternalError);
                assert_eq!(f.outage(e, SimTime(t)), expected, "{} at {t}", e.name());
            }
        }
    }
}
