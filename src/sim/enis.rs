//! ENI lifecycle: carrying out the policy's decisions, and where an ENI goes when a VPC call
//! on it succeeds or fails.

use super::ipamd::{Binds, Item};
use super::pods::EniFate;
use super::{Event, Simulation};
use crate::cloud::api::ApiErrorCode;
use crate::cloud::eni::{Eni, EniId, EniState};
use crate::cloud::subnet::SubnetId;
use crate::cloud::vpc::Api;
use crate::cluster::node::Node;
use crate::engine::SimTime;
use crate::policy::SubnetView;
use crate::report::rows::EniRow;
use crate::scenario::model::Scenario;
use std::net::Ipv4Addr;

impl Simulation<'_> {
    /// A node's counts changed: the per-node model reconciles it at once; the queue model
    /// notes its surplus and adds it to the controller's work queue.
    pub(super) fn reconcile_node(&mut self, node: u32) {
        if !self.nodes[node as usize].alive {
            return;
        }
        if self.queued() {
            self.track_surplus(node);
            self.enqueue(Item::Node(node));
            return;
        }
        self.reconcile_node_now(node, Binds::All);
    }

    /// Asks the policy what a node needs and carries it out: binds (unless a failed create
    /// holds them back, or `binds` leaves them to the node's pods), releases, and the wake-up
    /// it wants.
    pub(super) fn reconcile_node_now(&mut self, node: u32, binds: Binds) {
        let n = &self.nodes[node as usize];
        if !n.alive {
            return;
        }
        let now = self.now();
        let policy = self.group_policy[n.group];
        let decision = self.policies[policy].decide(node as usize, &n.view(), now);
        let backing_off = now < n.bind_after && decision.bind > 0;
        let wanted = if backing_off { 0 } else { decision.bind };
        let retry_at = backing_off.then_some(n.bind_after);
        let bind = match binds {
            Binds::All => wanted,
            Binds::One => wanted.min(1),
            Binds::ToPods => {
                self.enqueue_waiting_pods(node, wanted);
                0
            }
        };
        for _ in 0..bind {
            if !self.bind_one(node) {
                let zone = self.nodes[node as usize].zone;
                self.starved[zone].insert(node);
                break;
            }
        }
        for _ in 0..decision.release {
            self.release_one(node);
        }
        self.track_surplus(node);
        let wake = match (decision.wake_at, retry_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.set_node_timer(node, wake);
    }

    /// Keeps the node's record of when each surplus ENI became surplus: new surplus is
    /// stamped now; surplus absorbed by new pods forgets the newest stamps first.
    fn track_surplus(&mut self, node: u32) {
        let now = self.now();
        let n = self.nodes.touch(node as usize);
        let surplus = n.surplus() as usize;
        n.surplus_since.truncate(surplus);
        while n.surplus_since.len() < surplus {
            n.surplus_since.push(now);
        }
    }

    /// Keeps one wake-up per node, at `wake_at` (none if `None`). A wake-up that was
    /// replaced is not taken out of the queue: it finds itself stale when it comes up
    /// ([`Simulation::node_wake`]), which keeps the queue free of cancellations.
    pub(super) fn set_node_timer(&mut self, node: u32, wake_at: Option<SimTime>) {
        let idx = node as usize;
        if idx >= self.node_timers.len() {
            self.node_timers.resize(idx + 1, None);
        }
        if self.node_timers[idx] == wake_at {
            return;
        }
        self.node_timers[idx] = wake_at;
        if let Some(t) = wake_at {
            self.queue.schedule(t, Event::NodeWake(node));
        }
    }

    /// A node's wake-up came due: the policy is asked again, unless the wake-up was replaced.
    pub(super) fn node_wake(&mut self, node: u32) {
        if self.node_timers[node as usize] != Some(self.now()) {
            return;
        }
        self.node_timers[node as usize] = None;
        self.reconcile_node(node);
    }

    /// Asks the VPC for an ENI for the node, in the subnet the policy picks. False if every
    /// subnet of the node's zone is cooling down after running dry.
    fn bind_one(&mut self, node: u32) -> bool {
        let now = self.now();
        let zone = self.nodes[node as usize].zone;
        let candidates: Vec<SubnetView> = self.zone_subnets[zone]
            .iter()
            .map(|s| SubnetView {
                free_ips: self.subnets[s.0 as usize].free_ips(),
                cooling: self.subnet_cooling[s.0 as usize] > now,
            })
            .collect();
        let Some(choice) = self.policy_of(node).choose_subnet(&candidates) else {
            return false;
        };
        let subnet = self.zone_subnets[zone][choice];
        let eni = self.new_eni(subnet, node);
        self.nodes.touch(node as usize).bound += 1;
        self.count_bound(node, 1);
        self.start_provisioning(eni, node);
        self.bound_by_reconcile(eni);
        self.submit(Api::Create, eni);
        if self.enis[eni.0 as usize].ip_offset.is_none() {
            self.nodes.touch(node as usize).unaddressed += 1;
        }
        true
    }

    /// Files a new ENI being created for `node` in `subnet`: in the record of a failed create
    /// (under its number), or of a deleted ENI, or a new record (under the next number).
    fn new_eni(&mut self, subnet: SubnetId, node: u32) -> EniId {
        let now = self.now();
        if let Some(id) = self.unused_eni_ids.pop() {
            let number = self.enis[id.0 as usize].number;
            *self.enis.touch(id.0 as usize) = Eni::new(number, subnet, node, now);
            return id;
        }
        let record = Eni::new(self.eni_numbers, subnet, node, now);
        self.eni_numbers += 1;
        match self.deleted_eni_ids.pop() {
            Some(id) => {
                *self.enis.touch(id.0 as usize) = record;
                id
            }
            None => EniId(self.enis.push(record) as u32),
        }
    }

    /// A create the VPC runs: the ENI now exists, holding an address of its subnet.
    pub(super) fn materialize(&mut self, eni: EniId) {
        let now = self.now();
        let e = self.enis.touch(eni.0 as usize);
        e.ip_offset = self.subnets.touch(e.subnet.0 as usize).allocate(now);
        debug_assert!(e.ip_offset.is_some(), "the VPC checked the subnet had room");
        self.gauges.free_ips -= 1;
        self.gauges.enis_total += 1;
        self.gauges.enis_in_flight += 1;
    }

    /// Releases one idle ENI of the node as surplus: detach, then delete.
    fn release_one(&mut self, node: u32) {
        let now = self.now();
        if self.nodes[node as usize].idle.is_empty() {
            return;
        }
        let p = self.group_policy[self.group_of(node)];
        let i = self.policies[p].pick_release(&self.nodes[node as usize].idle_since);
        let n = self.nodes.touch(node as usize);
        let eni = n.take_idle_at(i);
        let since = if n.surplus_since.is_empty() {
            now
        } else {
            n.surplus_since.remove(0)
        };
        self.metrics
            .release_delay_ms
            .push(now.since(since).as_millis());
        self.metrics.releases += 1;
        let group = self.group_of(node);
        self.metrics.groups[group].releases += 1;
        self.count_idle(node, -1);
        self.unbind(eni, node);
        self.enis.touch(eni.0 as usize).released_at.set(now);
    }

    /// Takes an attached ENI off its node's bound count and detaches it; what follows the
    /// detach depends on whether it is kept for a static-IP pod's name.
    fn unbind(&mut self, eni: EniId, node: u32) {
        self.nodes.touch(node as usize).bound -= 1;
        self.count_bound(node, -1);
        self.gauges.enis_in_flight += 1;
        self.detach(eni);
    }

    /// Sends the detach of an ENI attached to its node, which no longer counts it as
    /// attached. The caller has already taken it off any node's bound count.
    fn detach(&mut self, eni: EniId) {
        let e = self.enis.touch(eni.0 as usize);
        e.state = EniState::Detaching;
        self.nodes.touch(e.node as usize).attached -= 1;
        self.submit(Api::Detach, eni);
    }

    /// A pod let go of its ENI (`in_use`: it ran with it; otherwise it was waiting for its
    /// kept ENI to come). The ENI goes back to the pool, is released, is kept for a static-IP
    /// pod's name (its retention runs from now), or, when the node goes away with it, loses
    /// its claim.
    pub(super) fn free_eni(&mut self, eni: EniId, node: u32, in_use: bool, fate: EniFate) {
        let now = self.now();
        self.enis.touch(eni.0 as usize).pod = None;
        let kept = match fate {
            EniFate::WithNode => {
                self.drop_claim(eni);
                false
            }
            EniFate::Normal => self.enis[eni.0 as usize].claim.is_some(),
        };
        if kept {
            self.start_retention(eni);
        }
        if !in_use {
            // A kept ENI still on its way (detaching from its previous node, or attaching): it
            // no longer counts for this node; what follows its call depends on its claim.
            if self.planted != Some(super::PlantedBug::KeptEniStaysBound) {
                self.nodes.touch(node as usize).bound -= 1;
            }
            self.count_bound(node, -1);
            if fate == EniFate::WithNode {
                self.enis.touch(eni.0 as usize).released_at.set(now);
            }
        } else if kept {
            self.metrics.static_retained += 1;
            self.unbind(eni, node);
        } else if fate == EniFate::WithNode || self.policy_of(node).keeps_freed_enis() {
            // With the node, it goes with the node's other idle ENIs.
            self.pool_idle(eni, node);
        } else {
            self.enis.touch(eni.0 as usize).released_at.set(now);
            self.unbind(eni, node);
        }
    }

    /// An attached ENI joins its node's pool.
    fn pool_idle(&mut self, eni: EniId, node: u32) {
        let now = self.now();
        self.nodes.touch(node as usize).push_idle(eni, now);
        self.count_idle(node, 1);
    }

    /// A static-IP pod's ENI goes with its node: the pod's name loses its address.
    fn drop_claim(&mut self, eni: EniId) {
        if let Some(name) = self.enis.touch(eni.0 as usize).claim.take() {
            self.claims.remove(&name);
            self.release_name(name);
            self.metrics.static_lost += 1;
        }
    }

    /// A static-IP pod ended: its name's ENI is kept until `static_ip_retention` runs out,
    /// counted from the pod's end (TKE releases the IP that long "after the Pod termination"),
    /// not from when the detach completes.
    fn start_retention(&mut self, eni: EniId) {
        let now = self.now();
        self.enis.touch(eni.0 as usize).retained_since.set(now);
        if let Some(retention) = self.sc.policy.static_ip_retention {
            self.queue
                .schedule(now.plus(retention), Event::RetentionExpiry(eni.0));
        }
    }

    /// A static-IP pod's ENI is now detached and kept for its name.
    fn keep_retained(&mut self, eni: EniId) {
        self.end_provisioning(eni);
        self.enis.touch(eni.0 as usize).state = EniState::Detached;
        self.gauges.enis_in_flight -= 1;
        self.gauges.enis_retained += 1;
    }

    /// The retention of a kept ENI ran out with no pod of its name back: the name lets it go.
    /// Detached, it is deleted now; still detaching, it is deleted as soon as it is off its
    /// node, having no claim any more; still attaching (its pod ended on the way, and
    /// retention runs from the pod's end), it is released, so that once attached it is
    /// detached again rather than taken into a pool no node counts it in.
    pub(super) fn retention_expiry(&mut self, eni: EniId) {
        let now = self.now();
        let Some(retention) = self.sc.policy.static_ip_retention else {
            return;
        };
        let e = self.enis.touch(eni.0 as usize);
        let due = e.retained_since.get().map(|t| t.plus(retention));
        if due != Some(now) || e.pod.is_some() {
            return;
        }
        let Some(name) = e.claim.take() else {
            return;
        };
        self.claims.remove(&name);
        e.retained_since.clear();
        self.metrics.static_expired += 1;
        match e.state {
            EniState::Detached => {
                self.gauges.enis_retained -= 1;
                self.gauges.enis_in_flight += 1;
                self.start_delete(eni);
            }
            EniState::Attaching => e.released_at.set(now),
            _ => {}
        }
        self.release_name(name);
    }

    /// A call on an ENI succeeded: the ENI moves to its next step.
    pub(super) fn call_succeeded(&mut self, api: Api, eni: EniId) {
        let now = self.now();
        let node = self.enis[eni.0 as usize].node;
        let alive = self.nodes[node as usize].alive;
        match api {
            Api::Create => {
                self.metrics.enis_created += 1;
                let group = self.group_of(node);
                self.metrics.groups[group].enis_created += 1;
                self.nodes.touch(node as usize).create_failures = 0;
                self.create_succeeded_phase(node);
                if alive {
                    self.start_attach(eni, node);
                } else {
                    self.start_delete(eni);
                }
            }
            Api::Attach => {
                self.metrics.enis_attached += 1;
                self.enis.touch(eni.0 as usize).attached_at.set_once(now);
                if alive {
                    self.attached(eni, node);
                } else {
                    // Attached to an instance that is gone: it came off with the instance.
                    self.metrics.enis_detached += 1;
                    self.off_node(eni);
                }
            }
            Api::Detach => {
                self.metrics.enis_detached += 1;
                self.off_node(eni);
            }
            Api::Delete => self.finish_delete(eni),
        }
    }

    /// Attaches an ENI to a node, which counts it as attached from now on.
    pub(super) fn start_attach(&mut self, eni: EniId, node: u32) {
        let e = self.enis.touch(eni.0 as usize);
        e.state = EniState::Attaching;
        e.node = node;
        self.nodes.touch(node as usize).attached += 1;
        self.submit(Api::Attach, eni);
    }

    /// A create failed. The node stops creating for a backoff (growing with each round of
    /// creates that fails, reset by a success); a subnet that ran dry is left
    /// out for a cooldown; and if only the answer was lost, the ENI exists unknown to the
    /// controller until its reconciler finds it.
    pub(super) fn create_failed(&mut self, eni: EniId, code: ApiErrorCode, answer_lost: bool) {
        let now = self.now();
        let e = &self.enis[eni.0 as usize];
        let (node, subnet) = (e.node, e.subnet);
        if answer_lost {
            self.end_provisioning(eni);
        } else {
            self.create_failed_phase(eni, node);
        }
        let e = self.enis.touch(eni.0 as usize);
        if answer_lost {
            e.state = EniState::Detached;
            e.orphan_since.set(now);
            self.gauges.enis_in_flight -= 1;
            self.orphans.push(eni);
            self.metrics.orphans += 1;
            self.schedule_reconcile();
        } else {
            // Nothing was created: the id goes to the next create, so failed attempts do not
            // pile up records.
            e.state = EniState::Failed;
            self.unused_eni_ids.push(eni);
            self.nodes.touch(node as usize).unaddressed -= 1;
        }
        if code == ApiErrorCode::ResourceInsufficient {
            let until = now.plus(self.sc.policy.subnet_cooldown);
            self.subnet_cooling[subnet.0 as usize] = until;
            self.queue.schedule(until, Event::SubnetCooled(subnet.0));
        }
        let n = self.nodes.touch(node as usize);
        if !n.alive {
            return;
        }
        n.bound -= 1;
        if self.ipamd.is_some() {
            // The item is requeued through the controller's rate limiter instead.
            self.count_bound(node, -1);
            self.requeue_failed(eni);
            return;
        }
        // Creates sent together fail together: only the first failure of a round of creates
        // lengthens the backoff.
        if now >= n.bind_after {
            n.create_failures += 1;
            let failures = n.create_failures;
            let delay = self.retry_delay(failures);
            self.nodes.touch(node as usize).bind_after = now.plus(delay);
        }
        self.count_bound(node, -1);
        self.reconcile_node(node);
    }

    /// The controller's periodic listing of the VPC's ENIs comes next on the grid of
    /// `reconcile_interval`, if not already due.
    fn schedule_reconcile(&mut self) {
        if self.reconcile_due {
            return;
        }
        let every = self.sc.policy.reconcile_interval.as_millis();
        let next = (self.now().as_millis() / every + 1) * every;
        self.queue.schedule(SimTime(next), Event::Reconcile);
        self.reconcile_due = true;
    }

    /// The controller lists the VPC's ENIs and deletes those it lost track of.
    pub(super) fn reconcile_orphans(&mut self) {
        let now = self.now();
        self.reconcile_due = false;
        for eni in std::mem::take(&mut self.orphans) {
            let e = self.enis.touch(eni.0 as usize);
            let since = e.orphan_since.take().unwrap_or(now);
            self.metrics
                .orphan_lived_ms
                .push(now.since(since).as_millis());
            self.gauges.enis_in_flight += 1;
            self.start_delete(eni);
        }
    }

    /// An ENI attached to its live node: it goes to the pod it was attached for, joins the
    /// node's pool, or (its pod moved to another node, its pod left it to its name, or it
    /// was released meanwhile) is detached again.
    fn attached(&mut self, eni: EniId, node: u32) {
        self.gauges.enis_in_flight -= 1;
        let e = self.enis.touch(eni.0 as usize);
        e.state = EniState::Attached;
        let for_here = e.pod.filter(|&p| self.pods[p as usize].node == Some(node));
        let leaving = e.pod.is_some() || e.claim.is_some() || e.released_at.is_some();
        if let Some(pod) = for_here {
            self.start_pod(pod, eni);
        } else if leaving {
            self.gauges.enis_in_flight += 1;
            self.detach(eni);
        } else {
            self.pool_idle(eni, node);
            self.serve_waiting(node);
        }
        self.end_provisioning(eni);
        self.reconcile_node(node);
    }

    /// An ENI is off its node: attached to the node where its pod now waits, kept if a
    /// static-IP pod's name claims it, deleted otherwise.
    pub(super) fn off_node(&mut self, eni: EniId) {
        let e = &self.enis[eni.0 as usize];
        let waiting_on = e.pod.and_then(|p| self.pods[p as usize].node);
        match (waiting_on, e.claim) {
            (Some(node), _) => self.start_attach(eni, node),
            (None, Some(_)) => self.keep_retained(eni),
            (None, None) => self.start_delete(eni),
        }
    }

    /// Issues the delete of an ENI that is off its node.
    pub(super) fn start_delete(&mut self, eni: EniId) {
        self.end_provisioning(eni);
        let e = self.enis.touch(eni.0 as usize);
        e.released_at.set_once(self.queue.now());
        e.state = EniState::Deleting;
        self.submit(Api::Delete, eni);
    }

    /// The ENI is gone: its address is free again, and nodes that could not bind for want of
    /// one try again.
    fn finish_delete(&mut self, eni: EniId) {
        let now = self.now();
        self.metrics.enis_deleted += 1;
        let group = self.group_of(self.enis[eni.0 as usize].node);
        self.metrics.groups[group].enis_deleted += 1;
        self.gauges.enis_in_flight -= 1;
        self.gauges.enis_total -= 1;
        self.gauges.free_ips += 1;
        let e = self.enis.touch(eni.0 as usize);
        debug_assert!(
            e.claim.is_none(),
            "claims are dropped before an ENI is deleted"
        );
        e.state = EniState::Deleted;
        e.deleted_at.set(now);
        let subnet = e.subnet;
        if let Some(offset) = e.ip_offset {
            self.subnets.touch(subnet.0 as usize).release(offset, now);
        }
        self.write_eni_row(eni);
        // Nothing refers to it any more: no call, pool, pod or name (a pod keeps its address,
        // and a retention expiry still due finds it retained since later, if at all).
        self.deleted_eni_ids.push(eni);
        self.wake_starved(subnet);
        if self.checks_ips() {
            self.schedule_pending();
        }
    }

    /// Nodes of a subnet's zone that could not bind try again (an address came free, or the
    /// subnet's cooldown ended).
    pub(super) fn wake_starved(&mut self, subnet: SubnetId) {
        let zone = self.subnets[subnet.0 as usize].zone;
        for node in std::mem::take(&mut self.starved[zone]) {
            self.reconcile_node(node);
        }
    }

    /// The zone of an ENI's subnet: where a static-IP pod that keeps it may run.
    pub(super) fn eni_zone(&self, eni: EniId) -> usize {
        self.subnets[self.enis[eni.0 as usize].subnet.0 as usize].zone
    }

    /// The address an ENI holds, if the VPC gave it one.
    pub(super) fn eni_address(&self, eni: EniId) -> Option<Ipv4Addr> {
        let e = &self.enis[eni.0 as usize];
        e.ip_offset
            .map(|o| self.subnets[e.subnet.0 as usize].address(o))
    }

    /// Streams one ENI's row.
    pub(super) fn write_eni_row(&mut self, eni: EniId) {
        if !self.rows {
            return;
        }
        let e = &self.enis[eni.0 as usize];
        let row = EniRow {
            eni: e.number,
            subnet: &self.subnets[e.subnet.0 as usize].id,
            ip: self.eni_address(eni),
            node: node_name(&self.nodes, &self.sc, e.node),
            created: e.created_at,
            attached: e.attached_at.get(),
            released: e.released_at.get(),
            deleted: e.deleted_at.get(),
            pods_served: e.pods_served,
            state: e.state.name(),
        };
        self.sink.eni(&row);
    }
}

/// A node's name as written in outputs: its group's name and its ordinal.
pub(super) fn node_name<'s>(nodes: &'s [Node], sc: &'s Scenario, node: u32) -> (&'s str, u32) {
    let n = &nodes[node as usize];
    (sc.node_groups[n.group].name.as_str(), n.ordinal)
}
