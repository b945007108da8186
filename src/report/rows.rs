//! The row streams a run produces, and the sink that receives them. Rows are streamed as
//! the run goes rather than buffered whole; a sweep uses [`NullSink`] to skip them.

use super::stats::Samples;
use crate::cloud::api::{ApiErrorCode, Endpoint};
use crate::cluster::pod::SchedulingFailure;
use crate::engine::SimTime;
use std::net::Ipv4Addr;

/// One pod incarnation (a row of pods.csv), as the simulator hands it over.
pub type PodRow<'a> = PodRowOf<&'a str>;

/// A pod row with its text as `S`: borrowed (`&str`, a [`PodRow`]) or spans of a
/// [`crate::report::relay`] batch.
pub struct PodRowOf<S> {
    /// The pod's name when its trace gives one; otherwise it is `<workload>-<serial>`.
    pub name: Option<S>,
    /// Workload name.
    pub workload: S,
    /// Serial within the workload.
    pub serial: u32,
    /// Node name, if placed.
    pub node: Option<(S, u32)>,
    /// Zone, if placed.
    pub zone: Option<S>,
    /// ENI address, if it got one.
    pub ip: Option<Ipv4Addr>,
    /// Lifecycle times.
    pub created: SimTime,
    /// When placed.
    pub scheduled: Option<SimTime>,
    /// When its ENI was ready.
    pub ready: Option<SimTime>,
    /// When deleted.
    pub deleted: Option<SimTime>,
    /// Took an idle pooled ENI.
    pub from_pool: bool,
    /// Scheduling failure reason.
    pub failure: Option<&'static str>,
    /// Why it ended (empty while alive at the end of the run).
    pub end: Option<&'static str>,
}

/// One ENI lifecycle (a row of enis.csv), as the simulator hands it over.
pub type EniRow<'a> = EniRowOf<&'a str>;

/// An ENI row with its text as `S` (see [`PodRowOf`]).
pub struct EniRowOf<S> {
    /// The ENI's number, in creation order.
    pub eni: u32,
    /// Subnet id.
    pub subnet: S,
    /// Its address (none if its create failed).
    pub ip: Option<Ipv4Addr>,
    /// The node it was created for: group name and ordinal.
    pub node: (S, u32),
    /// When creation was requested.
    pub created: SimTime,
    /// When first attached.
    pub attached: Option<SimTime>,
    /// When released.
    pub released: Option<SimTime>,
    /// When deleted.
    pub deleted: Option<SimTime>,
    /// Pods it served.
    pub pods_served: u32,
    /// State at the time of the row.
    pub state: &'static str,
}

/// One VPC API call (a row of api_calls.csv), as the simulator hands it over.
pub type ApiCallRow<'a> = ApiCallRowOf<&'a str>;

/// An API call row with its text as `S` (see [`PodRowOf`]).
pub struct ApiCallRowOf<S> {
    /// When issued.
    pub issued: SimTime,
    /// API name.
    pub api: &'static str,
    /// Node the call was for.
    pub node: (S, u32),
    /// ENI it was about.
    pub eni: u32,
    /// Time to completion (or to the end of the run while in flight).
    pub latency: SimTime,
    /// "ok", an error code, or "in_flight".
    pub result: &'static str,
}

/// One timeseries sample (a row of timeseries.csv).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SampleRow {
    /// Sample time.
    pub time: SimTime,
    /// Pods with their ENI.
    pub pods_running: u32,
    /// Pods not yet placed.
    pub pods_pending: u32,
    /// Pods placed and waiting for their ENI.
    pub pods_waiting_eni: u32,
    /// ENIs bound to nodes for pods (the policy's B, summed).
    pub enis_bound: u32,
    /// Attached ENIs no pod uses.
    pub enis_idle: u32,
    /// ENIs with an API call in flight.
    pub enis_in_flight: u32,
    /// ENIs that exist in the VPC.
    pub enis_total: u32,
    /// Static-IP ENIs kept unattached for their pod's name.
    pub enis_retained: u32,
    /// Free addresses over all subnets.
    pub subnet_free_ips: u64,
    /// API calls issued since the previous sample.
    pub api_calls: u64,
    /// Pods not yet placed, by the reason they could not be (as [`SchedulingFailure::ALL`]
    /// lists them).
    pub pending_by_reason: [u32; SchedulingFailure::ALL.len()],
    /// Live nodes.
    pub nodes: u32,
    /// The policy's band summed over live nodes: the B below which it binds ENIs (pool
    /// mode: min(P + min_warm, M) per node).
    pub band_low: u32,
    /// The B above which it releases ENIs (pool mode: min(P + max_warm, M) per node).
    pub band_high: u32,
    /// Pods that got their ENI since the previous sample.
    pub pods_started: u32,
    /// Of those, pods that found an idle ENI waiting (pool hits).
    pub pool_hits: u32,
    /// API calls issued since the previous sample, per endpoint (as [`Endpoint::ALL`]);
    /// they add up to `api_calls`.
    pub calls_by_endpoint: [u64; Endpoint::ALL.len()],
    /// Calls that failed since the previous sample, per error code (as
    /// [`ApiErrorCode::ALL`]); `RequestLimitExceeded` counts the throttled calls.
    pub errors_by_code: [u64; ApiErrorCode::ALL.len()],
    /// The ENI controller's work queue, when the queue model runs.
    pub queue: Option<QueueSample>,
}

/// The ENI controller's work queue at a sample.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueSample {
    /// Items waiting for a worker.
    pub depth: u32,
    /// How long the longest-waiting of them has waited (zero when none waits).
    pub oldest_wait: SimTime,
    /// Items waiting out a requeue delay after a failure.
    pub backoff: u32,
    /// Workers processing an item.
    pub workers_busy: u32,
}

/// One node group at a sample time (a row of node_groups.csv), written right after the
/// timeseries sample of that time.
pub type GroupRow<'a> = GroupRowOf<&'a str>;

/// A node group row with its text as `S` (see [`PodRowOf`]).
pub struct GroupRowOf<S> {
    /// Sample time.
    pub time: SimTime,
    /// The node group's name.
    pub group: S,
    /// Its zone.
    pub zone: S,
    /// Its live nodes.
    pub nodes: u32,
    /// Pods on its nodes that hold or await an ENI (P, summed).
    pub pods: u32,
    /// ENIs bound to its nodes for pods (B, summed).
    pub enis_bound: u32,
    /// Attached ENIs on its nodes that no pod uses.
    pub enis_idle: u32,
}

/// One subnet at a sample time (a row of subnets.csv), written right after the timeseries
/// sample of that time.
pub type SubnetRow<'a> = SubnetRowOf<&'a str>;

/// A subnet row with its text as `S` (see [`PodRowOf`]).
pub struct SubnetRowOf<S> {
    /// Sample time.
    pub time: SimTime,
    /// The subnet's id.
    pub subnet: S,
    /// Its zone.
    pub zone: S,
    /// Addresses held by ENIs.
    pub used_ips: u32,
    /// Addresses ENIs can hold at all (its size less the reserved ones).
    pub usable_ips: u32,
}

/// A run's distributions, handed to the sink once at the end: what the charts draw that
/// no row stream holds.
pub struct Distributions<'a> {
    /// Start-up latencies (ms) of pods that found an idle ENI waiting.
    pub startup_hit_ms: &'a Samples,
    /// Start-up latencies (ms) of the other pods.
    pub startup_miss_ms: &'a Samples,
    /// Surplus -> release delays (ms).
    pub release_delay_ms: &'a Samples,
}

/// Receives rows as the run produces them.
pub trait Sink {
    /// A pod incarnation ended, or the run ended with it alive.
    fn pod(&mut self, row: &PodRow);
    /// An ENI was deleted, or the run ended with it alive.
    fn eni(&mut self, row: &EniRow);
    /// An API call completed, or the run ended with it in flight.
    fn api_call(&mut self, row: &ApiCallRow);
    /// A timeseries sample.
    fn sample(&mut self, row: &SampleRow);
    /// A node group's sample (after the timeseries sample of its time).
    fn node_group(&mut self, _row: &GroupRow) {}
    /// A subnet's sample (after the timeseries sample of its time).
    fn subnet(&mut self, _row: &SubnetRow) {}
    /// The run's distributions, once, after every other row.
    fn distributions(&mut self, _d: &Distributions) {}
    /// False if the sink discards every row, so the simulator need not build them.
    fn wants_rows(&self) -> bool {
        true
    }
}

/// Discards every row, for runs that only need the summary.
pub struct NullSink;

impl Sink for NullSink {
    fn wants_rows(&self) -> bool {
        false
    }

    fn pod(&mut self, _: &PodRow) {}
    fn eni(&mut self, _: &EniRow) {}
    fn api_call(&mut self, _: &ApiCallRow) {}
    fn sample(&mut self, _: &SampleRow) {}
}
