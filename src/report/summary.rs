//! summary.json: the run's figures, a contract with users' CI. Keys may be added, never
//! renamed. Wall-clock figures never go here, so the file is byte-identical across runs.

use super::stats::Percentiles;
use indexmap::IndexMap;
use serde::Serialize;
use std::collections::BTreeMap;

/// The whole summary, in the key order SPEC lists.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// The `--set KEY=VALUE` overrides the run was given (the seed's included), as given.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<String>,
    /// Master seed.
    pub seed: u64,
    /// Virtual time covered, seconds.
    pub duration_s: f64,
    /// Events processed.
    pub events_processed: u64,
    /// Hash of the ordered event log: equal fingerprints mean the runs behaved the same.
    pub fingerprint: String,
    /// Pod counts.
    pub pods: PodsSummary,
    /// Scheduled -> ENI ready, seconds.
    pub startup_latency_s: Percentiles,
    /// The mean start-up latency split by what each pod's ENI waited for, seconds.
    pub startup_split_s: StartupSplit,
    /// Pool effectiveness.
    pub pool: PoolSummary,
    /// ENI lifecycle counts.
    pub churn: ChurnSummary,
    /// Surplus releases.
    pub release: ReleaseSummary,
    /// VPC API traffic.
    pub api: ApiSummary,
    /// The ENI controller and its work queue.
    pub controller: ControllerSummary,
    /// Per subnet, in file order.
    pub subnets: IndexMap<String, SubnetSummary>,
    /// Per node group, in file order: its policy family and its pool figures.
    pub node_groups: IndexMap<String, GroupSummary>,
    /// Static-IP ENIs kept for pod names.
    #[serde(rename = "static")]
    pub static_ip: StaticSummary,
    /// End-of-run checks.
    pub invariants: InvariantsSummary,
    /// Values the run used that TKE would not accept (what-ifs), one plain sentence each:
    /// the scenario's in file order, then the run's in the order they came up. Empty when
    /// everything is as the product allows.
    pub warnings: Vec<String>,
    /// The files of the result this summary belongs to (set by the writer; empty for a run
    /// that wrote no files).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
}

/// `static`: what keeping static-IP pods' ENIs cost and saved.
#[derive(Clone, Debug, Default, Serialize)]
pub struct StaticSummary {
    /// ENIs kept for their pod's name when the pod ended.
    pub retained: u64,
    /// Pod incarnations that got their kept ENI (and IP) back.
    pub reattached: u64,
    /// Kept ENIs deleted when `static_ip_retention` ran out.
    pub expired: u64,
    /// Static-IP ENIs deleted with their node: those pods come back with a new IP.
    pub lost: u64,
    /// ENIs kept unattached at the end of the run.
    pub retained_at_end: u64,
}

/// `pods`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PodsSummary {
    /// Pods created by controllers.
    pub created: u64,
    /// Pods that got their ENI.
    pub started: u64,
    /// Pods that could not be placed when created.
    pub failed_scheduling: u64,
    /// Pods still not placed at the end.
    pub pending_at_end: u64,
    /// Pods that waited longer than `policy.eni_timeout` for their ENI.
    pub eni_timeouts: u64,
    /// Pods running at the end.
    pub running_at_end: u64,
    /// Pods placed but still waiting for their ENI at the end.
    pub waiting_eni_at_end: u64,
    /// Scheduling failures by reason.
    pub failed_scheduling_by_reason: BTreeMap<String, u64>,
    /// Pods still not placed at the end, by the reason they could not be.
    pub pending_at_end_by_reason: BTreeMap<String, u64>,
}

/// `startup_split_s`: the mean start-up latency in parts, each the mean over started pods of
/// the time the pod's ENI spent so (they add up to `startup_latency_s.mean`, to rounding);
/// `None` (`null`) when no pod started.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct StartupSplit {
    /// Waiting in the ENI controller: in its work queue, or behind a worker's other calls.
    pub queueing: Option<f64>,
    /// Held back by a rate limit: the controller's own, or the VPC's (refused calls and polls,
    /// the waits before their retries).
    pub throttling: Option<f64>,
    /// VPC calls in flight: from sending to the result learned by polling.
    pub api: Option<f64>,
    /// The rest: backoff after other errors, no subnet to create in, no ENI on its way yet
    /// (a pod that waits for another pod to free an ENI).
    pub other: Option<f64>,
}

/// `controller`: the ENI controller. The queue's figures are `None` (`null`) under the
/// per-node model, which has no queue.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ControllerSummary {
    /// `"queue"` or `"per_node"`.
    pub model: String,
    /// Items workers took from the queue.
    pub reconciles: Option<u64>,
    /// Items requeued through the rate limiter after a failed call.
    pub requeues: Option<u64>,
    /// Most items waiting for a worker at once.
    pub peak_queue_depth: Option<u64>,
    /// How long items waited in the queue for a worker, seconds.
    pub queue_wait_s: Percentiles,
    /// VPC calls that waited for a token of the client-side limit.
    pub client_throttled_calls: Option<u64>,
    /// Their waits for it, seconds summed.
    pub client_throttled_s: Option<f64>,
    /// From a pod's placement to the first VPC call for the ENI that served it, seconds, for
    /// pods that waited for an ENI on its way.
    pub need_to_call_s: Percentiles,
}

/// `pool`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PoolSummary {
    /// Share of started pods that found an idle ENI waiting; `None` (`null`) when no pod
    /// started.
    pub hit_rate: Option<f64>,
    /// Idle attached ENIs integrated over time.
    pub idle_eni_hours: f64,
    /// Most ENIs bound to nodes at once.
    pub peak_bound_enis: u64,
    /// Most idle ENIs at once.
    pub peak_idle_enis: u64,
}

/// `churn`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ChurnSummary {
    /// ENIs created.
    pub enis_created: u64,
    /// ENIs attached.
    pub enis_attached: u64,
    /// ENIs detached.
    pub enis_detached: u64,
    /// ENIs deleted.
    pub enis_deleted: u64,
}

/// `release`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ReleaseSummary {
    /// Surplus ENIs released.
    pub count: u64,
    /// Surplus -> release delays, seconds.
    pub delay_s: DelaySummary,
}

/// `release.delay_s`: `None` (`null`) when nothing was measured.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DelaySummary {
    /// Median.
    pub p50: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
    /// Largest.
    pub max: Option<f64>,
}

impl From<Percentiles> for DelaySummary {
    fn from(p: Percentiles) -> Self {
        DelaySummary {
            p50: p.p50,
            p99: p.p99,
            max: p.max,
        }
    }
}

/// `api`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ApiSummary {
    /// Calls per API.
    pub calls: BTreeMap<String, u64>,
    /// Calls of every API together: the VPC load a tuner compares across settings.
    pub calls_total: u64,
    /// Failed calls per error code.
    pub errors: BTreeMap<String, u64>,
    /// Calls refused by a rate limit.
    pub throttled: u64,
}

/// One subnet's figures.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SubnetSummary {
    /// Most addresses held at once.
    pub peak_used_ips: u64,
    /// Seconds with no free address.
    pub exhausted_s: f64,
}

/// One node group's figures (`node_groups.<name>`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct GroupSummary {
    /// The policy family its nodes run (`policy.mode`, or its own policy table's).
    pub policy: String,
    /// Pods of its nodes that got their ENI.
    pub pods_started: u64,
    /// Scheduled -> ENI ready of those pods, seconds.
    pub startup_latency_s: Percentiles,
    /// Its share of `pool`.
    pub pool: PoolSummary,
    /// ENIs created for its nodes and deleted.
    pub churn: GroupChurn,
    /// Surplus ENIs its nodes released.
    pub releases: u64,
}

/// `node_groups.<name>.churn`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct GroupChurn {
    /// ENIs created.
    pub enis_created: u64,
    /// ENIs deleted.
    pub enis_deleted: u64,
}

/// `invariants`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct InvariantsSummary {
    /// Broken invariants found.
    pub violations: u64,
    /// ENIs that exist in the VPC but belong to nothing (not even the orphans below).
    pub leaked_enis: u64,
    /// ENIs whose create's answer was lost, so the controller did not know them.
    pub orphans: u64,
    /// Orphans the reconciler had not found yet when the run ended.
    pub orphans_at_end: u64,
    /// How long orphans existed before the reconciler found them, seconds.
    pub orphan_lived_s: DelaySummary,
    /// What was broken, one line each (empty when all holds).
    pub details: Vec<String>,
}

impl Summary {
    /// The summary as pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}
