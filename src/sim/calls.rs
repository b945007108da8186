//! VPC calls as the controller makes them: submission with the cloud's preconditions, polling
//! DescribeVpcTaskResult for a task's outcome, learning the result, and retries with capped
//! exponential backoff.

use super::{Event, Simulation};
use crate::cloud::api::{ApiErrorCode, Endpoint};
use crate::cloud::eni::EniId;
use crate::cloud::quota::Quota;
use crate::cloud::retry::{backoff, jittered};
use crate::cloud::vpc::{Api, CallOutcome, Delivery};
use crate::controller::phases::Phase;
use crate::engine::SimTime;
use crate::report::rows::ApiCallRow;

/// A VPC call on an ENI, from its submission until the controller learns its result.
#[derive(Clone, Copy, Debug)]
pub(super) struct Call {
    pub api: Api,
    pub eni: EniId,
    pub node: u32,
    /// When this attempt was submitted.
    pub issued: SimTime,
    /// Submission order, for the rows of calls still in flight at the end.
    pub seq: u64,
    /// Retries so far.
    pub attempt: u32,
    /// What the VPC will do with this attempt.
    pub outcome: CallOutcome,
}

impl Simulation<'_> {
    /// Issues a VPC call on an ENI; the controller learns its result later, as an event.
    /// Under the queue model the call waits for one of the controller's workers.
    pub(super) fn submit(&mut self, api: Api, eni: EniId) {
        if !self.park(api, eni) {
            self.send(None, api, eni, 0);
        }
    }

    /// Sends a call (into a new slot, or again in `slot` for a retry), schedules how its
    /// answer comes back, and returns its slot.
    pub(super) fn send(&mut self, slot: Option<u32>, api: Api, eni: EniId, attempt: u32) -> u32 {
        let now = self.now();
        self.enter_phase(eni, Phase::Api);
        let node = self.enis[eni.0 as usize].node;
        let precondition = self.precondition(api, eni, node);
        let outcome = self.vpc.call(api, now, precondition);
        if api == Api::Create && (outcome.result.is_ok() || outcome.answer_lost) {
            // The create runs: the ENI exists in the VPC with its address from now on.
            self.materialize(eni);
        }
        let call = Call {
            api,
            eni,
            node,
            issued: now,
            seq: self.call_seq,
            attempt,
            outcome,
        };
        self.call_seq += 1;
        let slot = match slot.or_else(|| self.free_call_slots.pop()) {
            Some(s) => {
                self.calls[s as usize] = Some(call);
                s
            }
            None => {
                self.calls.push(Some(call));
                self.calls.len() as u32 - 1
            }
        };
        self.count_call(Endpoint::Task(api));
        match outcome.delivery {
            Delivery::Direct => self
                .queue
                .schedule(outcome.completes_at, Event::ApiDone(slot)),
            Delivery::Polled => {
                let at = now.plus(self.sc.vpc.task_poll_interval);
                self.queue.schedule(at, Event::Poll(slot))
            }
        };
        slot
    }

    /// The cloud's own verdict on a call, from state the simulator holds.
    fn precondition(&self, api: Api, eni: EniId, node: u32) -> Result<(), ApiErrorCode> {
        match api {
            Api::Create => {
                let subnet = self.enis[eni.0 as usize].subnet;
                let free = self.subnets[subnet.0 as usize].free_ips();
                self.quota.create(self.gauges.enis_total, free)
            }
            Api::Attach => {
                let n = &self.nodes[node as usize];
                // The node's count already includes this ENI.
                Quota::attach(n.attached - 1, n.eni_pods)
            }
            Api::Detach | Api::Delete => Ok(()),
        }
    }

    fn count_call(&mut self, endpoint: Endpoint) {
        *self.metrics.api_calls.entry(endpoint).or_default() += 1;
        self.gauges.calls_since_sample[endpoint.index()] += 1;
    }

    fn count_error(&mut self, code: ApiErrorCode) {
        *self.metrics.api_errors.entry(code.name()).or_default() += 1;
        self.gauges.errors_since_sample[code.index()] += 1;
        if code == ApiErrorCode::RequestLimitExceeded {
            self.metrics.throttled += 1;
        }
    }

    /// Polls DescribeVpcTaskResult for the task of the call in `slot`: once the task is over
    /// and a poll gets through, the answer arrives with the poll's reply.
    pub(super) fn poll(&mut self, slot: u32) {
        let now = self.now();
        let Some(call) = self.calls[slot as usize] else {
            return;
        };
        let reply = self.vpc.describe_task(now);
        self.count_call(Endpoint::DescribeTask);
        match reply.result {
            Ok(()) => self.enter_phase(call.eni, Phase::Api),
            Err(code) => {
                self.count_error(code);
                if code == ApiErrorCode::RequestLimitExceeded {
                    self.enter_phase(call.eni, Phase::Throttled);
                }
            }
        }
        let latency = reply.completes_at.since(now);
        let poll = Call {
            issued: now,
            ..call
        };
        self.write_call_row(
            &poll,
            Endpoint::DescribeTask,
            latency,
            outcome_name(reply.result),
        );
        // A poll that got through to a finished task brings the answer; otherwise poll again.
        if reply.result.is_ok() && now >= call.outcome.completes_at {
            self.queue
                .schedule(reply.completes_at, Event::ApiDone(slot));
        } else {
            let next = now.plus(self.sc.vpc.task_poll_interval);
            self.queue.schedule(next, Event::Poll(slot));
        }
    }

    /// The controller learns a call's result: the ENI moves on, or the call is retried.
    pub(super) fn complete_call(&mut self, slot: u32) {
        let Some(call) = self.calls[slot as usize] else {
            return;
        };
        let now = self.now();
        let latency = now.since(call.issued);
        let result = outcome_name(call.outcome.result);
        self.write_call_row(&call, Endpoint::Task(call.api), latency, result);
        match call.outcome.result {
            Ok(()) => {
                self.release_slot(slot);
                self.forget_item(call.eni);
                self.call_succeeded(call.api, call.eni);
            }
            Err(code) => {
                self.count_error(code);
                self.call_failed_phase(call.eni, code);
                if call.api == Api::Create {
                    self.release_slot(slot);
                    self.create_failed(call.eni, code, call.outcome.answer_lost);
                } else {
                    // Attach, detach and delete are retried as they are; a retry of one whose
                    // answer was lost finds it done, which the VPC answers as success.
                    let mut call = call;
                    call.attempt += 1;
                    self.calls[slot as usize] = Some(call);
                    if self.queued() {
                        self.park_again(slot, call.eni);
                    } else {
                        let at = now.plus(self.retry_delay(call.attempt));
                        self.queue.schedule(at, Event::Retry(slot));
                    }
                }
            }
        }
    }

    /// Re-sends a failed call after its backoff, unless its node went away meanwhile (an
    /// attach then has nothing to attach to).
    pub(super) fn retry(&mut self, slot: u32) {
        let Some(call) = self.calls[slot as usize] else {
            return;
        };
        if call.api == Api::Attach && !self.nodes[call.node as usize].alive {
            self.release_slot(slot);
            self.off_node(call.eni);
            return;
        }
        self.send(Some(slot), call.api, call.eni, call.attempt);
    }

    /// The wait before retry number `attempt`: the policy's backoff, less its jitter.
    pub(super) fn retry_delay(&mut self, attempt: u32) -> SimTime {
        let retry = self.sc.policy.retry;
        jittered(backoff(&retry, attempt), retry.jitter, &mut self.retry_rng)
    }

    pub(super) fn release_slot(&mut self, slot: u32) {
        self.calls[slot as usize] = None;
        self.free_call_slots.push(slot);
    }

    /// Streams one call's row: `endpoint` answered `result` after `latency`, about the ENI and
    /// node of `call` (a task, or the poll of its task).
    pub(super) fn write_call_row(
        &mut self,
        call: &Call,
        endpoint: Endpoint,
        latency: SimTime,
        result: &'static str,
    ) {
        if !self.rows {
            return;
        }
        let row = ApiCallRow {
            issued: call.issued,
            api: endpoint.name(),
            node: super::enis::node_name(&self.nodes, &self.sc, call.node),
            eni: self.enis[call.eni.0 as usize].number,
            latency,
            result,
        };
        self.sink.api_call(&row);
    }
}

/// A call's result as api_calls.csv writes it: `ok` or the error code.
fn outcome_name(result: Result<(), ApiErrorCode>) -> &'static str {
    result.map_or_else(ApiErrorCode::name, |()| "ok")
}
