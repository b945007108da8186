//! The fake VPC API front: admission (outages, rate limits, the caller's precondition), then
//! a task that runs for its API's latency and ends in success, an injected error or a lost
//! answer. Task outcomes are read by polling DescribeVpcTaskResult, a call of its own.
//!
//! How the event loop uses it: `call(api, now, precondition)` gives a [`CallOutcome`]. With
//! [`Delivery::Direct`] the caller learns `result` at `completes_at` (a refusal, or the
//! Timeout of a lost answer). With [`Delivery::Polled`] it polls with [`VpcApi::describe_task`]
//! every `vpc.task_poll_interval` from `now + task_poll_interval`; the poll whose answer is
//! `Ok` and that was issued at or after `completes_at` reads `result`. An operation takes
//! effect at `completes_at` when `result` is `Ok` or `answer_lost` is set.

pub use super::api::Api;
use super::api::{ApiErrorCode, Endpoint};
use super::faults::Faults;
use super::latency::Sampler;
use super::ratelimit::TokenBucket;
use crate::engine::{RngStreams, SimTime, Stream};
use crate::scenario::model::{PerApi, VpcConfig};
use rand_chacha::ChaCha8Rng;

/// How the caller learns a call's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// In the answer to the call itself, at `completes_at`: refusals at admission, lost
    /// answers (the caller's timeout) and task polls.
    Direct,
    /// The call became a task that finishes at `completes_at`; a DescribeVpcTaskResult poll
    /// issued at or after that time reads the result.
    Polled,
}

/// What a call does, decided when it is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallOutcome {
    /// When the call is over: a task finishes (and takes effect if it succeeds), or a direct
    /// answer reaches the caller.
    pub completes_at: SimTime,
    /// What the caller sees: `Ok`, or the error code.
    pub result: Result<(), ApiErrorCode>,
    /// The operation took effect although the caller sees `Err(Timeout)`.
    pub answer_lost: bool,
    /// How the caller learns `result`.
    pub delivery: Delivery,
}

/// The fake VPC's API: per-endpoint latencies and rate limits, and fault injection.
pub struct VpcApi {
    latency: PerApi<Sampler>,
    limits: PerApi<TokenBucket>,
    faults: Faults,
    latency_rng: ChaCha8Rng,
}

impl VpcApi {
    /// The VPC a scenario describes, drawing latencies and faults from the run's streams.
    pub fn with_config(config: &VpcConfig, streams: &RngStreams) -> Self {
        VpcApi {
            latency: config.latency.map(|_, m| Sampler::new(*m)),
            limits: config.rate_limit.map(|_, r| TokenBucket::new(*r)),
            faults: Faults::new(
                config.faults,
                config.outages.clone(),
                streams.stream(Stream::VpcFaults),
            ),
            latency_rng: streams.stream(Stream::VpcLatency),
        }
    }

    /// Calls `api` at `now`. `precondition` is the cloud's verdict on the call's subject,
    /// computed by the caller from state it owns (see [`crate::cloud::quota::Quota`]); it is
    /// checked after admission, so a refused call still spent a token.
    ///
    /// Order: an outage refuses the call (its code); else over the rate limit it is refused
    /// with `RequestLimitExceeded`; else a failed precondition refuses it with its code. A
    /// refusal answers directly after one request round trip, drawn from the `describe_task`
    /// latency (DescribeVpcTaskResult is a bare request). An admitted call runs as a task for
    /// its API's latency and ends with an injected error, a lost answer or success.
    pub fn call(
        &mut self,
        api: Api,
        now: SimTime,
        precondition: Result<(), ApiErrorCode>,
    ) -> CallOutcome {
        let endpoint = Endpoint::from(api);
        let fate = self.faults.draw(endpoint);
        if let Err(code) = self.admit(endpoint, now).and(precondition) {
            return self.direct(now, Err(code));
        }
        let completes_at = now.plus(self.latency.get(endpoint).sample(&mut self.latency_rng));
        let (result, delivery) = match fate.error {
            Some(code) => (Err(code), Delivery::Polled),
            None if fate.answer_lost => (Err(ApiErrorCode::Timeout), Delivery::Direct),
            None => (Ok(()), Delivery::Polled),
        };
        CallOutcome {
            completes_at,
            result,
            answer_lost: fate.answer_lost,
            delivery,
        }
    }

    /// Polls DescribeVpcTaskResult at `now`. `Ok` means the poll was answered (it then reads
    /// the task's state); an error (outage, rate limit, injected fault) means it learnt nothing
    /// and the caller polls again. Always answered directly after the `describe_task` latency.
    pub fn describe_task(&mut self, now: SimTime) -> CallOutcome {
        let endpoint = Endpoint::DescribeTask;
        let fate = self.faults.draw(endpoint);
        let injected = fate.error.map_or(Ok(()), Err);
        let result = self.admit(endpoint, now).and(injected);
        self.direct(now, result)
    }

    /// Outage first, then the rate limit (an outage spends no token).
    fn admit(&mut self, endpoint: Endpoint, now: SimTime) -> Result<(), ApiErrorCode> {
        if let Some(code) = self.faults.outage(endpoint, now) {
            return Err(code);
        }
        if !self.limits.get_mut(endpoint).try_take(now) {
            return Err(ApiErrorCode::RequestLimitExceeded);
        }
        Ok(())
    }

    /// An answer given straight back, one request round trip after `now`.
    fn direct(&mut self, now: SimTime, result: Result<(), ApiErrorCode>) -> CallOutcome {
        let round_trip = self
            .latency
            .get(Endpoint::DescribeTask)
            .sample(&mut self.latency_rng);
        CallOutcome {
            completes_at: now.plus(round_trip),
            result,
            answer_lost: false,
            delivery: Delivery::Direct,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::model::{FaultConfig, FaultSpec, LatencyModel, Outage};

    fn fixed(ms: u64) -> LatencyModel {
        LatencyModel::Fixed(SimTime(ms))
    }

    /// Task latencies of 2s, request round trips of 100ms, rates of 10/s (polls 2/s).
    fn config() -> VpcConfig {
        VpcConfig {
            latency: PerApi {
                describe_task: fixed(100),
                ..PerApi::same(fixed(2000))
            },
            rate_limit: PerApi {
                describe_task: 2,
                ..PerApi::same(10)
            },
            faults: FaultConfig::NONE,
            outages: Vec::new(),
            eni_quota: None,
            task_poll_interval: SimTime::from_secs(1),
        }
    }

    fn vpc(config: &VpcConfig) -> VpcApi {
        VpcApi::with_config(config, &RngStreams::new(5))
    }

    fn refused(at: u64, code: ApiErrorCode) -> CallOutcome {
        CallOutcome {
            completes_at: SimTime(at),
            result: Err(code),
            answer_lost: false,
            delivery: Delivery::Direct,
        }
    }

    #[test]
    fn an_admitted_call_is_a_task_for_its_latency() {
        let mut v = vpc(&config());
        let o = v.call(Api::Attach, SimTime(500), Ok(()));
        let task = CallOutcome {
            completes_at: SimTime(2500),
            result: Ok(()),
            answer_lost: false,
            delivery: Delivery::Polled,
        };
        assert_eq!(o, task);
    }

    #[test]
    fn over_the_rate_limit_calls_fail_fast_and_spend_nothing() {
        let mut v = vpc(&config());
        for _ in 0..10 {
            assert_eq!(v.call(Api::Create, SimTime(0), Ok(())).result, Ok(()));
        }
        let over = v.call(Api::Create, SimTime(0), Ok(()));
        assert_eq!(over, refused(100, ApiErrorCode::RequestLimitExceeded));
        // Other APIs have buckets of their own.
        assert_eq!(v.call(Api::Delete, SimTime(0), Ok(())).result, Ok(()));
        assert_eq!(v.call(Api::Create, SimTime(100), Ok(())).result, Ok(()));
    }

    #[test]
    fn a_failed_precondition_is_refused_after_admission() {
        let mut v = vpc(&config());
        let o = v.call(Api::Create, SimTime(0), Err(ApiErrorCode::LimitExceeded));
        assert_eq!(o, refused(100, ApiErrorCode::LimitExceeded));
        for _ in 0..9 {
            v.call(
                Api::Create,
                SimTime(0),
                Err(ApiErrorCode::ResourceInsufficient),
            );
        }
        let o = v.call(Api::Create, SimTime(0), Err(ApiErrorCode::LimitExceeded));
        assert_eq!(
            o.result,
            Err(ApiErrorCode::RequestLimitExceeded),
            "tokens spent"
        );
    }

    #[test]
    fn outages_refuse_listed_apis_before_the_rate_limit() {
        let mut c = config();
        c.outages.push(Outage {
            start: SimTime(1000),
            end: SimTime(2000),
            apis: vec![Endpoint::Task(Api::Attach), Endpoint::DescribeTask],
            code: ApiErrorCode::InternalError,
        });
        let mut v = vpc(&c);
        for _ in 0..50 {
            let o = v.call(Api::Attach, SimTime(1000), Ok(()));
            assert_eq!(o, refused(1100, ApiErrorCode::InternalError));
        }
        assert_eq!(
            v.describe_task(SimTime(1999)).result,
            Err(ApiErrorCode::InternalError)
        );
        assert_eq!(v.call(Api::Create, SimTime(1500), Ok(())).result, Ok(()));
        assert_eq!(v.call(Api::Attach, SimTime(2000), Ok(())).result, Ok(()));
    }

    #[test]
    fn injected_errors_end_the_task_and_lost_answers_come_back_as_timeouts() {
        let mut c = config();
        c.faults.errors.create = FaultSpec {
            probability: 1.0,
            code: ApiErrorCode::InternalError,
        };
        c.faults.timeout = 1.0;
        let mut v = vpc(&c);
        let failed = v.call(Api::Create, SimTime(0), Ok(()));
        assert_eq!(failed.result, Err(ApiErrorCode::InternalError));
        assert_eq!(
            (failed.delivery, failed.answer_lost),
            (Delivery::Polled, false)
        );
        assert_eq!(failed.completes_at, SimTime(2000));
        let lost = v.call(Api::Detach, SimTime(0), Ok(()));
        let expected = CallOutcome {
            completes_at: SimTime(2000),
            result: Err(ApiErrorCode::Timeout),
            answer_lost: true,
            delivery: Delivery::Direct,
        };
        assert_eq!(lost, expected);
        assert_eq!(
            v.describe_task(SimTime(0)).result,
            Ok(()),
            "polls never time out"
        );
    }

    #[test]
    fn polls_have_their_own_latency_and_rate_limit() {
        let mut v = vpc(&config());
        let answered = CallOutcome {
            completes_at: SimTime(100),
            result: Ok(()),
            answer_lost: false,
            delivery: Delivery::Direct,
        };
        assert_eq!(v.describe_task(SimTime(0)), answered);
        assert_eq!(v.describe_task(SimTime(0)).result, Ok(()));
        let over = v.describe_task(SimTime(0));
        assert_eq!(over, refused(100, ApiErrorCode::RequestLimitExceeded));
        assert_eq!(v.call(Api::Attach, SimTime(0), Ok(())).result, Ok(()));
    }
}
