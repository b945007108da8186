//! The scheduler: places pending pods, oldest first, on a node with a free exclusive-ENI slot
//! in a zone that has a container subnet.
//!
//! Spreading, as Kubernetes' default topology spread does: a pod goes to the zone holding the
//! fewest pods of its workload (ties to the zone seen first in the scenario), then to the node
//! of that zone with the fewest exclusive-ENI pods (ties to the oldest node). A static-IP pod
//! whose ENI is kept for its name may only go to that ENI's zone; it waits in a queue of its
//! own, so it never blocks pods that could run elsewhere.
//!
//! In static IP mode TKE's scheduler extension (tke-eni-ip-scheduler) also checks addresses:
//! a pod that needs a new ENI (any pod without a kept one) only goes to a zone whose subnets
//! still have an address for it. The simulator counts those addresses and hands them in
//! ([`Scheduler::set_ip_room`]); pool mode runs no such check.

use super::node::Node;
use super::pod::SchedulingFailure;
use crate::engine::prefetch::prefetch;
use std::collections::VecDeque;

/// Where a pod may run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Placement {
    /// Any zone with a container subnet.
    AnyZone,
    /// Only this zone (the zone of its kept IP).
    Zone(usize),
}

/// A queued pod: its id and its place in creation order (`Pod::seq`), which tells it from a
/// later pod that reuses its record.
type Entry = (u32, u64);

/// The shortest queue that is swept of pods no longer pending.
const MIN_SWEEP: usize = 64;

/// Pending pods and an index of the nodes that can take one.
pub struct Scheduler {
    /// Pending pods, oldest first: queue 0 for pods that may go anywhere, queue 1 + z for pods
    /// bound to zone z. Pods deleted while pending are skipped lazily, and swept out when a
    /// queue has doubled since its last sweep, so a queue whose head waits long does not
    /// grow with every pod that came and went behind it.
    queues: Vec<VecDeque<Entry>>,
    /// Per queue: the length at which the next enqueue sweeps it.
    sweep_at: Vec<usize>,
    /// Per zone, schedulable nodes by their pods.
    ready: Vec<LoadIndex>,
    /// The zone and pod count each node is filed under in `ready`, if any.
    keys: Vec<Option<(usize, u32)>>,
    /// Per zone: true if it has a container subnet.
    zone_has_subnet: Vec<bool>,
    /// Per workload, per zone: pods placed and not yet gone.
    spread: Vec<Vec<u32>>,
    /// Per zone: addresses left for pods that need a new ENI, when the check runs.
    ip_room: Option<Vec<u64>>,
}

impl Scheduler {
    /// A scheduler for `workloads` workloads over zones that do or do not have a subnet.
    pub fn new(zone_has_subnet: Vec<bool>, workloads: usize) -> Self {
        let zones = zone_has_subnet.len();
        Scheduler {
            queues: vec![VecDeque::new(); zones + 1],
            sweep_at: vec![MIN_SWEEP; zones + 1],
            ready: vec![LoadIndex::default(); zones],
            keys: Vec::new(),
            zone_has_subnet,
            spread: vec![vec![0; zones]; workloads],
            ip_room: None,
        }
    }

    /// Entries in the queues, pending or not yet swept.
    #[cfg(test)]
    pub fn queued(&self) -> usize {
        self.queues.iter().map(VecDeque::len).sum()
    }

    /// Per zone, the addresses its subnets can still give pods that need a new ENI (free
    /// ones not promised to placed pods), or `None` to place such pods without looking.
    pub fn set_ip_room(&mut self, room: Option<Vec<u64>>) {
        self.ip_room = room;
    }

    /// A zone's room for pods that need a new ENI, when the check runs.
    pub fn zone_ip_room(&self, zone: usize) -> Option<u64> {
        self.ip_room.as_ref().map(|room| room[zone])
    }

    /// Sets a zone's room, when the check runs (addresses went to a pod just placed there, or
    /// the room was counted again).
    pub fn set_zone_ip_room(&mut self, zone: usize, n: u64) {
        if let Some(room) = self.ip_room.as_mut() {
            room[zone] = n;
        }
    }

    /// True if a pod that needs a new ENI may go to `zone` as far as addresses go.
    fn has_ip(&self, zone: usize) -> bool {
        self.ip_room.as_ref().is_none_or(|room| room[zone] > 0)
    }

    /// True if some node of `zone` can take a pod with `placement` now.
    fn zone_open(&self, zone: usize, placement: Placement) -> bool {
        !self.ready[zone].is_empty() && (placement != Placement::AnyZone || self.has_ip(zone))
    }

    /// Queues pod `pod`, `seq`-th in creation order, for placement. `pending` says whether a
    /// queued pod is still pending (for the sweep).
    pub fn enqueue(
        &mut self,
        (pod, seq): Entry,
        placement: Placement,
        pending: impl Fn(u32, u64) -> bool,
    ) {
        let q = queue_of(placement);
        let queue = &mut self.queues[q];
        if queue.len() >= self.sweep_at[q] {
            queue.retain(|&(p, s)| pending(p, s));
            self.sweep_at[q] = (2 * queue.len()).max(MIN_SWEEP);
        }
        queue.push_back((pod, seq));
    }

    /// Re-indexes a node after its pods, limits or liveness changed.
    pub fn refresh(&mut self, id: u32, node: &Node) {
        let idx = id as usize;
        if idx >= self.keys.len() {
            self.keys.resize(idx + 1, None);
        }
        if let Some((zone, load)) = self.keys[idx].take() {
            self.ready[zone].remove(load, id);
        }
        if node.alive && node.free_slots() > 0 && self.zone_has_subnet[node.zone] {
            let load = node.pods.len() as u32;
            self.ready[node.zone].insert(load, id);
            self.keys[idx] = Some((node.zone, load));
        }
    }

    /// Starts loading what [`Scheduler::refresh`] of node `id` reads first (a hint only).
    pub fn prefetch(&self, id: u32) {
        if let Some(key) = self.keys.get(id as usize) {
            prefetch(key);
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
            Placement::AnyZone => {
                let spread = &self.spread[workload as usize];
                let mut best: Option<usize> = None;
                for z in (0..self.ready.len()).filter(|&z| self.zone_open(z, placement)) {
                    if best.is_none_or(|b| spread[z] < spread[b]) {
                        best = Some(z);
                    }
                }
                best?
            }
        };
        self.ready[zone].first()
    }

    /// The oldest pending pod that some node can take now, with its placement, after dropping
    /// queue heads that are no longer pending (`pending(pod, seq)` is false).
    pub fn next_placeable(
        &mut self,
        pending: impl Fn(u32, u64) -> bool,
    ) -> Option<(u32, Placement)> {
        let mut best: Option<(u64, usize)> = None;
        for q in 0..self.queues.len() {
            let oldest = loop {
                let Some(&(pod, seq)) = self.queues[q].front() else {
                    break None;
                };
                if pending(pod, seq) {
                    break Some(seq);
                }
                self.queues[q].pop_front();
            };
            let Some(seq) = oldest else {
                continue;
            };
            let placement = placement_of(q);
            let has_room = match placement {
                Placement::AnyZone => (0..self.ready.len()).any(|z| self.zone_open(z, placement)),
                Placement::Zone(z) => self.zone_open(z, placement),
            };
            if has_room && best.is_none_or(|(b, _)| seq < b) {
                best = Some((seq, q));
            }
        }
        let (_, q) = best?;
        let (pod, _) = self.queues[q].pop_front()?;
        Some((pod, placement_of(q)))
    }

    /// Pending pods that have not been given a failure reason yet, with their placement:
    /// the newest of each queue, up to the first that already has one (`failed(pod, seq)`:
    /// whether it has one, `None` if it is no longer pending).
    pub fn unmarked(&self, failed: impl Fn(u32, u64) -> Option<bool>) -> Vec<(u32, Placement)> {
        let mut out = Vec::new();
        for (q, queue) in self.queues.iter().enumerate() {
            for &(pod, seq) in queue.iter().rev() {
                match failed(pod, seq) {
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
        let (mut any_alive, mut no_subnet) = (false, false);
        for n in nodes.iter().filter(|n| n.alive) {
            any_alive = true;
            if n.free_slots() == 0 {
                continue;
            }
            if !self.zone_has_subnet[n.zone] {
                no_subnet = true;
            } else if !self.has_ip(n.zone) {
                return SchedulingFailure::NoFreeIpInZone;
            }
        }
        match (no_subnet, any_alive) {
            (true, _) => SchedulingFailure::NoSubnetInZone,
            (false, true) => SchedulingFailure::NoFreeEniSlot,
            (false, false) => SchedulingFailure::NoNodes,
        }
    }
}

/// One zone's schedulable nodes filed by how many pods they have: a bitset of node ids per
/// pod count, with a bitset of its non-empty words over it, so the least loaded node (ties to
/// the lowest id) is found by scanning a few words however many nodes the cluster has (a
/// zone's ids need not start low), and a node moves between counts in constant time.
#[derive(Clone, Debug, Default)]
struct LoadIndex {
    /// `levels[l]`: the nodes with `l` pods, one bit per node id.
    levels: Vec<Vec<u64>>,
    /// `occupied[l]`: one bit per word of `levels[l]` that holds a node.
    occupied: Vec<Vec<u64>>,
    /// How many nodes each level holds.
    counts: Vec<u32>,
    /// How many nodes all levels hold.
    total: u32,
}

/// Sets bit `i` of a bitset, growing it as needed.
fn set_bit(bits: &mut Vec<u64>, i: usize) {
    if i / 64 >= bits.len() {
        bits.resize(i / 64 + 1, 0);
    }
    bits[i / 64] |= 1 << (i % 64);
}

/// The lowest set bit of a bitset.
fn first_bit(bits: &[u64]) -> Option<usize> {
    let w = bits.iter().position(|&w| w != 0)?;
    Some(w * 64 + bits[w].trailing_zeros() as usize)
}

impl LoadIndex {
    fn insert(&mut self, load: u32, node: u32) {
        let l = load as usize;
        if l >= self.levels.len() {
            self.levels.resize(l + 1, Vec::new());
            self.occupied.resize(l + 1, Vec::new());
            self.counts.resize(l + 1, 0);
        }
        set_bit(&mut self.levels[l], node as usize);
        set_bit(&mut self.occupied[l], node as usize / 64);
        self.counts[l] += 1;
        self.total += 1;
    }

    fn remove(&mut self, load: u32, node: u32) {
        let (l, word) = (load as usize, node as usize / 64);
        self.levels[l][word] &= !(1 << (node % 64));
        if self.levels[l][word] == 0 {
            self.occupied[l][word / 64] &= !(1 << (word % 64));
        }
        self.counts[l] -= 1;
        self.total -= 1;
    }

    fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The least loaded node, ties to the lowest id.
    fn first(&self) -> Option<u32> {
        let l = self.counts.iter().position(|&c| c > 0)?;
        let word = first_bit(&self.occupied[l])?;
        let words = &self.levels[l];
        Some((word * 64) as u32 + words[word].trailing_zeros())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;

    /// A live node in `zone` with room for 39 pods.
    fn node(zone: usize) -> Node {
        Node {
            group: 0,
            ordinal: 0,
            zone,
            eni_pods: 39,
            max_attach: None,
            min_warm: 0,
            max_warm: 0,
            alive: true,
            created_at: SimTime::ZERO,
            pods: Default::default(),
            lost: Vec::new(),
            bound: 0,
            unaddressed: 0,
            idle: Default::default(),
            idle_since: Default::default(),
            arrivals: Vec::new(),
            waiting: Default::default(),
            surplus_since: Default::default(),
            attached: 0,
            create_failures: 0,
            bind_after: SimTime::ZERO,
        }
    }

    #[test]
    fn without_an_address_only_pods_with_a_kept_eni_are_placed() {
        let nodes = vec![node(0), node(1)];
        let mut s = Scheduler::new(vec![true, true], 1);
        for (id, n) in (0..).zip(&nodes) {
            s.refresh(id, n);
        }
        let pending = |_: u32, _: u64| true;
        s.enqueue((0, 0), Placement::AnyZone, pending);
        s.enqueue((1, 1), Placement::Zone(0), pending);
        s.set_ip_room(Some(vec![0, 1]));
        assert_eq!(
            s.pick_node(0, Placement::AnyZone),
            Some(1),
            "zone 1 has one"
        );
        assert_eq!(s.zone_ip_room(1), Some(1));
        s.set_zone_ip_room(1, 0);
        assert_eq!(s.pick_node(0, Placement::AnyZone), None);
        assert_eq!(
            s.failure_reason(&nodes, Placement::AnyZone),
            SchedulingFailure::NoFreeIpInZone
        );
        assert_eq!(
            s.next_placeable(pending),
            Some((1, Placement::Zone(0))),
            "the younger pod keeps its ENI and needs no address"
        );
        assert_eq!(s.next_placeable(pending), None);
        s.set_ip_room(None);
        s.set_zone_ip_room(1, 5);
        assert_eq!(s.zone_ip_room(1), None, "no check, no room kept");
        assert_eq!(s.next_placeable(pending), Some((0, Placement::AnyZone)));
    }

    #[test]
    fn pods_gone_behind_a_waiting_head_are_swept_out() {
        let mut s = Scheduler::new(vec![true], 1);
        // Pod 0 waits (no node); pods 1.. come and go behind it, 1,000 of them, while every
        // tenth one still waits.
        let pending = |p: u32, _: u64| p.is_multiple_of(10);
        for p in 0..1_000u32 {
            s.enqueue((p, u64::from(p)), Placement::AnyZone, pending);
            assert!(s.queued() <= (2 * (p as usize / 10 + 1)).max(MIN_SWEEP) + 1);
        }
        assert!(s.queued() < 250, "{} queued", s.queued());
        assert_eq!(s.next_placeable(pending), None, "no node");
        let failed = |p: u32, _: u64| pending(p, 0).then_some(false);
        let waiting: Vec<u32> = s.unmarked(failed).into_iter().map(|(p, _)| p).collect();
        assert_eq!(waiting, (0..100).map(|p| p * 10).collect::<Vec<_>>());
    }

    #[test]
    fn a_zone_without_a_subnet_is_named_only_when_no_subnet_zone_has_room() {
        let nodes = vec![node(0), node(1)];
        let s = Scheduler::new(vec![false, true], 1);
        assert_eq!(
            s.failure_reason(&nodes, Placement::AnyZone),
            SchedulingFailure::NoSubnetInZone
        );
        let mut s = Scheduler::new(vec![false, true], 1);
        s.set_ip_room(Some(vec![0, 0]));
        assert_eq!(
            s.failure_reason(&nodes, Placement::AnyZone),
            SchedulingFailure::NoFreeIpInZone
        );
    }

    #[test]
    fn load_index_finds_the_least_loaded_lowest_node() {
        let mut idx = LoadIndex::default();
        assert_eq!(idx.first(), None);
        idx.insert(3, 200);
        idx.insert(1, 130);
        idx.insert(1, 70);
        assert_eq!(idx.first(), Some(70));
        idx.remove(1, 70);
        assert_eq!(idx.first(), Some(130));
        idx.remove(1, 130);
        assert_eq!(idx.first(), Some(200));
        idx.remove(3, 200);
        assert!(idx.is_empty());
        // A zone whose ids start high, and words emptied on the way.
        for node in [70_000, 70_001, 99_999, 5_000_063] {
            idx.insert(2, node);
        }
        assert_eq!(idx.first(), Some(70_000));
        idx.remove(2, 70_000);
        idx.remove(2, 70_001);
        assert_eq!(idx.first(), Some(99_999));
        idx.remove(2, 99_999);
        assert_eq!(idx.first(), Some(5_000_063));
        idx.insert(0, 64);
        assert_eq!(idx.first(), Some(64));
    }
}
