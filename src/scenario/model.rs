//! The validated scenario: what the simulator runs. Built from the TOML file by
//! [`crate::scenario::load`]; every value here has passed validation, every reference
//! (subnet zone, node group name, instance type) is resolved.

use crate::cloud::api::{ApiErrorCode, Endpoint};
use crate::cloud::instance::InstanceType;
use crate::engine::SimTime;
use crate::policy::family::PolicySpec;
use crate::policy::pool::{ReleaseCheck, ReleaseMode};
use crate::workload::{BurstConfig, PoissonConfig, TraceConfig};
use ipnet::Ipv4Net;
use serde::Deserialize;

/// A complete, validated scenario. Owned, with no global state, so several can run at once.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Name used for the default output directory and in summary.json.
    pub name: String,
    /// Master seed of every random stream.
    pub seed: u64,
    /// Virtual time the run covers.
    pub duration: SimTime,
    /// Resolution of timeseries.csv.
    pub sample_interval: SimTime,
    /// The allocation policy's settings.
    pub policy: PolicyConfig,
    /// The fake VPC's behaviour.
    pub vpc: VpcConfig,
    /// How the cluster's ENI controller works through its queue (`[controller]`).
    pub controller: crate::controller::ControllerConfig,
    /// Container subnets, in file order (the order breaks ties between subnets).
    pub subnets: Vec<SubnetConfig>,
    /// Node groups, in file order.
    pub node_groups: Vec<NodeGroupConfig>,
    /// Workloads, in file order.
    pub workloads: Vec<WorkloadConfig>,
    /// Scheduled cluster events, in file order (same-time events run in this order).
    pub events: Vec<EventConfig>,
    /// The `[sweep]` table: a tuning study kept with the scenario; runs ignore it.
    pub sweep: Option<crate::sweep::Settings>,
    /// The `--set KEY=VALUE` overrides applied, as given (without `--set`).
    pub overrides: Vec<String>,
    /// The scenario as it runs, as a TOML file (overrides and seed applied): written beside
    /// a run's outputs so the run can be repeated from it alone.
    pub effective: String,
    /// Values TKE would not accept that the run uses anyway, one sentence each, in file
    /// order; the run adds its own and the summary lists them all.
    pub warnings: Vec<String>,
}

/// Which of TKE's exclusive-ENI modes the cluster is in: static IP mode, or a pool of ENIs
/// per node under `policy.mode = "pool"` or any other policy family ([`PolicyConfig::spec`]
/// says which).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyMode {
    /// Non-static IP mode: each node keeps its ENIs as its policy family decides (TKE's
    /// auto-scaling pool of pre-bound ENIs, or another family).
    Pool,
    /// Static IP mode: no pool; an ENI is created for each new pod and deleted (or, for a
    /// static-IP pod, kept for its name) when the pod ends.
    Static,
}

/// `[policy]`.
#[derive(Clone, Debug)]
pub struct PolicyConfig {
    /// Pool or static.
    pub mode: PolicyMode,
    /// The policy family `policy.mode` names, with its settings.
    pub spec: PolicySpec,
    /// Idle ENIs a node keeps bound above its pods (default 1).
    pub min_warm: u32,
    /// Idle ENIs a node may keep before releasing (default 1).
    pub max_warm: u32,
    /// Slow or quick release.
    pub release: ReleaseMode,
    /// Pacing of releases (default 2m).
    pub release_interval: SimTime,
    /// Periodic (default) or sustained release checks.
    pub release_check: ReleaseCheck,
    /// A pod waiting longer than this for its ENI counts as an ENI timeout (default 2m).
    pub eni_timeout: SimTime,
    /// How long a static-IP pod's unbound ENI is kept for its name; `None` = forever
    /// ("never", the default).
    pub static_ip_retention: Option<SimTime>,
    /// How failed VPC calls are retried.
    pub retry: RetryConfig,
    /// How long a subnet that answered `ResourceInsufficient` is left out of new ENIs
    /// (default 5m).
    pub subnet_cooldown: SimTime,
    /// How often the controller lists the VPC's ENIs to find those it lost track of (lost
    /// answers) and delete them (default 1m).
    pub reconcile_interval: SimTime,
    /// Static IP mode: place a pod that needs a new ENI only in a zone whose subnets have an
    /// address for it, as TKE's tke-eni-ip-scheduler does (default true; pool mode runs no
    /// such check).
    pub ip_aware_scheduling: bool,
}

/// `[policy.retry]`: capped exponential backoff between retries of a failed VPC call, computed
/// by [`crate::cloud::retry::backoff`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryConfig {
    /// Delay before the first retry (default 1s, > 0).
    pub base: SimTime,
    /// Longest delay (default 1m, >= base).
    pub cap: SimTime,
    /// Growth factor per retry (default 2, >= 1); an integer so that delays are exact.
    pub multiplier: u32,
    /// Share of each delay drawn at random (default 0: exact delays); 1 is "full jitter",
    /// a delay anywhere from zero to the backoff.
    pub jitter: f64,
}

/// Latency of one fake VPC API.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LatencyModel {
    /// Always the same.
    Fixed(SimTime),
    /// Lognormal with the given median and 99th percentile.
    LogNormal {
        /// Median latency.
        median: SimTime,
        /// 99th percentile latency (at least the median).
        p99: SimTime,
    },
    /// Uniform over whole milliseconds from `min` to `max`, both included.
    Uniform {
        /// Shortest latency.
        min: SimTime,
        /// Longest latency (at least `min`).
        max: SimTime,
    },
}

/// One value per VPC endpoint, keyed like the scenario file. Every per-API setting uses it,
/// so that each accepts the same keys and looks values up the same way; as written in the
/// file it is a `PerApi<Option<T>>`, whose unknown keys are errors listing the valid ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerApi<T> {
    /// CreateNetworkInterface.
    pub create: T,
    /// AttachNetworkInterface.
    pub attach: T,
    /// DetachNetworkInterface.
    pub detach: T,
    /// DeleteNetworkInterface.
    pub delete: T,
    /// DescribeVpcTaskResult.
    pub describe_task: T,
}

impl<T: Copy> PerApi<T> {
    /// `value` for every endpoint.
    pub const fn same(value: T) -> Self {
        PerApi {
            create: value,
            attach: value,
            detach: value,
            delete: value,
            describe_task: value,
        }
    }
}

impl<T> PerApi<T> {
    /// The value for `endpoint`.
    pub fn get(&self, endpoint: Endpoint) -> &T {
        use crate::cloud::api::Api;
        match endpoint {
            Endpoint::Task(Api::Create) => &self.create,
            Endpoint::Task(Api::Attach) => &self.attach,
            Endpoint::Task(Api::Detach) => &self.detach,
            Endpoint::Task(Api::Delete) => &self.delete,
            Endpoint::DescribeTask => &self.describe_task,
        }
    }

    /// The value for `endpoint`, to update it.
    pub fn get_mut(&mut self, endpoint: Endpoint) -> &mut T {
        use crate::cloud::api::Api;
        match endpoint {
            Endpoint::Task(Api::Create) => &mut self.create,
            Endpoint::Task(Api::Attach) => &mut self.attach,
            Endpoint::Task(Api::Detach) => &mut self.detach,
            Endpoint::Task(Api::Delete) => &mut self.delete,
            Endpoint::DescribeTask => &mut self.describe_task,
        }
    }

    /// Each value transformed by `f`, which also sees the endpoint.
    pub fn map<U>(&self, mut f: impl FnMut(Endpoint, &T) -> U) -> PerApi<U> {
        let mut at = |e: Endpoint| f(e, self.get(e));
        let [create, attach, detach, delete, describe_task] = Endpoint::ALL.map(&mut at);
        PerApi {
            create,
            attach,
            detach,
            delete,
            describe_task,
        }
    }
}

/// `[vpc.latency]`: one model per endpoint.
pub type ApiLatencies = PerApi<LatencyModel>;

impl LatencyModel {
    /// The median latency (the middle of a uniform range).
    pub fn median(&self) -> SimTime {
        match *self {
            LatencyModel::Fixed(t) => t,
            LatencyModel::LogNormal { median, .. } => median,
            LatencyModel::Uniform { min, max } => SimTime((min.as_millis() + max.as_millis()) / 2),
        }
    }
}

impl VpcConfig {
    /// The typical time from an ENI's create to its being ready on its node: the median
    /// create and attach latencies, plus one task poll for each (their outcome is learned by
    /// polling). What a policy that plans ahead plans for.
    pub fn eni_ready(&self) -> SimTime {
        let poll = self.task_poll_interval.as_millis();
        SimTime(
            self.latency.create.median().as_millis()
                + self.latency.attach.median().as_millis()
                + 2 * poll,
        )
    }
}

/// `[vpc]`.
#[derive(Clone, Debug)]
pub struct VpcConfig {
    /// Per-endpoint latency models: how long a task runs, or a request takes to answer.
    pub latency: ApiLatencies,
    /// Per-endpoint token-bucket rates, in requests per second (each > 0).
    pub rate_limit: PerApi<u32>,
    /// Injected failures.
    pub faults: FaultConfig,
    /// Windows in which some endpoints refuse every call, in file order.
    pub outages: Vec<Outage>,
    /// Most ENIs that may exist in the VPC at once; `None` = unlimited.
    pub eni_quota: Option<u32>,
    /// How often the caller polls DescribeVpcTaskResult for a task's outcome (default 1s).
    pub task_poll_interval: SimTime,
}

/// One endpoint's injected failure: with `probability`, a call fails with `code`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaultSpec {
    /// Chance that a call fails, in [0, 1].
    pub probability: f64,
    /// The code the failure answers with (default InternalError).
    pub code: ApiErrorCode,
}

impl FaultSpec {
    /// Never fails: the default of every endpoint.
    pub const NONE: FaultSpec = FaultSpec {
        probability: 0.0,
        code: ApiErrorCode::InternalError,
    };
}

/// `[vpc.faults]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaultConfig {
    /// Per-endpoint failure (default: probability 0).
    pub errors: PerApi<FaultSpec>,
    /// Chance, in [0, 1], that a create/attach/detach/delete takes effect but its answer is
    /// lost: the caller sees Timeout (default 0).
    pub timeout: f64,
}

impl FaultConfig {
    /// No injected failures: the default.
    pub const NONE: FaultConfig = FaultConfig {
        errors: PerApi::same(FaultSpec::NONE),
        timeout: 0.0,
    };
}

/// `[[vpc.outages]]`: from `start` (included) to `end` (excluded), calls to `apis` fail with
/// `code` without reaching the cloud.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outage {
    /// First instant of the outage.
    pub start: SimTime,
    /// First instant after it (> start).
    pub end: SimTime,
    /// The endpoints it takes down (default: all of them).
    pub apis: Vec<Endpoint>,
    /// What refused calls answer (default InternalError).
    pub code: ApiErrorCode,
}

/// `[[subnets]]`.
#[derive(Clone, Debug)]
pub struct SubnetConfig {
    /// Subnet id, unique.
    pub id: String,
    /// Availability zone.
    pub zone: String,
    /// Address range.
    pub cidr: Ipv4Net,
    /// Addresses of the range the VPC keeps for itself (default 3).
    pub reserved_ips: u32,
}

/// `[[node_groups]]`.
#[derive(Clone, Debug)]
pub struct NodeGroupConfig {
    /// Group name, unique.
    pub name: String,
    /// Resolved instance type.
    pub instance_type: InstanceType,
    /// Availability zone of every node of the group.
    pub zone: String,
    /// Nodes at the start.
    pub count: u32,
    /// The `direct-eni-max-attach` annotation: lowers the ENIs a node may bind for pods.
    pub max_attach: Option<u32>,
    /// Per-node override of `policy.min_warm`.
    pub min_warm: Option<u32>,
    /// Per-node override of `policy.max_warm`.
    pub max_warm: Option<u32>,
    /// The group's own policy table, if it has one (a canary group).
    pub policy: Option<GroupPolicy>,
}

/// A node group's own policy table: its family, and its min_warm and max_warm (read with
/// the same defaults as `[policy]`'s).
#[derive(Clone, Debug)]
pub struct GroupPolicy {
    /// The family and its settings.
    pub spec: PolicySpec,
    /// The table's `min_warm`.
    pub min_warm: u32,
    /// The table's `max_warm`.
    pub max_warm: u32,
}

impl NodeGroupConfig {
    /// The group's per-node min_warm and max_warm: its own keys, else its policy table's,
    /// else `[policy]`'s.
    pub fn warm(&self, policy: &PolicyConfig) -> (u32, u32) {
        let (min, max) = match &self.policy {
            Some(own) => (own.min_warm, own.max_warm),
            None => (policy.min_warm, policy.max_warm),
        };
        (self.min_warm.unwrap_or(min), self.max_warm.unwrap_or(max))
    }
}

/// `[[workloads]]`.
#[derive(Clone, Debug)]
pub struct WorkloadConfig {
    /// Workload name, unique; pods are named after it.
    pub name: String,
    /// What generates the pods.
    pub kind: WorkloadKind,
}

/// The kinds of workload.
#[derive(Clone, Debug)]
pub enum WorkloadKind {
    /// A Deployment: lost pods are recreated under new names; a restart replaces every pod
    /// with a new one (new name).
    Deployment(ReplicaSpec),
    /// A StatefulSet: pods are `<name>-0 .. <name>-(n-1)` and keep their names when
    /// recreated or restarted; static IP by default in static IP mode.
    StatefulSet(ReplicaSpec),
    /// Pods arriving at random, each living a random time.
    Poisson(PoissonConfig),
    /// Many pods at given instants, each living a random time.
    Burst(BurstConfig),
    /// A replayed trace of pod creations and deletions.
    Trace(TraceConfig),
}

impl WorkloadKind {
    /// The replica controller's settings, for deployments and statefulsets.
    pub fn replicas(&self) -> Option<&ReplicaSpec> {
        match self {
            WorkloadKind::Deployment(s) | WorkloadKind::StatefulSet(s) => Some(s),
            _ => None,
        }
    }
}

/// A replica controller's settings.
#[derive(Clone, Debug)]
pub struct ReplicaSpec {
    /// Replicas from `start`.
    pub replicas: u32,
    /// When the workload is created.
    pub start: SimTime,
    /// Replica changes, sorted by time.
    pub scale: Vec<ScaleStep>,
    /// Rolling restarts, sorted by time.
    pub restart: Vec<SimTime>,
    /// Pods keep their IP across restarts and rescheduling.
    pub static_ip: bool,
}

/// One `scale` entry: at `at`, set the replica count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScaleStep {
    /// When.
    pub at: SimTime,
    /// New replica count.
    pub replicas: u32,
}

/// `[[events]]`.
#[derive(Clone, Debug)]
pub struct EventConfig {
    /// When the event happens.
    pub at: SimTime,
    /// What happens.
    pub action: EventAction,
}

/// What a scheduled event does. Node groups are indices into [`Scenario::node_groups`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventAction {
    /// Add `count` nodes to the group.
    AddNodes {
        /// Node group index.
        group: usize,
        /// Nodes to add.
        count: u32,
    },
    /// Delete `count` nodes of the group (newest first) with their pods and every ENI still
    /// bound to them, static ones included.
    DeleteNodes {
        /// Node group index.
        group: usize,
        /// Nodes to delete.
        count: u32,
    },
    /// Drain `count` nodes of the group (newest first): their pods are terminated first (static
    /// ENIs are detached and kept), then the nodes are deleted with their remaining ENIs.
    DrainNodes {
        /// Node group index.
        group: usize,
        /// Nodes to drain.
        count: u32,
    },
    /// Crash `count` nodes of the group (newest first): every ENI still bound is deleted, static
    /// ones included; Kubernetes notices after `detection` and only then replaces the pods.
    CrashNodes {
        /// Node group index.
        group: usize,
        /// Nodes to crash.
        count: u32,
        /// Time until the pods are declared lost.
        detection: SimTime,
    },
    /// Set the `direct-eni-max-attach` value of every node of the group.
    SetMaxAttach {
        /// Node group index.
        group: usize,
        /// New value.
        max_attach: u32,
    },
    /// Change min/max warm of one group, or of every group when `group` is `None`.
    SetWarm {
        /// Node group index, or all.
        group: Option<usize>,
        /// New min_warm, if given.
        min_warm: Option<u32>,
        /// New max_warm, if given.
        max_warm: Option<u32>,
    },
}
