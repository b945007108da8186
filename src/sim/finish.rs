//! The end of a run: rows for what is still alive, the invariant checks and the summary.

use super::Simulation;
use crate::cloud::api::Endpoint;
use crate::cloud::eni::{EniId, EniState};
use crate::cluster::pod::{PodState, SchedulingFailure};
use crate::controller::phases::Split;
use crate::engine::SimTime;
use crate::report::rows::Distributions;
use crate::report::stats::Percentiles;
use crate::report::summary::{
    ApiSummary, ChurnSummary, ControllerSummary, DelaySummary, InvariantsSummary, PodsSummary,
    PoolSummary, ReleaseSummary, StartupSplit, StaticSummary, SubnetSummary, Summary,
};

impl Simulation<'_> {
    /// Writes the rows of live pods, ENIs and calls, checks invariants and builds the summary.
    pub(super) fn finish(mut self, end: SimTime) -> Summary {
        // Pods alive at the end, oldest first (ids are reused, so id order is not age).
        let mut alive: Vec<u32> = (0..self.pods.len() as u32)
            .filter(|&p| self.pods[p as usize].state != PodState::Terminated)
            .collect();
        alive.sort_by_key(|&p| self.pods[p as usize].seq);
        for pod in alive {
            self.write_pod_row(pod);
        }
        // ENIs alive at the end, in creation order (records are reused, so id order is not).
        let mut enis: Vec<EniId> = (0..self.enis.len() as u32)
            .map(EniId)
            .filter(|e| {
                let state = self.enis[e.0 as usize].state;
                !matches!(state, EniState::Deleted | EniState::Failed)
            })
            .collect();
        enis.sort_by_key(|e| self.enis[e.0 as usize].number);
        for eni in enis {
            self.write_eni_row(eni);
        }
        let mut in_flight: Vec<_> = self.calls.iter().flatten().copied().collect();
        in_flight.sort_by_key(|c| c.seq);
        for call in &in_flight {
            let api = Endpoint::Task(call.api);
            self.write_call_row(call, api, end.since(call.issued), "in_flight");
        }
        if self.rows {
            let m = &self.metrics;
            self.sink.distributions(&Distributions {
                startup_hit_ms: &m.startup_hit_ms,
                startup_miss_ms: &m.startup_miss_ms,
                release_delay_ms: &m.release_delay_ms,
            });
        }
        let mut findings = self.check_invariants();
        if let Some(first) = self.first_violation.take() {
            // The first violation names its event; one still broken at the end is not counted twice.
            findings.details.retain(|d| !first.ends_with(d.as_str()));
            findings.details.insert(0, first);
        }
        self.summary(end, findings)
    }

    fn summary(mut self, end: SimTime, findings: super::invariants::Findings) -> Summary {
        let g = self.gauges;
        let (pending, running, waiting) = (
            u64::from(g.pods_pending),
            u64::from(g.pods_running),
            u64::from(g.pods_waiting_eni),
        );
        let late_waiters = self.still_waiting_too_long(end);
        let controller = self.controller_summary();
        let node_groups = self.group_summaries(end);
        let m = &mut self.metrics;
        let pods = PodsSummary {
            created: m.pods_created,
            started: m.pods_started,
            failed_scheduling: m.failed_scheduling,
            pending_at_end: pending,
            eni_timeouts: m.eni_timeouts + late_waiters,
            running_at_end: running,
            waiting_eni_at_end: waiting,
            failed_scheduling_by_reason: m
                .failures_by_reason
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
            pending_at_end_by_reason: SchedulingFailure::ALL
                .into_iter()
                .zip(g.pending_by_reason)
                .filter(|&(_, n)| n > 0)
                .map(|(r, n)| (r.name().to_string(), u64::from(n)))
                .collect(),
        };
        Summary {
            scenario: self.sc.name.clone(),
            overrides: self.sc.overrides.clone(),
            seed: self.sc.seed,
            duration_s: end.as_secs_f64(),
            events_processed: m.events,
            fingerprint: format!("{:016x}", self.fingerprint),
            pods,
            startup_latency_s: Percentiles::of(&mut m.startup_hit_ms.merged(&m.startup_miss_ms)),
            startup_split_s: startup_split(m.startup_split, m.pods_started),
            pool: PoolSummary {
                hit_rate: (m.pods_started > 0)
                    .then(|| (m.pool_hits as f64 / m.pods_started as f64 * 1e4).round() / 1e4),
                idle_eni_hours: (m.idle.hours(end) * 1e3).round() / 1e3,
                peak_bound_enis: m.bound.peak(),
                peak_idle_enis: m.idle.peak(),
            },
            churn: ChurnSummary {
                enis_created: m.enis_created,
                enis_attached: m.enis_attached,
                enis_detached: m.enis_detached,
                enis_deleted: m.enis_deleted,
            },
            release: ReleaseSummary {
                count: m.releases,
                delay_s: DelaySummary::from(Percentiles::of(&mut m.release_delay_ms)),
            },
            api: ApiSummary {
                calls: Endpoint::ALL
                    .iter()
                    .map(|e| {
                        (
                            e.name().to_string(),
                            m.api_calls.get(e).copied().unwrap_or(0),
                        )
                    })
                    .collect(),
                calls_total: m.api_calls.values().sum(),
                errors: m
                    .api_errors
                    .iter()
                    .map(|(k, v)| (k.to_string(), *v))
                    .collect(),
                throttled: m.throttled,
            },
            controller,
            subnets: self
                .subnets
                .iter()
                .map(|s| {
                    let figures = SubnetSummary {
                        peak_used_ips: u64::from(s.peak_used_ips()),
                        exhausted_s: s.exhausted_ms(end) as f64 / 1000.0,
                    };
                    (s.id.clone(), figures)
                })
                .collect(),
            node_groups,
            static_ip: StaticSummary {
                retained: m.static_retained,
                reattached: m.static_reattached,
                expired: m.static_expired,
                lost: m.static_lost,
                retained_at_end: u64::from(self.gauges.enis_retained),
            },
            invariants: InvariantsSummary {
                violations: findings.details.len() as u64,
                leaked_enis: findings.leaked,
                orphans: m.orphans,
                orphans_at_end: self.orphans.len() as u64,
                orphan_lived_s: DelaySummary::from(Percentiles::of(&mut m.orphan_lived_ms)),
                details: findings.details,
            },
            warnings: self.warnings,
            files: Vec::new(),
        }
    }

    /// The controller's figures; the queue's are `None` under the per-node model.
    fn controller_summary(&mut self) -> ControllerSummary {
        let queued = self.ipamd.is_some();
        let m = &mut self.metrics;
        let q = &mut m.queue;
        let when = |v: u64| queued.then_some(v);
        ControllerSummary {
            model: self.sc.controller.model.name().to_string(),
            reconciles: when(q.reconciles),
            requeues: when(q.requeues),
            peak_queue_depth: when(q.peak_depth),
            queue_wait_s: Percentiles::of(&mut q.wait_ms),
            client_throttled_calls: when(q.client_waits),
            client_throttled_s: queued.then(|| q.client_wait_ms as f64 / 1000.0),
            need_to_call_s: Percentiles::of(&mut m.need_to_call_ms),
        }
    }

    /// Pods still waiting for their ENI at the end, longer than the ENI timeout.
    fn still_waiting_too_long(&self, end: SimTime) -> u64 {
        self.pods
            .iter()
            .filter(|p| p.state == PodState::WaitingEni)
            .filter(|p| end.since(p.scheduled_at.get().unwrap_or(end)) > self.sc.policy.eni_timeout)
            .count() as u64
    }
}

/// The mean of each part of the pods' waits, in seconds to the millisecond; `None` when no
/// pod started.
fn startup_split(sum: Split, started: u64) -> StartupSplit {
    let mean = |ms: u64| (started > 0).then(|| (ms as f64 / started as f64).round() / 1000.0);
    StartupSplit {
        queueing: mean(sum.queueing),
        throttling: mean(sum.throttling),
        api: mean(sum.api),
        other: mean(sum.other),
    }
}
