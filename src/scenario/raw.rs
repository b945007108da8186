//! The scenario file exactly as written: serde structs mirroring the TOML, before defaults and
//! cross-checks. Every struct denies unknown keys, so a typo or a key this version does not
//! implement yet is an error rather than silently ignored. Workloads and events are flat
//! structs (validated per kind/action later) because serde's tagged enums lose spans.

use crate::scenario::api_values::{ApiName, Code, Fault, Probability, Rate};
use crate::scenario::model::PerApi;
use crate::scenario::values::{Cidr, Duration, Latency, Lifetime};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Default: the file stem.
    pub name: Option<String>,
    /// Default: 1.
    pub seed: Option<u64>,
    /// Required.
    pub duration: Duration,
    /// Default: 10s.
    pub sample_interval: Option<Duration>,
    /// Default: every policy default.
    #[serde(default)]
    pub policy: RawPolicy,
    /// Default: every VPC default.
    #[serde(default)]
    pub vpc: RawVpc,
    /// Default: a stock client-go controller.
    #[serde(default)]
    pub controller: RawController,
    /// Added or overridden instance types.
    #[serde(default)]
    pub instance_types: Vec<RawInstanceType>,
    /// Container subnets.
    #[serde(default)]
    pub subnets: Vec<RawSubnet>,
    /// Node groups.
    #[serde(default)]
    pub node_groups: Vec<RawNodeGroup>,
    /// Workloads.
    #[serde(default)]
    pub workloads: Vec<RawWorkload>,
    /// Scheduled events.
    #[serde(default)]
    pub events: Vec<RawEvent>,
    /// A tuning study: what `enisim sweep` varies when its flags do not say.
    pub sweep: Option<RawSweep>,
}

/// `[sweep]`: the flags of `enisim sweep`, kept with the scenario.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSweep {
    /// `KEY=SPEC` axes, as `--vary` takes them.
    #[serde(default)]
    pub vary: Vec<String>,
    /// Seeds per variant.
    pub seeds: Option<u32>,
    /// Bounds, as `--target` takes them.
    #[serde(default)]
    pub targets: Vec<String>,
    /// The metric to minimize.
    pub minimize: Option<String>,
}

/// `[policy]` (and a node group's `policy` table); defaults are applied in validation. The
/// keys of the policy families beyond TKE's two modes are gathered in `extra` and read by
/// their family ([`crate::policy::FAMILIES`]); validation refuses any other key there.
#[derive(Debug, Default, Deserialize)]
pub struct RawPolicy {
    /// "pool" (default), "static" or another family's mode.
    pub mode: Option<String>,
    /// Default 1.
    pub min_warm: Option<u32>,
    /// Default 1.
    pub max_warm: Option<u32>,
    /// "slow" (default) or "quick".
    pub release: Option<String>,
    /// Default 2m.
    pub release_interval: Option<Duration>,
    /// "periodic" (default) or "sustained".
    pub release_check: Option<String>,
    /// Default 2m.
    pub eni_timeout: Option<Duration>,
    /// "never" (default) or a duration of more than 5m.
    pub static_ip_retention: Option<String>,
    /// Default 5m.
    pub subnet_cooldown: Option<Duration>,
    /// Default 1m.
    pub reconcile_interval: Option<Duration>,
    /// Default true (static mode only).
    pub ip_aware_scheduling: Option<bool>,
    /// Default: every retry default.
    #[serde(default)]
    pub retry: RawRetry,
    /// Every other key, for the policy families to read.
    #[serde(flatten)]
    pub extra: BTreeMap<String, toml::Value>,
}

/// `[policy.retry]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRetry {
    /// Default 1s.
    pub base: Option<Duration>,
    /// Default 1m.
    pub cap: Option<Duration>,
    /// Default 2.
    pub multiplier: Option<u32>,
    /// Default 0.
    pub jitter: Option<f64>,
}

impl RawRetry {
    /// True if the table sets any key.
    pub fn is_given(&self) -> bool {
        self.base.is_some()
            || self.cap.is_some()
            || self.multiplier.is_some()
            || self.jitter.is_some()
    }
}

/// `[controller]`; defaults are applied in validation.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawController {
    /// "queue" (default) or "per_node".
    pub model: Option<String>,
    /// Default 1.
    pub workers: Option<u32>,
    /// Default 5 (calls per second).
    pub vpc_qps: Option<f64>,
    /// Default 10.
    pub vpc_burst: Option<u32>,
    /// Default 5ms.
    pub item_backoff_base: Option<Duration>,
    /// Default 1000s.
    pub item_backoff_max: Option<Duration>,
    /// Default 10 (requeues per second).
    pub requeue_qps: Option<f64>,
    /// Default 100.
    pub requeue_burst: Option<u32>,
}

/// `[vpc]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVpc {
    /// `[vpc.latency]`: per-endpoint latencies.
    #[serde(default)]
    pub latency: PerApi<Option<Latency>>,
    /// `[vpc.rate_limit]`: per-endpoint requests per second.
    #[serde(default)]
    pub rate_limit: PerApi<Option<Rate>>,
    /// `[vpc.faults]`.
    #[serde(default)]
    pub faults: RawFaults,
    /// `[[vpc.outages]]`.
    #[serde(default)]
    pub outages: Vec<RawOutage>,
    /// Default: unlimited.
    pub eni_quota: Option<u32>,
    /// Default 1s.
    pub task_poll_interval: Option<Duration>,
}

/// `[vpc.faults]`: a failure per endpoint, and the chance of lost answers.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFaults {
    /// Default: never fails.
    pub create: Option<Fault>,
    /// Default: never fails.
    pub attach: Option<Fault>,
    /// Default: never fails.
    pub detach: Option<Fault>,
    /// Default: never fails.
    pub delete: Option<Fault>,
    /// Default: never fails.
    pub describe_task: Option<Fault>,
    /// Default 0.
    pub timeout: Option<Probability>,
}

impl RawFaults {
    /// The per-endpoint failures, keyed like every per-API setting.
    pub fn errors(&self) -> PerApi<Option<Fault>> {
        PerApi {
            create: self.create,
            attach: self.attach,
            detach: self.detach,
            delete: self.delete,
            describe_task: self.describe_task,
        }
    }
}

/// One `[[vpc.outages]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutage {
    /// Required.
    pub start: Duration,
    /// Required, after `start`.
    pub end: Duration,
    /// Default: every endpoint.
    pub apis: Option<Vec<ApiName>>,
    /// Default "InternalError".
    pub code: Option<Code>,
}

/// `[[instance_types]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInstanceType {
    /// Type name that node groups refer to.
    pub name: String,
    /// Exclusive-ENI pods per node.
    pub eni_pods: u32,
    /// Default: the cores of the name's size part (`LARGE` -> 4), else 0.
    pub cores: Option<u32>,
}

/// `[[subnets]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSubnet {
    /// Unique id.
    pub id: String,
    /// Availability zone.
    pub zone: String,
    /// Address range.
    pub cidr: Cidr,
    /// Default 3.
    pub reserved_ips: Option<u32>,
}

/// `[[node_groups]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNodeGroup {
    /// Unique name.
    pub name: String,
    /// Instance type name.
    pub instance_type: String,
    /// Availability zone.
    pub zone: String,
    /// Nodes at the start (may be 0).
    pub count: u32,
    /// Optional `direct-eni-max-attach`.
    pub max_attach: Option<u32>,
    /// Optional per-node override of the policy's value.
    pub min_warm: Option<u32>,
    /// Optional per-node override of the policy's value.
    pub max_warm: Option<u32>,
    /// Optional policy table of its own (a canary group); default: `[policy]`'s.
    pub policy: Option<RawPolicy>,
}

/// `[[workloads]]`: the union of every kind's keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    /// Unique name.
    pub name: String,
    /// "deployment", "statefulset", "poisson", "burst" or "trace".
    pub kind: String,
    /// Deployment, statefulset: required.
    pub replicas: Option<u32>,
    /// Deployment, statefulset, poisson: default 0s.
    pub start: Option<Duration>,
    /// Deployment, statefulset.
    pub scale: Option<Vec<RawScaleStep>>,
    /// Deployment, statefulset: rolling restarts.
    pub restart: Option<Vec<Duration>>,
    /// Default: true for statefulsets, false otherwise.
    pub static_ip: Option<bool>,
    /// Poisson: required.
    pub arrivals_per_minute: Option<f64>,
    /// Poisson, burst: required.
    pub lifetime: Option<Lifetime>,
    /// Poisson: optional rate modulation.
    pub diurnal: Option<RawDiurnal>,
    /// Poisson: no arrivals from then on.
    pub end: Option<Duration>,
    /// Burst: required.
    pub bursts: Option<Vec<RawBurst>>,
    /// Trace: required, relative to the scenario file.
    pub path: Option<String>,
    /// Trace: "enisim" (default) or "alibaba-openb".
    pub format: Option<String>,
    /// Trace: default 1.0.
    pub time_scale: Option<f64>,
    /// Trace: first trace time replayed.
    pub from: Option<Duration>,
    /// Trace: trace time where the replay stops creating pods.
    pub to: Option<Duration>,
    /// Trace: most pods created.
    pub limit: Option<u64>,
}

impl RawWorkload {
    /// The optional keys the workload sets, by name, for checking them against its kind.
    pub fn given_keys(&self) -> Vec<&'static str> {
        [
            ("replicas", self.replicas.is_some()),
            ("start", self.start.is_some()),
            ("scale", self.scale.is_some()),
            ("restart", self.restart.is_some()),
            ("static_ip", self.static_ip.is_some()),
            ("arrivals_per_minute", self.arrivals_per_minute.is_some()),
            ("lifetime", self.lifetime.is_some()),
            ("diurnal", self.diurnal.is_some()),
            ("end", self.end.is_some()),
            ("bursts", self.bursts.is_some()),
            ("path", self.path.is_some()),
            ("format", self.format.is_some()),
            ("time_scale", self.time_scale.is_some()),
            ("from", self.from.is_some()),
            ("to", self.to.is_some()),
            ("limit", self.limit.is_some()),
        ]
        .into_iter()
        .filter_map(|(key, given)| given.then_some(key))
        .collect()
    }
}

/// A poisson workload's `diurnal` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDiurnal {
    /// 0 (flat) to 1 (the rate falls to zero at the trough).
    pub amplitude: f64,
    /// Default 24h.
    pub period: Option<Duration>,
    /// When the rate peaks (and again every period after).
    pub peak: Duration,
}

/// One `bursts` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBurst {
    /// When.
    pub at: Duration,
    /// Pods created at once.
    pub count: u32,
}

/// One `scale` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScaleStep {
    /// When.
    pub at: Duration,
    /// New replica count.
    pub replicas: u32,
}

/// `[[events]]`: the union of every action's keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    /// When.
    pub at: Duration,
    /// What happens.
    pub action: String,
    /// Target group (optional for set_warm).
    pub node_group: Option<String>,
    /// add_nodes / delete_nodes.
    pub count: Option<u32>,
    /// set_max_attach.
    pub max_attach: Option<u32>,
    /// set_warm.
    pub min_warm: Option<u32>,
    /// set_warm.
    pub max_warm: Option<u32>,
    /// crash_nodes: default 5m40s.
    pub detection: Option<Duration>,
}

impl RawEvent {
    /// The optional keys the event sets, by name, for checking them against its action.
    pub fn given_keys(&self) -> Vec<&'static str> {
        [
            ("node_group", self.node_group.is_some()),
            ("count", self.count.is_some()),
            ("max_attach", self.max_attach.is_some()),
            ("min_warm", self.min_warm.is_some()),
            ("max_warm", self.max_warm.is_some()),
            ("detection", self.detection.is_some()),
        ]
        .into_iter()
        .filter_map(|(key, given)| given.then_some(key))
        .collect()
    }
}
