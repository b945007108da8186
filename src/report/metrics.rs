//! Figures aggregated as the run goes: counters, exact samples for percentiles, and
//! time integrals. Nothing here is derived from the CSV rows, so a run without files
//! (a sweep) reports the same summary.

use super::stats::Samples;
use crate::cloud::api::Endpoint;
use crate::controller::phases::Split;
use crate::engine::SimTime;
use std::collections::BTreeMap;

/// A level that changes over time (idle ENIs, bound ENIs): its current value, its peak and
/// its integral over time.
#[derive(Clone, Copy, Debug, Default)]
pub struct Level {
    value: u64,
    peak: u64,
    since: SimTime,
    integral_ms: u128,
}

impl Level {
    /// Changes the level by `delta` at `now`.
    pub fn add(&mut self, delta: i64, now: SimTime) {
        self.integral_ms += u128::from(self.value) * u128::from(now.since(self.since).as_millis());
        self.since = now;
        self.value = self.value.saturating_add_signed(delta);
        self.peak = self.peak.max(self.value);
    }

    /// The current value.
    pub fn value(&self) -> u64 {
        self.value
    }

    /// The highest value seen.
    pub fn peak(&self) -> u64 {
        self.peak
    }

    /// The integral up to `now`, in value-hours.
    pub fn hours(&self, now: SimTime) -> f64 {
        let ms = self.integral_ms
            + u128::from(self.value) * u128::from(now.since(self.since).as_millis());
        ms as f64 / 3_600_000.0
    }
}

/// Everything the summary needs, accumulated during the run.
#[derive(Clone, Debug, Default)]
pub struct Metrics {
    /// Events popped from the queue.
    pub events: u64,
    /// Pods the controllers created.
    pub pods_created: u64,
    /// Pods that got their ENI.
    pub pods_started: u64,
    /// Pods that could not be placed when they were created.
    pub failed_scheduling: u64,
    /// Scheduling failures by reason.
    pub failures_by_reason: BTreeMap<&'static str, u64>,
    /// Pods that waited longer than `policy.eni_timeout` for their ENI.
    pub eni_timeouts: u64,
    /// Start-up latencies (scheduled -> ENI ready), ms, of pods that found an idle ENI
    /// waiting (pool hits).
    pub startup_hit_ms: Samples,
    /// Start-up latencies of the other pods (pool misses): those that waited for an ENI.
    pub startup_miss_ms: Samples,
    /// Pods that found an idle ENI waiting.
    pub pool_hits: u64,
    /// Attached ENIs no pod uses.
    pub idle: Level,
    /// ENIs bound to nodes for pods (the policy's B, summed).
    pub bound: Level,
    /// ENIs created (CreateNetworkInterface succeeded).
    pub enis_created: u64,
    /// ENIs attached.
    pub enis_attached: u64,
    /// ENIs detached (by a call, or with their deleted node).
    pub enis_detached: u64,
    /// ENIs deleted.
    pub enis_deleted: u64,
    /// ENIs released as surplus.
    pub releases: u64,
    /// Surplus -> release delays, ms.
    pub release_delay_ms: Samples,
    /// Calls issued per endpoint (task polls included).
    pub api_calls: BTreeMap<Endpoint, u64>,
    /// Failed calls per error code.
    pub api_errors: BTreeMap<&'static str, u64>,
    /// Calls refused by a rate limit.
    pub throttled: u64,
    /// Static-IP ENIs kept for their pod's name when the pod ended.
    pub static_retained: u64,
    /// Static-IP pods that got their kept ENI back.
    pub static_reattached: u64,
    /// Kept ENIs deleted when `static_ip_retention` ran out.
    pub static_expired: u64,
    /// Static-IP ENIs deleted with their node (the pod's IP is lost).
    pub static_lost: u64,
    /// ENIs created whose create's answer was lost.
    pub orphans: u64,
    /// How long each orphan existed before the reconciler found it, ms.
    pub orphan_lived_ms: Samples,
    /// Started pods' waits for their ENI, split by what the ENI that served each waited for,
    /// ms summed over the pods.
    pub startup_split: Split,
    /// From a pod's placement to the first VPC call for the ENI that served it, ms, for pods
    /// that waited for an ENI on its way.
    pub need_to_call_ms: Samples,
    /// The work queue's figures (queue model only).
    pub queue: QueueMetrics,
    /// The pool figures of each node group, in file order.
    pub groups: Vec<GroupMetrics>,
}

/// One node group's share of the pool figures: what a canary group is judged on against the
/// rest of the cluster.
#[derive(Clone, Debug, Default)]
pub struct GroupMetrics {
    /// Pods of the group's nodes that got their ENI.
    pub pods_started: u64,
    /// Of those, pods that found an idle ENI waiting.
    pub pool_hits: u64,
    /// Scheduled -> ENI ready of those pods, ms.
    pub startup_ms: Samples,
    /// Idle ENIs of the group's nodes.
    pub idle: Level,
    /// ENIs bound to the group's nodes.
    pub bound: Level,
    /// ENIs created for the group's nodes.
    pub enis_created: u64,
    /// ENIs of the group's nodes deleted.
    pub enis_deleted: u64,
    /// Surplus ENIs the group's nodes released.
    pub releases: u64,
}

/// What the ENI controller's work queue did, as client-go's workqueue metrics count it.
#[derive(Clone, Debug, Default)]
pub struct QueueMetrics {
    /// Items workers took from the queue (reconciles).
    pub reconciles: u64,
    /// Items requeued through the rate limiter after a failure.
    pub requeues: u64,
    /// Most items waiting for a worker at once.
    pub peak_depth: u64,
    /// How long each item waited in the queue for a worker, ms.
    pub wait_ms: Samples,
    /// VPC calls that waited for a token of the client-side limit.
    pub client_waits: u64,
    /// Time calls waited for those tokens, ms summed.
    pub client_wait_ms: u64,
}
