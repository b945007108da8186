//! What the world's records say its counters should be: per node, per subnet and overall,
//! counted from the ENIs, pods, nodes and subnets themselves. Counted whole for a full check;
//! kept up to date one record at a time in a checked run, so that after an event only the
//! records it touched are counted again.

use super::Simulation;
use crate::cloud::eni::{EniId, EniState};
use crate::cluster::pod::{PodState, SchedulingFailure};

/// How a node's `attached` and `unaddressed` counts see an ENI that is on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OnNode {
    /// Being created for it, without an address yet.
    Unaddressed,
    Attaching,
    Attached,
}

/// What one ENI adds to the tally, and the records whose checks it bears on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct EniMark {
    /// The node whose bound count includes it.
    pub bound_for: Option<u32>,
    /// The node it is on, and how that node counts it.
    pub node: Option<u32>,
    on_node: Option<OnNode>,
    /// The subnet it holds an address of, while it exists.
    pub subnet: Option<u32>,
    in_flight: bool,
    retained: bool,
    /// The pod it names and the static-IP name that keeps it.
    pub pod: Option<u32>,
    pub claim: Option<(u32, u32)>,
}

/// What one pod adds to the tally.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct PodMark {
    /// Pending, waiting for its ENI or running: its place in [`Tally::pods`].
    state: Option<usize>,
    /// Pending, with the reason it could not be placed.
    reason: Option<usize>,
    /// The node it is placed on and the ENI it holds.
    pub node: Option<u32>,
    pub eni: Option<u32>,
}

/// What one node adds to the overall bound and idle counts (live nodes only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct NodeMark {
    alive: bool,
    bound: u32,
    idle: u32,
}

/// Counts of the world's records, comparable to the counters the simulation keeps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Tally {
    /// Per node: ENIs its bound count should include.
    pub bound: Vec<u32>,
    /// Per node: ENIs attaching to it, attached to it, created for it without an address.
    pub attaching: Vec<u32>,
    pub attached: Vec<u32>,
    pub unaddressed: Vec<u32>,
    /// Per subnet: ENIs that exist in it.
    pub used: Vec<u32>,
    /// ENIs that exist: all, in flight, detached and kept for a name.
    pub total: u32,
    pub in_flight: u32,
    pub retained: u32,
    /// Pods pending, waiting for their ENI, running.
    pub pods: [u32; 3],
    /// Pending pods by the reason they could not be placed.
    pub pending_by_reason: [u32; SchedulingFailure::ALL.len()],
    /// Over live nodes: their bound and idle counts; over subnets: their free addresses.
    pub node_bound: u64,
    pub node_idle: u64,
    pub free_ips: u64,
    enis: Vec<EniMark>,
    pod_marks: Vec<PodMark>,
    nodes: Vec<NodeMark>,
    subnets: Vec<u32>,
}

/// Adds `delta` (+1 or -1) to a count.
fn bump(count: &mut u32, delta: i32) {
    *count = count.wrapping_add_signed(delta);
}

impl Tally {
    /// Counts every record of the world.
    pub(super) fn of(sim: &Simulation) -> Tally {
        let mut t = Tally::default();
        for i in 0..sim.nodes.len() {
            t.node(sim, i);
        }
        for i in 0..sim.subnets.len() {
            t.subnet(sim, i);
        }
        for i in 0..sim.pods.len() {
            t.pod(sim, i);
        }
        for i in 0..sim.enis.len() {
            t.eni(sim, i);
        }
        t
    }

    /// Counts ENI `i` again; returns what it added before and what it adds now.
    pub(super) fn eni(&mut self, sim: &Simulation, i: usize) -> (EniMark, EniMark) {
        self.fit(sim);
        let new = mark_eni(sim, i);
        if i >= self.enis.len() {
            self.enis.resize(i + 1, EniMark::default());
        }
        let old = std::mem::replace(&mut self.enis[i], new);
        if old != new {
            self.add_eni(&old, -1);
            self.add_eni(&new, 1);
        }
        (old, new)
    }

    /// Counts pod `i` again; returns what it added before and what it adds now.
    pub(super) fn pod(&mut self, sim: &Simulation, i: usize) -> (PodMark, PodMark) {
        let p = &sim.pods[i];
        let state = match p.state {
            PodState::Pending => Some(0),
            PodState::WaitingEni => Some(1),
            PodState::Running => Some(2),
            PodState::Lost | PodState::Terminated => None,
        };
        let new = PodMark {
            state,
            reason: p
                .failure
                .filter(|_| p.state == PodState::Pending)
                .map(SchedulingFailure::index),
            node: p.node,
            eni: p.eni.map(|e| e.0),
        };
        if i >= self.pod_marks.len() {
            self.pod_marks.resize(i + 1, PodMark::default());
        }
        let old = std::mem::replace(&mut self.pod_marks[i], new);
        for (m, delta) in [(old, -1), (new, 1)] {
            if let Some(s) = m.state {
                bump(&mut self.pods[s], delta);
            }
            if let Some(r) = m.reason {
                bump(&mut self.pending_by_reason[r], delta);
            }
        }
        (old, new)
    }

    /// Counts node `i`'s own bound and idle counts again.
    pub(super) fn node(&mut self, sim: &Simulation, i: usize) {
        self.fit(sim);
        let n = &sim.nodes[i];
        let new = NodeMark {
            alive: n.alive,
            bound: n.bound,
            idle: n.idle.len() as u32,
        };
        let old = std::mem::replace(&mut self.nodes[i], new);
        for (m, sign) in [(old, -1i64), (new, 1)] {
            if m.alive {
                self.node_bound = self
                    .node_bound
                    .wrapping_add_signed(sign * i64::from(m.bound));
                self.node_idle = self.node_idle.wrapping_add_signed(sign * i64::from(m.idle));
            }
        }
    }

    /// Counts subnet `i`'s free addresses again.
    pub(super) fn subnet(&mut self, sim: &Simulation, i: usize) {
        self.fit(sim);
        let new = sim.subnets[i].free_ips();
        let old = std::mem::replace(&mut self.subnets[i], new);
        self.free_ips = self.free_ips - u64::from(old) + u64::from(new);
    }

    /// Makes room for nodes and subnets added since the last count.
    fn fit(&mut self, sim: &Simulation) {
        let nodes = sim.nodes.len();
        if self.nodes.len() < nodes {
            for v in [
                &mut self.bound,
                &mut self.attaching,
                &mut self.attached,
                &mut self.unaddressed,
            ] {
                v.resize(nodes, 0);
            }
            self.nodes.resize(nodes, NodeMark::default());
        }
        let subnets = sim.subnets.len();
        if self.subnets.len() < subnets {
            self.used.resize(subnets, 0);
            self.subnets.resize(subnets, 0);
        }
    }

    fn add_eni(&mut self, m: &EniMark, delta: i32) {
        if let Some(node) = m.bound_for {
            bump(&mut self.bound[node as usize], delta);
        }
        if let (Some(node), Some(on)) = (m.node, m.on_node) {
            let counts = match on {
                OnNode::Unaddressed => &mut self.unaddressed,
                OnNode::Attaching => &mut self.attaching,
                OnNode::Attached => &mut self.attached,
            };
            bump(&mut counts[node as usize], delta);
        }
        if let Some(subnet) = m.subnet {
            bump(&mut self.used[subnet as usize], delta);
            bump(&mut self.total, delta);
            bump(&mut self.in_flight, if m.in_flight { delta } else { 0 });
            bump(&mut self.retained, if m.retained { delta } else { 0 });
        }
    }
}

/// What ENI `i` adds to the tally as it stands.
fn mark_eni(sim: &Simulation, i: usize) -> EniMark {
    let e = &sim.enis[i];
    let exists = e.ip_offset.is_some() && e.state != EniState::Deleted;
    let on_node = match e.state {
        EniState::Creating if e.ip_offset.is_none() => Some(OnNode::Unaddressed),
        EniState::Attaching => Some(OnNode::Attaching),
        EniState::Attached => Some(OnNode::Attached),
        _ => None,
    };
    EniMark {
        bound_for: sim.bound_for(EniId(i as u32)),
        node: Some(e.node),
        on_node,
        subnet: exists.then_some(e.subnet.0),
        in_flight: exists && e.state.in_flight(),
        retained: exists && e.state == EniState::Detached && e.claim.is_some(),
        pod: e.pod,
        claim: e.claim,
    }
}
