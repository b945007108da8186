//! The scheduler: places pending pods, first come first served, on the least loaded node with
//! a free exclusive-ENI slot in a zone that has a container subnet.

use super::node::Node;
use super::pod::SchedulingFailure;
use std::collections::{BTreeSet, VecDeque};

/// Pending pods and an index of the nodes that can take one.
#[derive(Default)]
pub struct Scheduler {
    /// Pods waiting to be placed, oldest first. Pods deleted while pending are skipped lazily.
    pub pending: VecDeque<u32>,
    /// Schedulable nodes keyed by (pods on it, node index): least loaded first, ties to the
    /// lowest index.
    ready: BTreeSet<(u32, u32)>,
    /// The key each node has in `ready`, if any.
    keys: Vec<Option<(u32, u32)>>,
    /// Per zone: true if it has a container subnet.
    zone_has_subnet: Vec<bool>,
}

impl Scheduler {
    /// A scheduler for zones that do or do not have a container subnet.
    pub fn new(zone_has_subnet: Vec<bool>) -> Self {
        Scheduler {
            zone_has_subnet,
            ..Scheduler::default()
        }
    }

    /// Re-indexes a node after its pods, limits or liveness changed.
    pub fn refresh(&mut self, id: u32, node: &Node) {
        let idx = id as usize;
        if idx >= self.keys.len() {
            self.keys.resize(idx + 1, None);
        }
        if let Some(old) = self.keys[idx].take() {
            self.ready.remove(&old);
        }
        if node.alive && node.free_slots() > 0 && self.zone_has_subnet[node.zone] {
            let key = (node.pods.len() as u32, id);
            self.ready.insert(key);
            self.keys[idx] = Some(key);
        }
    }

    /// The node the next pod goes to, if any can take it.
    pub fn pick_node(&self) -> Option<u32> {
        self.ready.first().map(|&(_, id)| id)
    }

    /// Why no node can take a pod now.
    pub fn failure_reason(&self, nodes: &[Node]) -> SchedulingFailure {
        let mut any_alive = false;
        for n in nodes.iter().filter(|n| n.alive) {
            any_alive = true;
            if n.free_slots() > 0 && !self.zone_has_subnet[n.zone] {
                return SchedulingFailure::NoSubnetInZone;
            }
        }
        if any_alive {
            SchedulingFailure::NoFreeEniSlot
        } else {
            SchedulingFailure::NoNodes
        }
    }
}
