//! One test per cell of the ENI state machine in docs/design.md ("ENI states and events"):
//! each drives a small world until one ENI is in the row's state, applies the column's event,
//! checks the next state and the node's counts, then lets the world settle with every
//! invariant checked after every event and nothing left behind.

use super::{RunOptions, Simulation};
use crate::cloud::api::ApiErrorCode;
use crate::cloud::eni::{EniId, EniState};
use crate::cluster::pod::PodState;
use crate::engine::SimTime;
use crate::report::rows::NullSink;
use crate::scenario::load_str;

const CHECK: RunOptions = RunOptions {
    check: true,
    progress: None,
};

/// Nodes: group `a` is node 0, group `b` node 1, both in zone `z`. Workload 0 is `db`, a
/// statefulset (with `static_ip` as given), at 0 replicas. Events, all after the run so they
/// only happen when a test calls them: 0 delete a, 1 drain a, 2 crash a, 3 set a's max_attach
/// to 0 (new pods go to b), 4 delete b. The per-node executor sends each call as its state
/// is entered, so an ENI in a call's state always has that call in flight; the queue model
/// goes through the same states, its calls waiting for a worker in between.
fn world(mode: &str, static_ip: bool, extra: &str) -> Simulation<'static> {
    let toml = format!(
        r#"
duration = "1h"
[controller]
model = "per_node"
[policy]
mode = "{mode}"
static_ip_retention = "10m"
[vpc.latency]
create = "1s"
attach = "3s"
detach = "3s"
delete = "1s"
{extra}
[[subnets]]
id = "s"
zone = "z"
cidr = "10.0.0.0/24"
[[node_groups]]
name = "a"
instance_type = "S5.LARGE8"
zone = "z"
count = 1
[[node_groups]]
name = "b"
instance_type = "S5.LARGE8"
zone = "z"
count = 1
[[workloads]]
name = "db"
kind = "statefulset"
replicas = 0
static_ip = {static_ip}
[[events]]
at = "10h"
action = "delete_nodes"
node_group = "a"
count = 1
[[events]]
at = "10h"
action = "drain_nodes"
node_group = "a"
count = 1
[[events]]
at = "10h"
action = "crash_nodes"
node_group = "a"
count = 1
detection = "40s"
[[events]]
at = "10h"
action = "set_max_attach"
node_group = "a"
max_attach = 0
[[events]]
at = "10h"
action = "delete_nodes"
node_group = "b"
count = 1
"#
    );
    let sc = load_str(&toml, "t.toml", "t", &[]).unwrap();
    let sink: &'static mut NullSink = Box::leak(Box::new(NullSink));
    let mut sim = Simulation::new(sc, sink).unwrap();
    sim.start().unwrap();
    // The workload's start (at 0 replicas) is behind it when a test scales it.
    while sim.queue.peek_time() == Some(SimTime::ZERO) {
        sim.step(CHECK).unwrap();
    }
    sim
}

const DELETE_A: usize = 0;
const DRAIN_A: usize = 1;
const CRASH_A: usize = 2;
const CLOSE_A: usize = 3;
const DELETE_B: usize = 4;

/// Steps with every check on until `done` holds; fails if the run's hour passes first.
fn until(sim: &mut Simulation, what: &str, done: impl Fn(&Simulation) -> bool) {
    while !done(sim) {
        let next = sim.queue.peek_time();
        assert!(
            next.is_some_and(|t| t < SimTime::from_secs(3600)),
            "never reached: {what}"
        );
        sim.step(CHECK).unwrap();
        books(sim);
    }
}

/// Every invariant holds now.
fn books(sim: &Simulation) {
    let f = sim.check_invariants();
    assert!(f.details.is_empty(), "at {}: {:?}", sim.now(), f.details);
    assert!(sim.first_violation.is_none(), "{:?}", sim.first_violation);
}

/// Runs to the end and drains: every invariant held throughout, nothing is left in flight,
/// orphaned or leaked.
fn settle(mut sim: Simulation) {
    while sim
        .queue
        .peek_time()
        .is_some_and(|t| t <= SimTime::from_secs(3600))
    {
        sim.step(CHECK).unwrap();
    }
    sim.drain(CHECK).unwrap();
    books(&sim);
    assert!(!sim.has_vpc_work(), "VPC work left after the drain");
    assert_eq!(sim.check_invariants().leaked, 0);
}

/// The live incarnation of `db-<serial>`.
fn db(sim: &Simulation, serial: u32) -> Option<u32> {
    sim.pods
        .iter()
        .position(|p| {
            p.workload == 0
                && p.serial == serial
                && matches!(
                    p.state,
                    PodState::Pending | PodState::WaitingEni | PodState::Running
                )
        })
        .map(|p| p as u32)
}

fn running(sim: &Simulation, serial: u32) -> bool {
    db(sim, serial).is_some_and(|p| sim.pods[p as usize].state == PodState::Running)
}

/// The ENI `db-0` holds or awaits.
fn db0_eni(sim: &Simulation) -> EniId {
    db(sim, 0)
        .and_then(|p| sim.pods[p as usize].eni)
        .expect("db-0 has an ENI")
}

fn state(sim: &Simulation, eni: EniId) -> EniState {
    sim.enis[eni.0 as usize].state
}

/// (bound, attached or attaching, idle) of a node.
fn counts(sim: &Simulation, node: usize) -> (u32, u32, usize) {
    let n = &sim.nodes[node];
    (n.bound, n.attached, n.idle.len())
}

fn scale(sim: &mut Simulation, replicas: u32) {
    sim.set_desired(0, Some(replicas));
}

/// Static mode, `db-0` ran on node 0 and its kept ENI is now in `want`, reached by scaling
/// to 0 (the ENI detaches) and, for the attaching states, back to 1.
fn static_kept(want: EniState) -> (Simulation<'static>, EniId) {
    let mut sim = world("static", true, "");
    scale(&mut sim, 1);
    until(&mut sim, "db-0 runs", |s| running(s, 0));
    let eni = db0_eni(&sim);
    if want == EniState::Attached {
        return (sim, eni);
    }
    scale(&mut sim, 0);
    assert_eq!(state(&sim, eni), EniState::Detaching);
    if want == EniState::Detaching {
        return (sim, eni);
    }
    until(&mut sim, "retained", |s| {
        state(s, eni) == EniState::Detached
    });
    if want == EniState::Detached {
        return (sim, eni);
    }
    scale(&mut sim, 1);
    assert_eq!(state(&sim, eni), EniState::Attaching);
    (sim, eni)
}

/// Pool mode (min_warm 1): the first warm ENI of node `node`, once in `want`.
fn pool_warm(node: u32, want: EniState) -> (Simulation<'static>, EniId) {
    let mut sim = world("pool", false, "");
    let first = |s: &Simulation| {
        s.enis
            .iter()
            .position(|e| e.node == node)
            .map(|i| EniId(i as u32))
    };
    until(&mut sim, "a warm ENI in that state", |s| {
        first(s).is_some_and(|e| state(s, e) == want)
    });
    let eni = first(&sim).unwrap();
    (sim, eni)
}

/// The call in flight on `eni`.
fn call_on<'s>(sim: &'s mut Simulation, eni: EniId) -> &'s mut super::calls::Call {
    sim.calls
        .iter_mut()
        .flatten()
        .find(|c| c.eni == eni)
        .expect("a call in flight on the ENI")
}

/// Makes the VPC answer the call in flight on `eni` with an error (the call did nothing).
fn fail_call(sim: &mut Simulation, eni: EniId) {
    call_on(sim, eni).outcome.result = Err(ApiErrorCode::InternalError);
}

/// Makes the retention of the name that keeps `eni` run out now, as if its pod had ended
/// `static_ip_retention` ago (the test world is younger than that).
fn retention_runs_out(sim: &mut Simulation, eni: EniId) {
    let retention = sim.sc.policy.static_ip_retention;
    sim.sc.policy.static_ip_retention = Some(SimTime::ZERO);
    let now = sim.now();
    sim.enis.touch(eni.0 as usize).retained_since.set(now);
    sim.queue
        .schedule(now, super::Event::RetentionExpiry(eni.0));
    until(sim, "the name lets it go", |s| {
        s.enis[eni.0 as usize].claim.is_none()
    });
    sim.sc.policy.static_ip_retention = retention;
}

/// Steps until the call in flight on `eni` was answered (the ENI left `from`, or its call
/// was put back for a retry).
fn answered(sim: &mut Simulation, eni: EniId, from: EniState) {
    let retried = |s: &Simulation| {
        s.calls
            .iter()
            .flatten()
            .any(|c| c.eni == eni && c.attempt > 0)
    };
    until(sim, "the call answered", |s| {
        state(s, eni) != from || retried(s)
    });
}

// --- creating ---------------------------------------------------------------------------

#[test]
fn creating_then_node_deleted_deletes_it_once_created() {
    let (mut sim, eni) = pool_warm(0, EniState::Creating);
    sim.cluster_event(DELETE_A);
    assert_eq!(state(&sim, eni), EniState::Creating);
    answered(&mut sim, eni, EniState::Creating);
    assert_eq!(state(&sim, eni), EniState::Deleting);
    settle(sim);
}

#[test]
fn creating_then_node_crashed_deletes_it_once_created() {
    let (mut sim, eni) = pool_warm(0, EniState::Creating);
    sim.cluster_event(CRASH_A);
    answered(&mut sim, eni, EniState::Creating);
    assert_eq!(state(&sim, eni), EniState::Deleting);
    settle(sim);
}

#[test]
fn creating_then_success_attaches_to_its_node() {
    let (mut sim, eni) = pool_warm(0, EniState::Creating);
    assert_eq!(counts(&sim, 0), (1, 0, 0));
    answered(&mut sim, eni, EniState::Creating);
    assert_eq!(state(&sim, eni), EniState::Attaching);
    assert_eq!(counts(&sim, 0), (1, 1, 0));
    settle(sim);
}

#[test]
fn creating_then_refused_frees_the_count_and_backs_off() {
    // A quota of one ENI: node 1's warm ENI is refused while node 0's exists.
    let mut sim = world("pool", false, "[vpc]\neni_quota = 1");
    until(&mut sim, "a refused create", |s| {
        s.enis.iter().any(|e| e.state == EniState::Failed)
    });
    let failed = sim.enis.iter().position(|e| e.state == EniState::Failed);
    let node = sim.enis[failed.unwrap()].node as usize;
    assert_eq!(counts(&sim, node).0, 0);
    assert!(sim.nodes[node].bind_after > sim.now());
    assert_eq!(sim.unused_eni_ids, vec![EniId(failed.unwrap() as u32)]);
    sim.quota = crate::cloud::quota::Quota::new(None);
    settle(sim);
}

#[test]
fn creating_then_answer_lost_is_an_orphan_the_reconciler_deletes() {
    let (mut sim, eni) = pool_warm(0, EniState::Creating);
    let call = call_on(&mut sim, eni);
    call.outcome.result = Err(ApiErrorCode::Timeout);
    call.outcome.answer_lost = true;
    answered(&mut sim, eni, EniState::Creating);
    assert_eq!(state(&sim, eni), EniState::Detached);
    assert_eq!(sim.orphans, vec![eni]);
    assert_eq!(counts(&sim, 0).0, 0);
    assert!(
        sim.nodes[0].bind_after > sim.now(),
        "binds again after a backoff"
    );
    until(&mut sim, "reconciled", |s| s.orphans.is_empty());
    assert_eq!(state(&sim, eni), EniState::Deleting);
    settle(sim);
}

// --- attaching, for the pool ------------------------------------------------------------

#[test]
fn attaching_for_the_pool_then_node_deleted_comes_off_with_it() {
    let (mut sim, eni) = pool_warm(0, EniState::Attaching);
    sim.cluster_event(DELETE_A);
    let detached = sim.metrics.enis_detached;
    answered(&mut sim, eni, EniState::Attaching);
    assert_eq!(state(&sim, eni), EniState::Deleting);
    assert_eq!(sim.metrics.enis_detached, detached + 1);
    settle(sim);
}

#[test]
fn attaching_for_the_pool_then_node_drained_comes_off_with_it() {
    let (mut sim, eni) = pool_warm(0, EniState::Attaching);
    sim.cluster_event(DRAIN_A);
    answered(&mut sim, eni, EniState::Attaching);
    assert_eq!(state(&sim, eni), EniState::Deleting);
    settle(sim);
}

#[test]
fn attaching_for_the_pool_then_success_joins_the_pool() {
    let (mut sim, eni) = pool_warm(0, EniState::Attaching);
    answered(&mut sim, eni, EniState::Attaching);
    assert_eq!(state(&sim, eni), EniState::Attached);
    assert_eq!(counts(&sim, 0), (1, 1, 1));
    settle(sim);
}

#[test]
fn attaching_for_the_pool_then_failure_is_retried() {
    let (mut sim, eni) = pool_warm(0, EniState::Attaching);
    fail_call(&mut sim, eni);
    answered(&mut sim, eni, EniState::Attaching);
    assert_eq!(state(&sim, eni), EniState::Attaching);
    assert_eq!(counts(&sim, 0), (1, 1, 0));
    settle(sim);
}

#[test]
fn attaching_failed_then_node_deleted_is_deleted_instead_of_retried() {
    let (mut sim, eni) = pool_warm(0, EniState::Attaching);
    fail_call(&mut sim, eni);
    answered(&mut sim, eni, EniState::Attaching);
    sim.cluster_event(DELETE_A);
    until(&mut sim, "the retry's turn", |s| {
        state(s, eni) != EniState::Attaching
    });
    assert_eq!(state(&sim, eni), EniState::Deleting);
    settle(sim);
}

// --- attaching, a kept ENI for its pod ------------------------------------------------------

#[test]
fn attaching_for_its_pod_then_pod_ends_stops_counting_for_the_node() {
    let (mut sim, eni) = static_kept(EniState::Attaching);
    assert_eq!(counts(&sim, 0), (1, 1, 0));
    scale(&mut sim, 0);
    assert_eq!(counts(&sim, 0), (0, 1, 0));
    assert_eq!(sim.enis[eni.0 as usize].pod, None);
    answered(&mut sim, eni, EniState::Attaching);
    assert_eq!(state(&sim, eni), EniState::Detaching, "detached again");
    until(&mut sim, "retained", |s| {
        state(s, eni) == EniState::Detached
    });
    assert!(sim.enis[eni.0 as usize].claim.is_some());
    settle(sim);
}

#[test]
fn attaching_for_its_pod_then_node_deleted_loses_the_name() {
    let (mut sim, eni) = static_kept(EniState::Attaching);
    let lost = sim.metrics.static_lost;
    sim.cluster_event(DELETE_A);
    assert_eq!(sim.metrics.static_lost, lost + 1);
    assert!(sim.claims.is_empty());
    answered(&mut sim, eni, EniState::Attaching);
    assert_eq!(state(&sim, eni), EniState::Deleting);
    settle(sim);
}

#[test]
fn attaching_for_its_pod_then_node_crashed_loses_the_name() {
    let (mut sim, eni) = static_kept(EniState::Attaching);
    sim.cluster_event(CRASH_A);
    assert!(sim.claims.is_empty());
    answered(&mut sim, eni, EniState::Attaching);
    assert_eq!(state(&sim, eni), EniState::Deleting);
    settle(sim);
}

#[test]
fn attaching_for_its_pod_then_node_drained_keeps_the_name_and_follows_the_pod() {
    let (mut sim, eni) = static_kept(EniState::Attaching);
    sim.cluster_event(DRAIN_A);
    // The controller recreates db-0 at once, on node 1: it waits for its ENI there.
    let pod = db(&sim, 0).expect("recreated");
    assert_eq!(sim.pods[pod as usize].node, Some(1));
    assert_eq!(counts(&sim, 1), (1, 0, 0));
    until(&mut sim, "moved", |s| s.enis[eni.0 as usize].node == 1);
    // The instance went with the drain: the ENI came off it and now attaches to node 1.
    assert_eq!(state(&sim, eni), EniState::Attaching);
    assert_eq!(counts(&sim, 1), (1, 1, 0));
    until(&mut sim, "db-0 runs", |s| running(s, 0));
    assert_eq!(db0_eni(&sim), eni, "same ENI, same address");
    settle(sim);
}

#[test]
fn attaching_for_its_pod_then_success_starts_the_pod() {
    let (mut sim, eni) = static_kept(EniState::Attaching);
    answered(&mut sim, eni, EniState::Attaching);
    assert_eq!(state(&sim, eni), EniState::Attached);
    assert!(running(&sim, 0));
    assert_eq!(counts(&sim, 0), (1, 1, 0));
    settle(sim);
}

#[test]
fn attaching_for_its_pod_then_failure_is_retried() {
    let (mut sim, eni) = static_kept(EniState::Attaching);
    fail_call(&mut sim, eni);
    answered(&mut sim, eni, EniState::Attaching);
    assert_eq!(state(&sim, eni), EniState::Attaching);
    until(&mut sim, "db-0 runs", |s| running(s, 0));
    settle(sim);
}

#[test]
fn attaching_for_its_pod_then_retention_expiry_is_stale() {
    let (mut sim, eni) = static_kept(EniState::Attaching);
    let now = sim.now();
    sim.enis.touch(eni.0 as usize).retained_since.set(now);
    sim.queue
        .schedule(now, super::Event::RetentionExpiry(eni.0));
    sim.step(CHECK).unwrap();
    sim.enis.touch(eni.0 as usize).retained_since.clear();
    assert_eq!(state(&sim, eni), EniState::Attaching);
    assert!(sim.enis[eni.0 as usize].claim.is_some());
    settle(sim);
}

// --- attaching, its pod gone (kept for its name) -------------------------------------------

/// A kept ENI attaching to node 0 whose pod has just ended.
fn attaching_left() -> (Simulation<'static>, EniId) {
    let (mut sim, eni) = static_kept(EniState::Attaching);
    scale(&mut sim, 0);
    (sim, eni)
}

#[test]
fn attaching_left_then_name_placed_on_the_same_node_counts_once() {
    let (mut sim, eni) = attaching_left();
    scale(&mut sim, 1);
    assert_eq!(counts(&sim, 0), (1, 1, 0), "bound once, attaching once");
    answered(&mut sim, eni, EniState::Attaching);
    assert!(running(&sim, 0));
    settle(sim);
}

#[test]
fn attaching_left_then_name_placed_on_another_node_follows_it() {
    let (mut sim, eni) = attaching_left();
    sim.cluster_event(CLOSE_A);
    scale(&mut sim, 1);
    let pod = db(&sim, 0).unwrap();
    assert_eq!(sim.pods[pod as usize].node, Some(1));
    assert_eq!(counts(&sim, 0), (0, 1, 0), "still attaching to node 0");
    assert_eq!(counts(&sim, 1), (1, 0, 0), "bound for node 1's pod");
    answered(&mut sim, eni, EniState::Attaching);
    assert_eq!(state(&sim, eni), EniState::Detaching);
    assert_eq!(counts(&sim, 0), (0, 0, 0));
    until(&mut sim, "db-0 runs", |s| running(s, 0));
    assert_eq!(db0_eni(&sim), eni);
    assert_eq!(sim.enis[eni.0 as usize].node, 1);
    settle(sim);
}

#[test]
fn attaching_left_then_node_deleted_is_retained_once_off() {
    let (mut sim, eni) = attaching_left();
    sim.cluster_event(DELETE_A);
    answered(&mut sim, eni, EniState::Attaching);
    assert_eq!(state(&sim, eni), EniState::Detached);
    assert!(sim.enis[eni.0 as usize].claim.is_some());
    settle(sim);
}

#[test]
fn attaching_left_then_success_detaches_it_for_its_name() {
    let (mut sim, eni) = attaching_left();
    answered(&mut sim, eni, EniState::Attaching);
    assert_eq!(state(&sim, eni), EniState::Detaching);
    assert_eq!(counts(&sim, 0), (0, 0, 0));
    settle(sim);
}

#[test]
fn attaching_left_then_retention_runs_out_is_deleted_once_off() {
    let (mut sim, eni) = attaching_left();
    retention_runs_out(&mut sim, eni);
    assert!(sim.claims.is_empty());
    assert_eq!(state(&sim, eni), EniState::Attaching);
    assert_eq!(counts(&sim, 0), (0, 1, 0), "no node counts it as bound");
    answered(&mut sim, eni, EniState::Attaching);
    assert_eq!(state(&sim, eni), EniState::Detaching, "not into the pool");
    assert_eq!(counts(&sim, 0), (0, 0, 0));
    answered(&mut sim, eni, EniState::Detaching);
    assert_eq!(state(&sim, eni), EniState::Deleting);
    assert_eq!(sim.metrics.static_expired, 1);
    settle(sim);
}

// --- attached, idle in the pool -----------------------------------------------------------

#[test]
fn idle_then_node_deleted_is_deleted() {
    let (mut sim, eni) = pool_warm(0, EniState::Attached);
    sim.cluster_event(DELETE_A);
    assert_eq!(state(&sim, eni), EniState::Deleting);
    assert_eq!(counts(&sim, 0), (0, 0, 0));
    settle(sim);
}

#[test]
fn idle_then_node_crashed_is_deleted() {
    let (mut sim, eni) = pool_warm(0, EniState::Attached);
    sim.cluster_event(CRASH_A);
    assert_eq!(state(&sim, eni), EniState::Deleting);
    settle(sim);
}

#[test]
fn idle_then_a_pod_takes_it() {
    let (mut sim, eni) = pool_warm(1, EniState::Attached);
    sim.cluster_event(CLOSE_A);
    // Node 0 is closed to new pods; db-0 goes to node 1 and takes its idle ENI at once.
    scale(&mut sim, 1);
    assert!(running(&sim, 0));
    assert_eq!(db0_eni(&sim), eni);
    assert_eq!(
        counts(&sim, 1),
        (2, 1, 0),
        "one more being bound for min_warm"
    );
    settle(sim);
}

#[test]
fn idle_then_released_detaches_it() {
    let (mut sim, eni) = pool_warm(0, EniState::Attached);
    sim.cluster_event(CLOSE_A);
    // M is now 0: the surplus idle ENI is released at once.
    assert_eq!(state(&sim, eni), EniState::Detaching);
    assert_eq!(counts(&sim, 0), (0, 0, 0));
    settle(sim);
}

// --- attached, in use by its pod ----------------------------------------------------------

#[test]
fn in_use_in_pool_mode_then_pod_ends_goes_back_to_the_pool() {
    let mut sim = world("pool", false, "");
    until(&mut sim, "warm", |s| counts(s, 0) == (1, 1, 1));
    scale(&mut sim, 1);
    let eni = db0_eni(&sim);
    scale(&mut sim, 0);
    assert_eq!(state(&sim, eni), EniState::Attached);
    assert!(sim.nodes[0].idle.contains(&eni));
    settle(sim);
}

#[test]
fn in_use_kept_then_pod_ends_is_detached_for_its_name() {
    let (mut sim, eni) = static_kept(EniState::Attached);
    scale(&mut sim, 0);
    assert_eq!(state(&sim, eni), EniState::Detaching);
    assert_eq!(counts(&sim, 0), (0, 0, 0));
    until(&mut sim, "retained", |s| {
        state(s, eni) == EniState::Detached
    });
    assert_eq!(sim.gauges.enis_retained, 1);
    settle(sim);
}

#[test]
fn in_use_without_static_ip_in_static_mode_then_pod_ends_is_released() {
    let mut sim = world("static", false, "");
    scale(&mut sim, 1);
    until(&mut sim, "db-0 runs", |s| running(s, 0));
    let eni = db0_eni(&sim);
    scale(&mut sim, 0);
    assert_eq!(state(&sim, eni), EniState::Detaching);
    assert!(sim.enis[eni.0 as usize].released_at.is_some());
    until(&mut sim, "deleting", |s| {
        state(s, eni) == EniState::Deleting
    });
    settle(sim);
}

#[test]
fn in_use_then_node_deleted_loses_the_name_and_is_deleted() {
    let (mut sim, eni) = static_kept(EniState::Attached);
    sim.cluster_event(DELETE_A);
    assert_eq!(state(&sim, eni), EniState::Deleting);
    assert!(sim.claims.is_empty());
    settle(sim);
}

#[test]
fn in_use_then_node_drained_keeps_it_for_the_name() {
    let (mut sim, eni) = static_kept(EniState::Attached);
    sim.cluster_event(DRAIN_A);
    assert_eq!(state(&sim, eni), EniState::Detaching);
    assert_eq!(counts(&sim, 1), (1, 0, 0), "db-0 waits for it on node 1");
    until(&mut sim, "db-0 runs", |s| running(s, 0));
    assert_eq!(db0_eni(&sim), eni);
    settle(sim);
}

// --- detaching ----------------------------------------------------------------------------

#[test]
fn detaching_kept_then_name_placed_waits_for_the_detach() {
    let (mut sim, eni) = static_kept(EniState::Detaching);
    sim.cluster_event(CLOSE_A);
    scale(&mut sim, 1);
    assert_eq!(counts(&sim, 1), (1, 0, 0));
    assert_eq!(
        sim.enis[eni.0 as usize].node, 0,
        "still detaching from node 0"
    );
    answered(&mut sim, eni, EniState::Detaching);
    assert_eq!(state(&sim, eni), EniState::Attaching);
    assert_eq!(counts(&sim, 1), (1, 1, 0));
    settle(sim);
}

#[test]
fn detaching_kept_then_success_is_retained() {
    let (mut sim, eni) = static_kept(EniState::Detaching);
    answered(&mut sim, eni, EniState::Detaching);
    assert_eq!(state(&sim, eni), EniState::Detached);
    assert_eq!(sim.gauges.enis_retained, 1);
    settle(sim);
}

#[test]
fn detaching_kept_then_retention_runs_out_is_deleted_once_off() {
    let (mut sim, eni) = static_kept(EniState::Detaching);
    retention_runs_out(&mut sim, eni);
    assert!(sim.claims.is_empty());
    assert_eq!(state(&sim, eni), EniState::Detaching);
    answered(&mut sim, eni, EniState::Detaching);
    assert_eq!(state(&sim, eni), EniState::Deleting);
    assert_eq!(sim.gauges.enis_retained, 0);
    settle(sim);
}

#[test]
fn detaching_released_then_success_is_deleted() {
    let (mut sim, eni) = pool_warm(0, EniState::Attached);
    sim.cluster_event(CLOSE_A);
    answered(&mut sim, eni, EniState::Detaching);
    assert_eq!(state(&sim, eni), EniState::Deleting);
    settle(sim);
}

#[test]
fn detaching_then_failure_is_retried() {
    let (mut sim, eni) = static_kept(EniState::Detaching);
    fail_call(&mut sim, eni);
    answered(&mut sim, eni, EniState::Detaching);
    assert_eq!(state(&sim, eni), EniState::Detaching);
    until(&mut sim, "retained", |s| {
        state(s, eni) == EniState::Detached
    });
    settle(sim);
}

#[test]
fn detaching_then_node_deleted_goes_on() {
    let (mut sim, eni) = static_kept(EniState::Detaching);
    sim.cluster_event(DELETE_A);
    assert_eq!(state(&sim, eni), EniState::Detaching);
    answered(&mut sim, eni, EniState::Detaching);
    assert_eq!(
        state(&sim, eni),
        EniState::Detached,
        "still kept for its name"
    );
    settle(sim);
}

// --- detaching, its name's new pod waiting -------------------------------------------------

/// A kept ENI detaching from node 0 while db-0's next incarnation waits on node 1.
fn detaching_for_pod() -> (Simulation<'static>, EniId) {
    let (mut sim, eni) = static_kept(EniState::Detaching);
    sim.cluster_event(CLOSE_A);
    scale(&mut sim, 1);
    (sim, eni)
}

#[test]
fn detaching_for_its_pod_then_pod_ends_is_retained() {
    let (mut sim, eni) = detaching_for_pod();
    scale(&mut sim, 0);
    assert_eq!(counts(&sim, 1), (0, 0, 0));
    answered(&mut sim, eni, EniState::Detaching);
    assert_eq!(state(&sim, eni), EniState::Detached);
    settle(sim);
}

#[test]
fn detaching_for_its_pod_then_its_node_deleted_loses_the_name() {
    let (mut sim, eni) = detaching_for_pod();
    sim.cluster_event(DELETE_B);
    assert!(sim.claims.is_empty());
    answered(&mut sim, eni, EniState::Detaching);
    assert_eq!(state(&sim, eni), EniState::Deleting);
    settle(sim);
}

#[test]
fn detaching_for_its_pod_then_success_attaches_it_there() {
    let (mut sim, eni) = detaching_for_pod();
    answered(&mut sim, eni, EniState::Detaching);
    assert_eq!(state(&sim, eni), EniState::Attaching);
    assert_eq!(sim.enis[eni.0 as usize].node, 1);
    until(&mut sim, "db-0 runs", |s| running(s, 0));
    settle(sim);
}

// --- retained, orphan, deleting -------------------------------------------------------------

#[test]
fn retained_then_name_placed_attaches_it() {
    let (mut sim, eni) = static_kept(EniState::Detached);
    assert_eq!(sim.gauges.enis_retained, 1);
    scale(&mut sim, 1);
    assert_eq!(state(&sim, eni), EniState::Attaching);
    assert_eq!(sim.gauges.enis_retained, 0);
    assert_eq!(counts(&sim, 0), (1, 1, 0));
    settle(sim);
}

#[test]
fn retained_then_retention_runs_out_is_deleted() {
    let (mut sim, eni) = static_kept(EniState::Detached);
    until(&mut sim, "expired", |s| state(s, eni) != EniState::Detached);
    assert_eq!(state(&sim, eni), EniState::Deleting);
    assert!(sim.claims.is_empty());
    assert_eq!(sim.metrics.static_expired, 1);
    settle(sim);
}

#[test]
fn retained_then_node_deleted_stays_kept() {
    let (mut sim, eni) = static_kept(EniState::Detached);
    sim.cluster_event(DELETE_A);
    assert_eq!(state(&sim, eni), EniState::Detached);
    assert!(sim.enis[eni.0 as usize].claim.is_some());
    settle(sim);
}

#[test]
fn deleting_then_success_frees_its_address() {
    let (mut sim, eni) = static_kept(EniState::Detached);
    until(&mut sim, "expired", |s| state(s, eni) == EniState::Deleting);
    let free = sim.gauges.free_ips;
    answered(&mut sim, eni, EniState::Deleting);
    assert_eq!(state(&sim, eni), EniState::Deleted);
    assert_eq!(sim.gauges.free_ips, free + 1);
    settle(sim);
}

#[test]
fn deleting_then_failure_is_retried() {
    let (mut sim, eni) = static_kept(EniState::Detached);
    until(&mut sim, "expired", |s| state(s, eni) == EniState::Deleting);
    fail_call(&mut sim, eni);
    answered(&mut sim, eni, EniState::Deleting);
    assert_eq!(state(&sim, eni), EniState::Deleting);
    until(&mut sim, "deleted", |s| state(s, eni) == EniState::Deleted);
    settle(sim);
}
