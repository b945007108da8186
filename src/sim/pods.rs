//! Pod lifecycle: the replica controllers, the scheduler's placements, pod start and end.

use super::enis::node_name;
use super::{Event, Simulation};
use crate::cloud::eni::{EniId, EniState};
use crate::cluster::pod::{Pod, PodEnd, PodState};
use crate::cluster::scheduler::Placement;
use crate::controller::phases::Phase;
use crate::report::rows::PodRow;

/// What happens to a pod's ENI when the pod ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum EniFate {
    /// As the policy says: back to the pool, released, or kept for a static-IP pod's name.
    Normal,
    /// Its node is going away with every ENI still bound, static ones included.
    WithNode,
}

impl Simulation<'_> {
    /// Brings a workload to its desired replica count: creates missing pods, deletes excess
    /// ones, then lets the scheduler place what it can. Returns the pods it created.
    /// Sets a replicated workload's replica count and brings it there.
    pub(super) fn set_desired(&mut self, w: u32, replicas: Option<u32>) {
        if let (Some(c), Some(r)) = (self.controllers[w as usize].as_mut(), replicas) {
            c.desired = r;
            self.reconcile_workload(w);
        }
    }

    /// Brings a replicated workload to its desired replica count: creates missing pods,
    /// deletes excess ones, then lets the scheduler place what it can. Returns the pods it
    /// created (none for a source-driven workload, whose pods are not replaced).
    pub(super) fn reconcile_workload(&mut self, w: u32) -> Vec<u32> {
        let Some(controller) = self.controllers[w as usize].as_mut() else {
            return Vec::new();
        };
        let static_ip = self.sc.workloads[w as usize]
            .kind
            .replicas()
            .is_some_and(|s| s.static_ip);
        let serials = controller.to_create(&self.pods);
        let created: Vec<u32> = serials
            .into_iter()
            .map(|serial| self.new_pod(w, serial, static_ip))
            .collect();
        let controller = self.controllers[w as usize]
            .as_mut()
            .expect("a replicated workload");
        controller.live.extend(created.iter().copied());
        let victims = controller.victims(&self.pods);
        for &pod in &created {
            self.create_pod(pod);
        }
        for victim in victims {
            self.delete_pod(victim, PodEnd::Deleted, EniFate::Normal);
        }
        self.schedule_pending();
        created
    }

    /// Files a new pending pod, in a reused slot if one is free, and returns its id.
    pub(super) fn new_pod(&mut self, workload: u32, serial: u32, static_ip: bool) -> u32 {
        let pod = Pod::new(workload, serial, self.pod_seq, static_ip, self.now());
        self.pod_seq += 1;
        match self.unused_pod_ids.pop() {
            Some(id) => {
                *self.pods.touch(id as usize) = pod;
                id
            }
            None => self.pods.push(pod) as u32,
        }
    }

    /// A new pod, already in `pods`, joins the scheduler's queue: bound to the zone of its
    /// kept ENI if it is a static-IP pod that has one.
    pub(super) fn create_pod(&mut self, pod: u32) {
        let p = &self.pods[pod as usize];
        self.metrics.pods_created += 1;
        self.gauges.pods_pending += 1;
        let placement = match self.claims.get(&(p.workload, p.serial)) {
            Some(eni) => Placement::Zone(self.eni_zone(*eni)),
            None => Placement::AnyZone,
        };
        let pods = &self.pods;
        let pending = |p: u32, seq: u64| is_pending(&pods[p as usize], seq);
        self.scheduler
            .enqueue((pod, pods[pod as usize].seq), placement, pending);
    }

    /// Places pending pods, oldest first, while some node can take one. Pods still pending
    /// that never failed before get their failure reason.
    pub(super) fn schedule_pending(&mut self) {
        if self.gauges.pods_pending == 0 {
            return;
        }
        let checks_ips = self.checks_ips();
        let mut exact_room = self.offer_ip_room();
        loop {
            let pods = &self.pods;
            let next = self
                .scheduler
                .next_placeable(|p, seq| is_pending(&pods[p as usize], seq));
            let Some((pod, placement)) = next else {
                break;
            };
            let workload = self.pods[pod as usize].workload;
            let Some(node) = self.scheduler.pick_node(workload, placement) else {
                break;
            };
            if checks_ips {
                let before = self.node_ip_balance(node);
                self.place(pod, node);
                self.spend_ips(node, before, &mut exact_room);
            } else {
                self.place(pod, node);
            }
        }
        let pods = &self.pods;
        let unmarked = self.scheduler.unmarked(|p, seq| {
            let pod = &pods[p as usize];
            is_pending(pod, seq).then_some(pod.failure.is_some())
        });
        for (pod, placement) in unmarked {
            let reason = self.scheduler.failure_reason(&self.nodes, placement);
            self.pods.touch(pod as usize).failure = Some(reason);
            self.gauges.pending_by_reason[reason.index()] += 1;
            self.metrics.failed_scheduling += 1;
            *self
                .metrics
                .failures_by_reason
                .entry(reason.name())
                .or_default() += 1;
        }
    }

    /// A pending pod is placed or deleted: it leaves the pending counts.
    fn leave_pending(&mut self, pod: u32) {
        self.gauges.pods_pending -= 1;
        if let Some(reason) = self.pods[pod as usize].failure {
            self.gauges.pending_by_reason[reason.index()] -= 1;
        }
    }

    /// Puts a pod on a node. A static-IP pod with a kept ENI gets that ENI attached here;
    /// any other pod takes an idle ENI of the pool at once, or waits for the next to attach.
    fn place(&mut self, pod: u32, node: u32) {
        let now = self.now();
        let p = self.pods.touch(pod as usize);
        p.state = PodState::WaitingEni;
        p.node = Some(node);
        p.scheduled_at.set(now);
        let (workload, serial) = (p.workload, p.serial);
        self.leave_pending(pod);
        self.gauges.pods_waiting_eni += 1;
        let zone = self.nodes[node as usize].zone;
        let history = self.policy_of(node).history();
        let share = self.share_before(node);
        let n = self.nodes.touch(node as usize);
        n.pods.push(pod);
        n.record_arrival(now, history);
        self.reshare(node, share);
        self.scheduler.count(workload, zone, true);
        self.scheduler.refresh(node, &self.nodes[node as usize]);
        if let Some(&eni) = self.claims.get(&(workload, serial)) {
            self.reattach(pod, node, eni);
        } else if let Some(eni) = self.take_idle(node) {
            self.pods.touch(pod as usize).from_pool = true;
            self.metrics.pool_hits += 1;
            self.start_pod(pod, eni);
        } else {
            self.nodes.touch(node as usize).waiting.push_back(pod);
            self.pod_needs_eni(pod);
        }
        self.reconcile_node(node);
    }

    /// Binds a static-IP pod's kept ENI to the pod's new node, which counts it as bound from
    /// now on: attached now if it is detached; otherwise its call in flight completes first
    /// (a detach from its previous node, or an attach to the node its previous incarnation
    /// was on), and the ENI comes here from there.
    fn reattach(&mut self, pod: u32, node: u32, eni: EniId) {
        let address = self.eni_address(eni);
        let p = self.pods.touch(pod as usize);
        p.eni = Some(eni);
        p.address = address;
        self.nodes.touch(node as usize).bound += 1;
        self.count_bound(node, 1);
        let e = self.enis.touch(eni.0 as usize);
        e.pod = Some(pod);
        e.retained_since.clear();
        let detached = e.state == EniState::Detached;
        self.restart_provisioning(eni, node);
        self.owned_by_pod(eni, pod);
        if detached {
            self.gauges.enis_retained -= 1;
            self.gauges.enis_in_flight += 1;
            self.start_attach(eni, node);
        } else {
            self.enter_phase(eni, Phase::Api);
        }
    }

    /// Takes the idle ENI the policy picks, if the node has any.
    fn take_idle(&mut self, node: u32) -> Option<EniId> {
        if self.nodes[node as usize].idle.is_empty() {
            return None;
        }
        let p = self.group_policy[self.group_of(node)];
        let i = self.policies[p].pick_idle(&self.nodes[node as usize].idle_since);
        let eni = self.nodes.touch(node as usize).take_idle_at(i);
        self.count_idle(node, -1);
        Some(eni)
    }

    /// Hands idle ENIs to pods of the node that wait for one, first come first served.
    pub(super) fn serve_waiting(&mut self, node: u32) {
        if !self.nodes[node as usize].alive {
            return;
        }
        while let Some(&pod) = self.nodes[node as usize].waiting.front() {
            let Some(eni) = self.take_idle(node) else {
                break;
            };
            self.nodes.touch(node as usize).waiting.pop_front();
            self.start_pod(pod, eni);
        }
    }

    /// A placed pod gets its ENI and runs. A static-IP pod's first ENI is kept for its name
    /// from now on; a pod that got its name's kept ENI back counts as a re-attachment.
    pub(super) fn start_pod(&mut self, pod: u32, eni: EniId) {
        let now = self.now();
        let address = self.eni_address(eni);
        let p = self.pods.touch(pod as usize);
        p.state = PodState::Running;
        p.eni = Some(eni);
        p.address = address;
        p.ready_at.set(now);
        let name = (p.workload, p.serial);
        let scheduled = p.scheduled_at.get().unwrap_or(now);
        let latency = now.since(scheduled);
        let node = p.node.expect("a starting pod is placed");
        let (static_ip, from_pool) = (p.static_ip, p.from_pool);
        self.count_startup(pod, node, eni, scheduled);
        let e = self.enis.touch(eni.0 as usize);
        e.pod = Some(pod);
        e.pods_served += 1;
        // A name's kept ENI comes back to any pod of that name, whatever the pod's own
        // static_ip says (a trace row may leave it empty): that is a re-attachment.
        if e.claim.is_some() {
            self.metrics.static_reattached += 1;
        } else if static_ip {
            e.claim = Some(name);
            if self.claims.insert(name, eni).is_none() {
                self.hold_name(name);
            }
        }
        let latencies = if from_pool {
            self.gauges.hits_since_sample += 1;
            &mut self.metrics.startup_hit_ms
        } else {
            &mut self.metrics.startup_miss_ms
        };
        latencies.push(latency.as_millis());
        self.gauges.started_since_sample += 1;
        if latency > self.sc.policy.eni_timeout {
            self.metrics.eni_timeouts += 1;
        }
        self.metrics.pods_started += 1;
        if let Some(node) = self.pods[pod as usize].node {
            let g = &mut self.metrics.groups[self.nodes[node as usize].group];
            g.pods_started += 1;
            g.pool_hits += u64::from(from_pool);
            g.startup_ms.push(latency.as_millis());
        }
        self.gauges.pods_waiting_eni -= 1;
        self.gauges.pods_running += 1;
        self.rolling_progress(name.0, pod);
    }

    /// Takes a placed pod off its node: the pod's counts go, and its ENI (if it has one)
    /// goes where `fate` says. Returns the pod's former state.
    fn unplace(&mut self, pod: u32, fate: EniFate) -> PodState {
        let now = self.now();
        let p = &self.pods[pod as usize];
        let (state, eni, workload) = (p.state, p.eni, p.workload);
        let node = p.node.expect("a placed pod has a node");
        if state == PodState::WaitingEni {
            self.gauges.pods_waiting_eni -= 1;
            if now.since(p.scheduled_at.get().unwrap_or(now)) > self.sc.policy.eni_timeout {
                self.metrics.eni_timeouts += 1;
            }
        } else {
            self.gauges.pods_running -= 1;
        }
        let zone = self.nodes[node as usize].zone;
        let share = self.share_before(node);
        self.nodes.touch(node as usize).remove_pod(pod);
        if self.planted != Some(super::PlantedBug::LeavingPodStaysInGroupSums) {
            self.reshare(node, share);
        }
        self.scheduler.count(workload, zone, false);
        if let Some(eni) = eni {
            self.free_eni(eni, node, state == PodState::Running, fate);
        }
        self.scheduler.refresh(node, &self.nodes[node as usize]);
        state
    }

    /// Deletes a pod. Writes the pod's row.
    pub(super) fn delete_pod(&mut self, pod: u32, end: PodEnd, fate: EniFate) {
        let now = self.now();
        let state = self.pods[pod as usize].state;
        if matches!(state, PodState::WaitingEni | PodState::Running) {
            let node = self.pods[pod as usize].node.expect("placed");
            self.unplace(pod, fate);
            self.serve_waiting(node);
            self.reconcile_node(node);
        } else if state == PodState::Pending {
            self.leave_pending(pod);
        }
        let p = self.pods.touch(pod as usize);
        p.state = PodState::Terminated;
        if p.deleted_at.is_none() {
            p.deleted_at.set(now);
        }
        p.end.get_or_insert(end);
        let w = p.workload;
        if let Some(c) = self.controllers[w as usize].as_mut() {
            c.live.swap_remove(&pod);
        }
        // A replacement a rolling restart waited for is gone: the restart goes on.
        self.rolling_progress(w, pod);
        self.write_pod_row(pod);
        if state != PodState::Terminated {
            let serial = self.pods[pod as usize].serial;
            self.release_name((w, serial));
        }
    }

    /// A crashed node's pod: it stops at once, but its controller only learns it at
    /// detection time ([`Simulation::crash_detected`]).
    pub(super) fn lose_pod(&mut self, pod: u32) {
        self.unplace(pod, EniFate::WithNode);
        let p = self.pods.touch(pod as usize);
        p.state = PodState::Lost;
        p.deleted_at.set(self.queue.now());
        p.end = Some(PodEnd::NodeCrashed);
    }

    /// Starts a workload's rolling restart.
    pub(super) fn start_rolling(&mut self, w: u32) {
        if let Some(c) = self.controllers[w as usize].as_mut() {
            c.start_rolling(&self.pods);
            self.rolling_step(w);
        }
    }

    /// Replaces the next pod of a rolling restart: deletes it, and waits for its replacement
    /// (same name for a StatefulSet) to run.
    pub(super) fn rolling_step(&mut self, w: u32) {
        loop {
            let Some(c) = self.controllers[w as usize].as_mut() else {
                return;
            };
            let Some(rolling) = c.rolling.as_mut() else {
                return;
            };
            if rolling.waiting_for.is_some() {
                return;
            }
            let Some(old) = rolling.remaining.pop() else {
                c.rolling = None;
                return;
            };
            if !c.live.contains(&old) {
                continue;
            }
            self.delete_pod(old, PodEnd::Restarted, EniFate::Normal);
            let created = self.reconcile_workload(w);
            let rolling = self.controllers[w as usize]
                .as_mut()
                .and_then(|c| c.rolling.as_mut());
            if let (Some(r), Some(&new)) = (rolling, created.last()) {
                if self.pods[new as usize].state != PodState::Running {
                    r.waiting_for = Some(new);
                    return;
                }
            }
        }
    }

    /// A pod started: if a rolling restart waited for it, the restart goes on.
    fn rolling_progress(&mut self, w: u32, pod: u32) {
        let rolling = self.controllers[w as usize]
            .as_mut()
            .and_then(|c| c.rolling.as_mut());
        if let Some(r) = rolling.filter(|r| r.waiting_for == Some(pod)) {
            r.waiting_for = None;
            let now = self.now();
            self.queue.schedule(now, Event::RollingStep(w));
        }
    }

    /// Streams one pod's row.
    pub(super) fn write_pod_row(&mut self, pod: u32) {
        if !self.rows {
            return;
        }
        let p = &self.pods[pod as usize];
        let node = p.node.map(|n| &self.nodes[n as usize]);
        let source = self.sources[p.workload as usize].as_ref();
        let row = PodRow {
            name: source.and_then(|s| s.name(p.serial)),
            workload: &self.sc.workloads[p.workload as usize].name,
            serial: p.serial,
            node: p.node.map(|n| node_name(&self.nodes, &self.sc, n)),
            zone: node.map(|n| self.zones[n.zone].as_str()),
            ip: p.address,
            created: p.created_at,
            scheduled: p.scheduled_at.get(),
            ready: p.ready_at.get(),
            deleted: p.deleted_at.get(),
            from_pool: p.from_pool,
            failure: p.failure.map(|f| f.name()),
            end: p.end.map(|e| e.name()),
        };
        self.sink.pod(&row);
    }
}

/// True if `pod` is the pending pod `seq`-th in creation order (not a later pod that reuses
/// the record of one that was pending).
fn is_pending(pod: &Pod, seq: u64) -> bool {
    pod.seq == seq && pod.state == PodState::Pending
}
