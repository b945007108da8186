//! Wires the parts together: the world state, the event loop and its dispatch.
//!
//! A run is a library call on an owned [`Scenario`]: no global state, so several runs can go
//! on at once on different threads. Same-time events run in the order they were scheduled;
//! a timeseries sample at time T sees every event at or before T.

mod addresses;
mod calls;
mod checks;
mod enis;
mod finish;
mod group_sums;
mod groups;
mod invariants;
mod ipamd;
mod live_names;
mod nodes;
mod pods;
mod provisioning;
mod sources;
mod tally;
mod tracked;
#[cfg(test)]
mod transitions;

use crate::cloud::api::{ApiErrorCode, Endpoint};
use crate::cloud::eni::{Eni, EniId};
use crate::cloud::quota::Quota;
use crate::cloud::subnet::{Subnet, SubnetId};
use crate::cloud::vpc::VpcApi;
use crate::cluster::controller::ReplicaController;
use crate::cluster::node::Node;
use crate::cluster::pod::{Pod, SchedulingFailure};
use crate::cluster::scheduler::Scheduler;
use crate::engine::prefetch::prefetch;
use crate::engine::{EventQueue, RngStreams, SimTime, Stream};
use crate::error::InputError;
use crate::policy::family::Context;
use crate::policy::AllocationPolicy;
use crate::report::metrics::{GroupMetrics, Metrics};
use crate::report::rows::{GroupRow, SampleRow, Sink, SubnetRow};
use crate::report::summary::Summary;
use crate::scenario::model::{Scenario, WorkloadKind};
use calls::Call;
use checks::Checks;
use sources::SourceState;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use tracked::Tracked;

/// What can happen. Small and `Copy`: ids index the world's vectors. Every variant carries
/// one `u32` at most, so an event is 8 bytes and a queue entry 16.
#[derive(Clone, Copy, Debug)]
enum Event {
    /// The `i`-th `[[events]]` entry.
    Cluster(u32),
    /// A workload is created.
    WorkloadStart(u32),
    /// A workload's scale entry, by its index in [`Simulation::scale_steps`].
    Scale(u32),
    /// A workload's rolling restart begins.
    Restart(u32),
    /// A rolling restart replaces its next pod.
    RollingStep(u32),
    /// Kubernetes notices that a crashed node's pods are gone.
    CrashDetected(u32),
    /// A kept static-IP ENI may have outlived `static_ip_retention`.
    RetentionExpiry(u32),
    /// A source-driven workload's next event comes due.
    Source(u32),
    /// A source-driven pod's lifetime is over.
    PodExpire(u32),
    /// The controller learns a VPC call's result (index into the call table).
    ApiDone(u32),
    /// The controller polls DescribeVpcTaskResult for a call's task.
    Poll(u32),
    /// A failed call is sent again after its backoff.
    Retry(u32),
    /// A node's wake-up: release pacing, or the end of a create backoff.
    NodeWake(u32),
    /// The controller lists the VPC's ENIs to find those it lost track of.
    Reconcile,
    /// A subnet's cooldown after `ResourceInsufficient` ends.
    SubnetCooled(u32),
    /// One of the ENI controller's workers goes on (queue model).
    Work(u32),
    /// A work queue item's requeue delay runs out (queue model; the item's key).
    ItemReady(u32),
}

const _: () = assert!(std::mem::size_of::<Event>() == 8);

impl Event {
    /// Events that bring new work (pods, cluster changes); a draining run skips them.
    fn is_new_work(&self) -> bool {
        matches!(
            self,
            Event::Cluster(_)
                | Event::WorkloadStart(_)
                | Event::Scale(_)
                | Event::Restart(_)
                | Event::RollingStep(_)
                | Event::CrashDetected(_)
                | Event::Source(_)
                | Event::PodExpire(_)
        )
    }

    /// A number per variant and its ids, for the fingerprint; `scale_steps` names a scale
    /// entry's workload and step.
    fn words(self, scale_steps: &[(u32, u32)]) -> [u64; 2] {
        match self {
            Event::Cluster(i) => [1, u64::from(i)],
            Event::WorkloadStart(w) => [2, u64::from(w)],
            Event::Scale(i) => {
                let (workload, step) = scale_steps[i as usize];
                [3, u64::from(workload) << 32 | u64::from(step)]
            }
            Event::ApiDone(c) => [4, u64::from(c)],
            Event::NodeWake(n) => [5, u64::from(n)],
            Event::Restart(w) => [6, u64::from(w)],
            Event::RollingStep(w) => [7, u64::from(w)],
            Event::CrashDetected(n) => [8, u64::from(n)],
            Event::RetentionExpiry(e) => [9, u64::from(e)],
            Event::Source(w) => [10, u64::from(w)],
            Event::PodExpire(p) => [11, u64::from(p)],
            Event::Poll(c) => [12, u64::from(c)],
            Event::Retry(c) => [13, u64::from(c)],
            Event::Reconcile => [14, 0],
            Event::SubnetCooled(s) => [15, u64::from(s)],
            Event::Work(w) => [16, u64::from(w)],
            Event::ItemReady(k) => [17, u64::from(k)],
        }
    }
}

/// Live counts behind timeseries.csv.
#[derive(Clone, Copy, Debug, Default)]
struct Gauges {
    pods_running: u32,
    pods_pending: u32,
    /// Pending pods by the reason they could not be placed (indexed as
    /// [`SchedulingFailure::ALL`]).
    pending_by_reason: [u32; SchedulingFailure::ALL.len()],
    pods_waiting_eni: u32,
    enis_in_flight: u32,
    enis_total: u32,
    enis_retained: u32,
    free_ips: u64,
    /// Per endpoint (as [`Endpoint::ALL`]): calls issued since the previous sample.
    calls_since_sample: [u64; Endpoint::ALL.len()],
    /// Per error code (as [`ApiErrorCode::ALL`]): failed calls since the previous sample.
    errors_since_sample: [u64; ApiErrorCode::ALL.len()],
    /// Pods that got their ENI since the previous sample, and the pool hits among them.
    started_since_sample: u32,
    hits_since_sample: u32,
}

/// The simulated world and its clock.
pub struct Simulation<'a> {
    sc: Scenario,
    queue: EventQueue<Event>,
    zones: Vec<String>,
    subnets: Tracked<Subnet>,
    zone_subnets: Vec<Vec<SubnetId>>,
    vpc: VpcApi,
    enis: Tracked<Eni>,
    /// Ids of ENIs whose create failed (nothing was created), for the next creates.
    unused_eni_ids: Vec<EniId>,
    /// Ids of ENIs deleted, for the next creates after those (so that ENI records follow the
    /// ENIs that exist, not all the run has had).
    deleted_eni_ids: Vec<EniId>,
    /// ENIs numbered so far ([`Eni::number`]).
    eni_numbers: u32,
    quota: Quota,
    /// Draws of retry jitter.
    retry_rng: rand_chacha::ChaCha8Rng,
    /// Per subnet: left out of new ENIs until then (after `ResourceInsufficient`).
    subnet_cooling: Vec<SimTime>,
    calls: Vec<Option<Call>>,
    free_call_slots: Vec<u32>,
    call_seq: u64,
    nodes: Tracked<Node>,
    /// Per group: live nodes, oldest first.
    group_nodes: Vec<Vec<u32>>,
    /// Per group: nodes ever added.
    group_added: Vec<u32>,
    group_warm: Vec<(u32, u32)>,
    pods: Tracked<Pod>,
    /// Records of ended pods that nothing refers to any more, for new pods.
    unused_pod_ids: Vec<u32>,
    /// Pods created so far: the next pod's place in creation order.
    pod_seq: u64,
    /// Per workload: its replica controller (deployments, statefulsets).
    controllers: Vec<Option<ReplicaController>>,
    /// Per workload: its pod source (poisson, burst, trace).
    sources: Vec<Option<SourceState>>,
    /// The scheduled scale entries as (workload, step), which [`Event::Scale`] indexes.
    scale_steps: Vec<(u32, u32)>,
    /// Static-IP pod names (workload, serial) and the ENI kept for each.
    claims: BTreeMap<(u32, u32), EniId>,
    scheduler: Scheduler,
    /// The cluster's policy (`[policy]`), then one per node group with a policy of its own.
    policies: Vec<Box<dyn AllocationPolicy>>,
    /// Per node group: the index of its policy in `policies`.
    group_policy: Vec<usize>,
    /// Per node: when its pending wake-up is due, if it has one.
    node_timers: Vec<Option<SimTime>>,
    /// ENIs whose create's answer was lost, until the reconciler finds them.
    orphans: Vec<EniId>,
    /// True while a reconcile event is scheduled.
    reconcile_due: bool,
    /// Values TKE would not accept, the scenario's then the run's, in the order found.
    warnings: Vec<String>,
    /// The first invariant broken, with the event after which it was found (checked runs).
    first_violation: Option<String>,
    /// A checked run's checks, from its first event on.
    checks: Option<Checks>,
    /// False when the sink discards rows: they are not built at all.
    rows: bool,
    /// Per node group: its live nodes' pods and band summed, kept as they change once a
    /// sample needs them (see `sim/group_sums.rs`).
    group_sums: Option<Vec<group_sums::Share>>,
    starved: Vec<BTreeSet<u32>>,
    /// The ENI controller's queue, workers and limits; `None` under the per-node model.
    ipamd: Option<Box<ipamd::Ipamd>>,
    /// What each ENI on its way to a pod waited for.
    provisioning: provisioning::Provisioning,
    metrics: Metrics,
    gauges: Gauges,
    fingerprint: u64,
    sink: &'a mut dyn Sink,
    /// The bookkeeping bug this run makes on purpose, if any (tests of the swarm only).
    planted: Option<PlantedBug>,
}

/// How a run is carried out, beyond what the scenario says.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// Check the invariants after every event (those on the records it touched, and the
    /// totals; every invariant on every record every so often, see `sim/checks.rs`), and after
    /// `duration` let in-flight work settle (at most [`DRAIN_LIMIT`], no new pods or cluster
    /// events) and check that no orphan or leaked ENI is left. The first violation is reported
    /// with its event, or the window of events a full check found it in.
    pub check: bool,
    /// Where the run publishes the virtual time it has reached, for a progress line drawn by
    /// another thread. Never part of the outputs.
    pub progress: Option<&'static Progress>,
}

/// The virtual time a run has reached, written by the run and read from any thread.
#[derive(Debug, Default)]
pub struct Progress {
    reached_ms: AtomicU64,
}

impl Progress {
    /// Nothing reached yet (usable in a `static`).
    pub const fn new() -> Self {
        Progress {
            reached_ms: AtomicU64::new(0),
        }
    }

    /// The virtual time reached so far.
    pub fn reached(&self) -> SimTime {
        SimTime(self.reached_ms.load(Ordering::Relaxed))
    }

    fn reach(&self, t: SimTime) {
        self.reached_ms.store(t.as_millis(), Ordering::Relaxed);
    }
}

/// Events between two publications of a run's progress: often enough for a line redrawn a
/// few times a second, rare enough to cost nothing.
const PROGRESS_EVERY: u64 = 1 << 12;

/// A bookkeeping bug a run can be told to make, so that a test can show that the generated
/// swarm ([`crate::swarm::generate`]) finds a bug that only an ENI in flight at the wrong
/// moment reveals, which the shipped scenarios never reach. Not for use outside such tests.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlantedBug {
    /// A pod that ends while its kept ENI is still on its way to it (re-attaching) leaves the
    /// ENI in its node's bound count.
    KeptEniStaysBound,
    /// A cluster event (`[[events]]`) panics.
    PanicAtClusterEvent,
    /// A pod leaving its node is not taken off its node group's kept sums (the node-group
    /// rows' pods and band).
    LeavingPodStaysInGroupSums,
}

/// The longest a checked run drains past its duration.
pub const DRAIN_LIMIT: SimTime = SimTime::from_secs(3600);

/// Runs `scenario` to its end, streaming rows into `sink`, and returns the summary. Fails only
/// on bad input found during the run (a trace that changed since it was loaded).
pub fn run(scenario: Scenario, sink: &mut dyn Sink) -> Result<Summary, InputError> {
    run_with(scenario, sink, RunOptions::default())
}

/// As [`run`], with options.
pub fn run_with(
    scenario: Scenario,
    sink: &mut dyn Sink,
    options: RunOptions,
) -> Result<Summary, InputError> {
    run_with_bug(scenario, sink, options, None)
}

/// As [`run_with`], making the `planted` bookkeeping bug on purpose: for tests that show the
/// checks and the generated swarm catch such a bug.
#[doc(hidden)]
pub fn run_with_bug(
    scenario: Scenario,
    sink: &mut dyn Sink,
    options: RunOptions,
    planted: Option<PlantedBug>,
) -> Result<Summary, InputError> {
    let mut sim = Simulation::new(scenario, sink)?;
    sim.planted = planted;
    sim.run(options)
}

/// How many events ahead the event loop starts loading a pod expiry's pod record, and its
/// node and ENI records: far enough for the loads to land before the event runs (an event
/// takes a few hundred ns, a load from memory about a hundred), near enough that the lines
/// are still cached then.
const PREFETCH_POD: usize = 3;
/// See [`PREFETCH_POD`].
const PREFETCH_PLACE: usize = 1;

/// FNV-1a offset basis and prime, folded over 64-bit words.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

impl<'a> Simulation<'a> {
    /// Builds the world at time zero: subnets, zones, the policy and the workload sources.
    pub fn new(sc: Scenario, sink: &'a mut dyn Sink) -> Result<Self, InputError> {
        let mut zones: Vec<String> = Vec::new();
        let mut zone_of = |z: &str| match zones.iter().position(|x| x == z) {
            Some(i) => i,
            None => {
                zones.push(z.to_string());
                zones.len() - 1
            }
        };
        let subnets: Vec<Subnet> = sc
            .subnets
            .iter()
            .map(|s| Subnet::new(s.id.clone(), zone_of(&s.zone), s.cidr, s.reserved_ips))
            .collect();
        for g in &sc.node_groups {
            zone_of(&g.zone);
        }
        let mut zone_subnets = vec![Vec::new(); zones.len()];
        for (i, s) in subnets.iter().enumerate() {
            zone_subnets[s.zone].push(SubnetId(i as u32));
        }
        let zone_has_subnet = zone_subnets.iter().map(|v| !v.is_empty()).collect();
        let streams = RngStreams::new(sc.seed);
        let eni_ready = sc.vpc.eni_ready();
        let mut policies = vec![sc.policy.spec.build(Context {
            rng: streams.stream(Stream::Policy),
            eni_ready,
        })];
        let group_policy = (sc.node_groups.iter().enumerate())
            .map(|(i, g)| match &g.policy {
                Some(own) => {
                    policies.push(own.spec.build(Context {
                        rng: streams.indexed(Stream::GroupPolicies, i),
                        eni_ready,
                    }));
                    policies.len() - 1
                }
                None => 0,
            })
            .collect();
        let gauges = Gauges {
            free_ips: subnets.iter().map(|s| u64::from(s.free_ips())).sum(),
            ..Gauges::default()
        };
        let group_warm = sc.node_groups.iter().map(|g| g.warm(&sc.policy)).collect();
        let sources = sc
            .workloads
            .iter()
            .enumerate()
            .map(|(i, w)| SourceState::open(&w.kind, &streams, i, sc.duration))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Simulation {
            queue: EventQueue::new(),
            starved: vec![BTreeSet::new(); zones.len()],
            zones,
            subnets: Tracked::new(subnets),
            zone_subnets,
            vpc: VpcApi::with_config(&sc.vpc, &streams),
            quota: Quota::new(sc.vpc.eni_quota),
            retry_rng: streams.stream(Stream::Retry),
            subnet_cooling: vec![SimTime::ZERO; sc.subnets.len()],
            enis: Tracked::new(Vec::new()),
            unused_eni_ids: Vec::new(),
            deleted_eni_ids: Vec::new(),
            eni_numbers: 0,
            calls: Vec::new(),
            free_call_slots: Vec::new(),
            call_seq: 0,
            nodes: Tracked::new(Vec::new()),
            group_nodes: vec![Vec::new(); sc.node_groups.len()],
            group_added: vec![0; sc.node_groups.len()],
            group_warm,
            pods: Tracked::new(Vec::new()),
            unused_pod_ids: Vec::new(),
            pod_seq: 0,
            controllers: sc
                .workloads
                .iter()
                .map(|w| {
                    let ordered = matches!(w.kind, WorkloadKind::StatefulSet(_));
                    w.kind.replicas().map(|_| ReplicaController::new(ordered))
                })
                .collect(),
            sources,
            scale_steps: Vec::new(),
            claims: BTreeMap::new(),
            scheduler: Scheduler::new(zone_has_subnet, sc.workloads.len()),
            policies,
            group_policy,
            node_timers: Vec::new(),
            orphans: Vec::new(),
            reconcile_due: false,
            first_violation: None,
            checks: None,
            planted: None,
            warnings: sc.warnings.clone(),
            rows: sink.wants_rows(),
            group_sums: None,
            ipamd: ipamd::Ipamd::for_scenario(&sc, &streams),
            provisioning: provisioning::Provisioning::default(),
            metrics: Metrics {
                groups: vec![GroupMetrics::default(); sc.node_groups.len()],
                ..Metrics::default()
            },
            gauges,
            fingerprint: FNV_OFFSET,
            sink,
            sc,
        })
    }

    fn now(&self) -> SimTime {
        self.queue.now()
    }

    /// Runs every event up to the scenario's duration and returns the summary.
    pub fn run(mut self, options: RunOptions) -> Result<Summary, InputError> {
        self.start()?;
        let end = self.sc.duration;
        let interval = self.sc.sample_interval;
        let mut next_sample = SimTime::ZERO;
        while let Some(t) = self.queue.peek_time() {
            if t > end {
                break;
            }
            while next_sample < t {
                self.sample(next_sample);
                next_sample = next_sample.plus(interval);
            }
            self.step(options)?;
            if let Some(progress) = options.progress {
                if self.metrics.events.is_multiple_of(PROGRESS_EVERY) {
                    progress.reach(t);
                }
            }
        }
        while next_sample <= end {
            self.sample(next_sample);
            next_sample = next_sample.plus(interval);
        }
        if let Some(progress) = options.progress {
            progress.reach(end);
        }
        if options.check {
            self.drain(options)?;
        }
        let last = self.now().max(end);
        Ok(self.finish(last))
    }

    /// Runs the next event, then checks the invariants if asked to.
    fn step(&mut self, options: RunOptions) -> Result<(), InputError> {
        let Some((t, event)) = self.queue.pop() else {
            return Ok(());
        };
        self.metrics.events += 1;
        self.prefetch_ahead();
        self.fold_fingerprint(t, event);
        self.dispatch(event)?;
        if options.check && self.first_violation.is_none() {
            self.check_event(event, t);
        }
        Ok(())
    }

    /// Starts loading what the coming events will read, a pipeline: for a pod expiry, the pod
    /// record [`PREFETCH_POD`] events ahead, then its node and ENI records [`PREFETCH_PLACE`]
    /// ahead (reading the pod record an earlier step fetched); for a VPC call's answer (the
    /// call table is small and cached), its ENI and node records; and the node's entry in the
    /// scheduler's index. Most of a big run's time would be spent waiting on these.
    fn prefetch_ahead(&self) {
        if let Some(&Event::PodExpire(pod)) = self.queue.ahead(PREFETCH_POD) {
            if let Some(p) = self.pods.get(pod as usize) {
                prefetch(p);
            }
        }
        let (node, eni) = match self.queue.ahead(PREFETCH_PLACE) {
            Some(&Event::PodExpire(pod)) => match self.pods.get(pod as usize) {
                Some(p) => (p.node, p.eni),
                None => return,
            },
            Some(&Event::ApiDone(slot)) => match self.calls.get(slot as usize) {
                Some(Some(call)) => (Some(call.node), Some(call.eni)),
                _ => return,
            },
            _ => return,
        };
        if let Some(id) = node {
            if let Some(node) = self.nodes.get(id as usize) {
                prefetch(node);
            }
            self.scheduler.prefetch(id);
        }
        if let Some(eni) = eni.and_then(|e| self.enis.get(e.0 as usize)) {
            prefetch(eni);
        }
    }

    /// Lets the VPC calls, retries and the reconciler settle after the run's duration, with
    /// no new pods or cluster events, then records anything left behind.
    fn drain(&mut self, options: RunOptions) -> Result<(), InputError> {
        let limit = self.sc.duration.plus(DRAIN_LIMIT);
        while let Some(t) = self.queue.peek_time() {
            if t > limit || !self.has_vpc_work() {
                break;
            }
            if self.queue.peek_is(Event::is_new_work) {
                self.queue.pop();
                continue;
            }
            self.step(options)?;
        }
        if self.first_violation.is_none() && !self.orphans.is_empty() {
            self.first_violation = Some(format!(
                "{} orphaned ENIs left after draining {} s past the end",
                self.orphans.len(),
                DRAIN_LIMIT
            ));
        }
        Ok(())
    }

    /// True while a VPC call is in flight, an orphan awaits the reconciler, or the ENI
    /// controller has work queued, in hand or waiting out a delay.
    fn has_vpc_work(&self) -> bool {
        !self.orphans.is_empty()
            || self.calls.iter().any(Option::is_some)
            || self.ipamd.as_ref().is_some_and(|c| c.is_busy())
    }

    /// Nodes present at time zero, and the scheduled workload and cluster events.
    fn start(&mut self) -> Result<(), InputError> {
        for g in 0..self.sc.node_groups.len() {
            for _ in 0..self.sc.node_groups[g].count {
                self.add_node(g);
            }
        }
        for w in 0..self.sc.workloads.len() as u32 {
            self.pull_source(w)?;
        }
        for (w, wl) in self.sc.workloads.iter().enumerate() {
            let Some(spec) = wl.kind.replicas() else {
                continue;
            };
            let workload = w as u32;
            self.queue
                .schedule(spec.start, Event::WorkloadStart(workload));
            for (step, entry) in (0u32..).zip(&spec.scale) {
                let index = self.scale_steps.len() as u32;
                self.scale_steps.push((workload, step));
                self.queue.schedule(entry.at, Event::Scale(index));
            }
            for &at in &spec.restart {
                self.queue.schedule(at, Event::Restart(workload));
            }
        }
        for (i, e) in self.sc.events.iter().enumerate() {
            self.queue.schedule(e.at, Event::Cluster(i as u32));
        }
        Ok(())
    }

    fn dispatch(&mut self, event: Event) -> Result<(), InputError> {
        match event {
            Event::Cluster(_) if self.planted == Some(PlantedBug::PanicAtClusterEvent) => {
                panic!("a planted bug")
            }
            Event::Cluster(i) => self.cluster_event(i as usize),
            Event::WorkloadStart(w) => {
                let replicas = self.sc.workloads[w as usize].kind.replicas();
                self.set_desired(w, replicas.map(|s| s.replicas));
            }
            Event::Scale(i) => {
                let (workload, step) = self.scale_steps[i as usize];
                let kind = &self.sc.workloads[workload as usize].kind;
                let replicas = kind.replicas().map(|s| s.scale[step as usize].replicas);
                self.set_desired(workload, replicas);
            }
            Event::Restart(w) => self.start_rolling(w),
            Event::RollingStep(w) => self.rolling_step(w),
            Event::ApiDone(slot) => self.complete_call(slot),
            Event::Poll(slot) => self.poll(slot),
            Event::Retry(slot) => self.retry(slot),
            Event::Reconcile => self.reconcile_orphans(),
            Event::SubnetCooled(subnet) => self.wake_starved(SubnetId(subnet)),
            Event::NodeWake(node) => self.node_wake(node),
            Event::Work(worker) => self.work(worker),
            Event::ItemReady(key) => self.item_ready(key),
            Event::CrashDetected(node) => self.crash_detected(node),
            Event::RetentionExpiry(eni) => self.retention_expiry(EniId(eni)),
            Event::PodExpire(pod) => self.expire_pod(pod),
            Event::Source(w) => return self.source_event(w),
        }
        Ok(())
    }

    fn fold_fingerprint(&mut self, t: SimTime, event: Event) {
        let [tag, id] = event.words(&self.scale_steps);
        for word in [t.as_millis(), tag, id] {
            self.fingerprint = (self.fingerprint ^ word).wrapping_mul(FNV_PRIME);
        }
    }

    /// Writes the samples at `time`: the timeseries row, then a row per node group and per
    /// subnet. The per-interval counts restart either way; a run without rows builds none.
    fn sample(&mut self, time: SimTime) {
        let g = &mut self.gauges;
        let calls_by_endpoint = std::mem::take(&mut g.calls_since_sample);
        let errors_by_code = std::mem::take(&mut g.errors_since_sample);
        let pods_started = std::mem::take(&mut g.started_since_sample);
        let pool_hits = std::mem::take(&mut g.hits_since_sample);
        if self.checks.is_some() {
            self.check_group_sums(time);
        }
        if !self.rows {
            return;
        }
        let groups = self.group_samples();
        let queue = self.queue_sample(time);
        let g = &self.gauges;
        let mut row = SampleRow {
            time,
            pods_running: g.pods_running,
            pods_pending: g.pods_pending,
            pending_by_reason: g.pending_by_reason,
            pods_waiting_eni: g.pods_waiting_eni,
            enis_bound: self.metrics.bound.value() as u32,
            enis_idle: self.metrics.idle.value() as u32,
            enis_in_flight: g.enis_in_flight,
            enis_total: g.enis_total,
            enis_retained: g.enis_retained,
            subnet_free_ips: g.free_ips,
            api_calls: calls_by_endpoint.iter().sum(),
            calls_by_endpoint,
            errors_by_code,
            pods_started,
            pool_hits,
            queue,
            ..SampleRow::default()
        };
        for group in &groups {
            row.nodes += group.nodes;
            row.band_low += group.band.low;
            row.band_high += group.band.high;
        }
        self.sink.sample(&row);
        for (i, group) in groups.iter().enumerate() {
            let spec = &self.sc.node_groups[i];
            self.sink.node_group(&GroupRow {
                time,
                group: &spec.name,
                zone: &spec.zone,
                nodes: group.nodes,
                pods: group.pods,
                enis_bound: group.bound,
                enis_idle: group.idle,
            });
        }
        for subnet in self.subnets.iter() {
            self.sink.subnet(&SubnetRow {
                time,
                subnet: &subnet.id,
                zone: &self.zones[subnet.zone],
                used_ips: subnet.used_ips(),
                usable_ips: subnet.used_ips() + subnet.free_ips(),
            });
        }
    }
}
