//! What each ENI on its way to a pod waited for, kept from its bind (or re-attachment) until
//! it is attached, so that a pod's start-up latency splits into queueing, throttling, API
//! latency and the rest ([`Phase`]). A create that fails hands its record to its node's next
//! creates, so a pod that waited through failed creates sees that time too.

use super::Simulation;
use crate::cloud::api::ApiErrorCode;
use crate::cloud::eni::EniId;
use crate::controller::phases::{Phase, PhaseLog};
use crate::engine::SimTime;
use std::collections::VecDeque;

/// The records of ENIs being provisioned, and per node the record of its failed creates.
#[derive(Debug, Default)]
pub(super) struct Provisioning {
    /// Per ENI id: the node it is on its way to (bound, not yet attached) and its record.
    enis: Vec<Option<(u32, PhaseLog)>>,
    /// Per node: the ENIs on their way to it, oldest first.
    on_way: Vec<VecDeque<EniId>>,
    /// Per node: the record of its last failed create, until a create succeeds.
    failed: Vec<PhaseLog>,
}

impl Provisioning {
    fn slot(&mut self, eni: EniId) -> &mut Option<(u32, PhaseLog)> {
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

    /// `eni` is on its way to `node` with `log` so far.
    fn start(&mut self, eni: EniId, node: u32, log: PhaseLog) {
        self.end(eni);
        *self.slot(eni) = Some((node, log));
        let i = node as usize;
        if i >= self.on_way.len() {
            self.on_way.resize_with(i + 1, VecDeque::new);
        }
        self.on_way[i].push_back(eni);
    }

    /// `eni` is no longer on its way anywhere; its record, if it had one.
    fn end(&mut self, eni: EniId) -> Option<PhaseLog> {
        let (node, log) = self.enis.get_mut(eni.0 as usize)?.take()?;
        let way = &mut self.on_way[node as usize];
        if let Some(i) = way.iter().position(|&e| e == eni) {
            way.remove(i);
        }
        Some(log)
    }

    /// The record of `eni`, if it is being provisioned.
    fn log(&mut self, eni: EniId) -> Option<&mut PhaseLog> {
        self.enis
            .get_mut(eni.0 as usize)
            .and_then(Option::as_mut)
            .map(|(_, log)| log)
    }

    /// What a pod of `node` served by `eni` waited for: the ENI's own record; for an ENI that
    /// was not on its way (one a pod freed), the record of the node's oldest ENI on its way,
    /// which the pod waited for until then; else the node's failed creates.
    fn waited_on(&self, eni: EniId, node: u32) -> Option<&PhaseLog> {
        let own = |e: EniId| {
            self.enis
                .get(e.0 as usize)
                .and_then(Option::as_ref)
                .map(|(_, log)| log)
        };
        own(eni)
            .or_else(|| {
                let oldest = self.on_way.get(node as usize)?.front()?;
                own(*oldest)
            })
            .or_else(|| self.failed.get(node as usize).filter(|l| !l.is_empty()))
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
        self.provisioning.start(eni, node, log);
    }

    /// A kept ENI is bound again for a pod on `node`: its record starts afresh.
    pub(super) fn restart_provisioning(&mut self, eni: EniId, node: u32) {
        self.provisioning.start(eni, node, PhaseLog::default());
    }

    /// The ENI, if being provisioned, is in `phase` from now on.
    pub(super) fn enter_phase(&mut self, eni: EniId, phase: Phase) {
        self.enter_phase_at(eni, self.now(), phase);
    }

    /// The ENI, if being provisioned, is in `phase` from `at` on.
    pub(super) fn enter_phase_at(&mut self, eni: EniId, at: SimTime, phase: Phase) {
        if let Some(log) = self.provisioning.log(eni) {
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
        if let Some(log) = self.provisioning.log(eni) {
            if code == ApiErrorCode::RequestLimitExceeded {
                log.recast(Phase::Api, Phase::Throttled);
            }
            log.enter(now, after_failure(code));
        }
    }

    /// A create of `node` failed and created nothing: its record goes to the node's next
    /// creates.
    pub(super) fn create_failed_phase(&mut self, eni: EniId, node: u32) {
        if let Some(log) = self.provisioning.end(eni) {
            *self.provisioning.failed(node) = log;
        }
    }

    /// A create of `node` succeeded: its failed creates are behind it.
    pub(super) fn create_succeeded_phase(&mut self, node: u32) {
        *self.provisioning.failed(node) = PhaseLog::default();
    }

    /// The ENI is attached, or goes away: its record is over.
    pub(super) fn end_provisioning(&mut self, eni: EniId) {
        self.provisioning.end(eni);
    }

    /// A pod of `node` placed at `scheduled` starts now with `eni`: its wait is split by what
    /// it waited on (see [`Provisioning::waited_on`]; with nothing on its way, the time its
    /// node's item or its own was queued in the controller), and the time until the first
    /// call is counted.
    pub(super) fn count_startup(&mut self, pod: u32, node: u32, eni: EniId, scheduled: SimTime) {
        let now = self.now();
        if now == scheduled {
            // No wait to split (a pool hit).
            return;
        }
        let queued;
        let log = match self.provisioning.waited_on(eni, node) {
            Some(log) => log,
            None => {
                queued = self
                    .queued_since(pod, node)
                    .map_or_else(PhaseLog::default, |at| {
                        let mut log = PhaseLog::default();
                        log.enter(at, Phase::Queued);
                        log
                    });
                &queued
            }
        };
        self.metrics.startup_split.absorb(log.split(scheduled, now));
        if let Some(wait) = log.until_call(scheduled, now) {
            self.metrics.need_to_call_ms.push(wait.as_millis());
        }
    }
}
