//! The scheduler: places pending pods, oldest first, on a node with a free exclusive-ENI slot
//! in a zone that has a container subnet.
//!
//! Spreading, as Kubernetes' default topology spread does: a pod goes to the zone holding the
//! fewest pods of its workload (ties to the zone seen first in the scenario), then to the node
//! of that zone with the fewest exclusive-ENI pods (ties to the oldest node). A static-IP pod
//! whose ENI is kept for its name may only go to that ENI's zone; it waits in a queue of its
//! own, so it never blocks pods that could run elsewhere.

use super::node::Node;
use super::pod::SchedulingFailure;
use std::collections::{BTreeSet, VecDeque};

/// Where a pod may run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Placement {
    /// Any zone with a container subnet.
    AnyZone,
    /// Only this zone (the zone of its kept IP).
    Zone(usize),
}

/// Pending pods and an index of the nodes that can take one.
pub struct Scheduler {
    /// Pending pods, oldest first: queue 0 for pods that may go anywhere, queue 1 + z for pods
    /// bound to zone z. Pods deleted while pending are skipped lazily.
    queues: Vec<VecDeque<u32>>,
    /// Per zone, schedulable nodes keyed by (pods on it, node index).
    ready: Vec<BTreeSet<(u32, u32)>>,
    /// The zone and key each node has in `ready`, if any.
    keys: Vec<Option<(usize, (u32, u32))>>,
    /// Per zone: true if it has a container subnet.
    zone_has_subnet: Vec<bool>,
    /// Per workload, per zone: pods placed and not yet gone.
    spread: Vec<Vec<u32>>,
}

impl Scheduler {
    /// A scheduler for `workloads` workloads over zones that do or do not have a subnet.
    pub fn new(zone_has_subnet: Vec<bool>, workloads: usize) -> Self {
        let zones = zone_has_subnet.len();
        Scheduler {
            queues: vec![VecDeque::new(); zones + 1],
            ready: vec![BTreeSet::new(); zones],
            keys: Vec::new(),
            zone_has_subnet,
            spread: vec![vec![0; zones]; workloads],
        }
    }

    /// Queues a pod for placement.
    pub fn enqueue(&mut self, pod: u32, placement: Placement) {
        self.queues[queue_of(placement)].push_back(pod);
    }

    /// Re-indexes a node after its pods, limits or liveness changed.
    pub fn refresh(&mut self, id: u32, node: &Node) {
        let idx = id as usize;
        if idx >= self.keys.len() {
            self.keys.resize(idx + 1, None);
        }
        if let Some((zone, old)) = self.keys[idx].take() {
            self.ready[zone].remove(&old);
        }
        if node.alive && node.free_slots() > 0 && self.zone_has_subnet[node.zone] {
            let key = (node.pods.len() as u32, id);
            self.ready[node.zone].insert(key);
            self.keys[idx] = Some((node.zone, key));
        }
    }

    /// Counts a pod of `workload` placed in `zone` (`placed = false`: one that left).
    pub fn count(&mut self, workload: u32, zone: usize, placed: bool) {
        let n = &mut self.spread[workload as usize][zone];
        *n = if placed { *n + 1 } else { n.saturating_sub(1) };
    }

    /// The node a pod of `workload` with `placement` goes to, if any can take it.
    pub fn pick_node(&self, workload: u32, placement: Placement) -> Option<u32> {
        let zone = match placement {
            Placement::Zone(z) => z,
            Placement::AnyZone => (0..self.ready.len())
                .filter(|&z| !self.ready[z].is_empty())
                .min_by_key(|&z| (self.spread[workload as usize][z], z))?,
        };
        self.ready[zone].first().map(|&(_, id)| id)
    }

    /// The oldest pending pod that some node can take now, with its placement, after dropping
    /// queue heads that `is_pending` says are no longer pending.
    pub fn next_placeable(&mut self, is_pending: impl Fn(u32) -> bool) -> Option<(u32, Placement)> {
        let mut best: Option<(u32, usize)> = None;
        for q in 0..self.queues.len() {
            while let Some(&pod) = self.queues[q].front() {
                if is_pending(pod) {
                    break;
                }
                self.queues[q].pop_front();
            }
            let Some(&pod) = self.queues[q].front() else {
                continue;
            };
            let has_room = match q {
                0 => self.ready.iter().any(|r| !r.is_empty()),
                _ => !self.ready[q - 1].is_empty(),
            };
            if has_room && best.is_none_or(|(b, _)| pod < b) {
                best = Some((pod, q));
            }
        }
        let (pod, q) = best?;
        self.queues[q].pop_front();
        Some((pod, placement_of(q)))
    }

    /// Pending pods that have not been given a failure reason yet, with their placement:
    /// the newest of each queue, up to the first that already has one (`failed`).
    pub fn unmarked(&self, failed: impl Fn(u32) -> Option<bool>) -> Vec<(u32, Placement)> {
        let mut out = Vec::new();
        for (q, queue) in self.queues.iter().enumerate() {
            for &pod in queue.iter().rev() {
                match failed(pod) {
                    None => continue,
                    Some(true) => break,
                    Some(false) => out.push((pod, placement_of(q))),
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// Why no node can take a pod with `placement` now.
    pub fn failure_reason(&self, nodes: &[Node], placement: Placement) -> SchedulingFailure {
        if let Placement::Zone(z) = placement {
            return if nodes.iter().any(|n| n.alive && n.zone == z) {
                SchedulingFailure::IpZoneFull
            } else {
                SchedulingFailure::NoNodeInIpZone
            };
        }
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

fn queue_of(placement: Placement) -> usize {
    match placement {
        Placement::AnyZone => 0,
        Placement::Zone(z) => z + 1,
    }
}

fn placement_of(queue: usize) -> Placement {
    match queue {
        0 => Placement::AnyZone,
        q => Placement::Zone(q - 1),
    }
}
