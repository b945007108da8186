//! What each ENI on its way to a pod waited for, kept from its bind (or re-attachment) until
//! it is attached, so that a pod's start-up latency splits into queueing, throttling, API
//! latency and the rest ([`Phase`]). A create that fails hands its record to its node's next
//! creates, so a pod that waited through failed creates sees that time too.

use super::Simulation;
use crate::cloud::api::ApiErrorCode;
use crate::cloud::eni::EniId;
use crate::controller::phases::{Phase, PhaseLog};
use crate::engine::SimTime;

/// The records of ENIs being provisioned, and per node the record of its failed creates.
#[derive(Debug, Default)]
pub(super) struct Provisioning {
    /// Per ENI id: its record while it is on its way (bound, not yet attached).
    enis: Vec<Option<PhaseLog>>,
    /// Per node: the record of its last failed create, until a create succeeds.
    failed: Vec<PhaseLog>,
}

impl Provisioning {
    fn slot(&mut self, eni: EniId) -> &mut Option<PhaseLog> {
        let i = eni.0 as usize;
        if i >= self.enis.len() {
            self.enis.resize(i + 1, None);
        }
        &mut self.enis[i]
    }

    fn failed(&mut self, node: u32) -> &mut PhaseLog {
        let i = node as usize;
        if i >= self.failed.len() {
            self.failed.resize(i + 1, PhaseLog::default());
        }
        &mut self.failed[i]
    }

    /// The record of `eni`, if it is being provisioned.
    pub fn log(&self, eni: EniId) -> Option<&PhaseLog> {
        self.enis.get(eni.0 as usize).and_then(Option::as_ref)
    }
}

/// The phase a failed call leaves its ENI in until it is tried again.
fn after_failure(code: ApiErrorCode) -> Phase {
    if code == ApiErrorCode::RequestLimitExceeded {
        Phase::Throttled
    } else {
        Phase::Other
    }
}

impl Simulation<'_> {
    /// An ENI is bound for `node` now: its record starts with the node's failed creates.
    pub(super) fn start_provisioning(&mut self, eni: EniId, node: u32) {
        let log = self.provisioning.failed(node).clone();
        *self.provisioning.slot(eni) = Some(log);
    }

    /// A kept ENI is bound again for a pod: its record starts afresh.
    pub(super) fn restart_provisioning(&mut self, eni: EniId) {
        *self.provisioning.slot(eni) = Some(PhaseLog::default());
    }

    /// The ENI, if being provisioned, is in `phase` from now on.
    pub(super) fn enter_phase(&mut self, eni: EniId, phase: Phase) {
        self.enter_phase_at(eni, self.now(), phase);
    }

    /// The ENI, if being provisioned, is in `phase` from `at` on.
    pub(super) fn enter_phase_at(&mut self, eni: EniId, at: SimTime, phase: Phase) {
        if let Some(log) = self.provisioning.slot(eni).as_mut() {
            log.enter(at, phase);
        }
    }

    /// A node's failed creates wait in `phase` from now on (their retry is queued).
    pub(super) fn enter_failed_phase(&mut self, node: u32, phase: Phase) {
        let now = self.now();
        let log = self.provisioning.failed(node);
        if !log.is_empty() {
            log.enter(now, phase);
        }
    }

    /// A call on the ENI failed with `code`: a refusal for the rate limit was throttling all
    /// along, and the wait before the retry is throttling or "other".
    pub(super) fn call_failed_phase(&mut self, eni: EniId, code: ApiErrorCode) {
        let now = self.now();
        if let Some(log) = self.provisioning.slot(eni).as_mut() {
            if code == ApiErrorCode::RequestLimitExceeded {
                log.recast(Phase::Api, Phase::Throttled);
            }
            log.enter(now, after_failure(code));
        }
    }

    /// A create of `node` failed and created nothing: its record goes to the node's next
    /// creates.
    pub(super) fn create_failed_phase(&mut self, eni: EniId, node: u32) {
        if let Some(log) = self.provisioning.slot(eni).take() {
            *self.provisioning.failed(node) = log;
        }
    }

    /// A create of `node` succeeded: its failed creates are behind it.
    pub(super) fn create_succeeded_phase(&mut self, node: u32) {
        *self.provisioning.failed(node) = PhaseLog::default();
    }

    /// The ENI is attached, or goes away: its record is over.
    pub(super) fn end_provisioning(&mut self, eni: EniId) {
        if let Some(slot) = self.provisioning.enis.get_mut(eni.0 as usize) {
            *slot = None;
        }
    }

    /// A pod placed at `scheduled` starts now with `eni`: its wait is split by what the ENI
    /// waited for, and the time until its first call is counted.
    pub(super) fn count_startup(&mut self, eni: EniId, scheduled: SimTime) {
        let now = self.now();
        let empty = PhaseLog::default();
        let log = self.provisioning.log(eni).unwrap_or(&empty);
        self.metrics.startup_split.absorb(log.split(scheduled, now));
        if now > scheduled {
            if let Some(wait) = log.until_call(scheduled, now) {
                self.metrics.need_to_call_ms.push(wait.as_millis());
            }
        }
    }
}
