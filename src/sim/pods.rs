//! Pod lifecycle: the deployment controller, the scheduler's placements and pod deletion.

use super::enis::node_name;
use super::Simulation;
use crate::cloud::eni::EniId;
use crate::cluster::pod::{Pod, PodEnd, PodState};
use crate::report::rows::PodRow;

impl Simulation<'_> {
    /// Brings a workload to its desired replica count: creates missing pods, deletes excess
    /// ones, then lets the scheduler place what it can.
    pub(super) fn reconcile_workload(&mut self, w: u32) {
        let now = self.now();
        let d = &mut self.deployments[w as usize];
        while (d.live.len() as u32) < d.desired {
            let id = self.pods.len() as u32;
            self.pods.push(Pod::new(w, d.next_serial, now));
            d.next_serial += 1;
            d.live.insert(id);
            self.metrics.pods_created += 1;
            self.gauges.pods_pending += 1;
            self.scheduler.pending.push_back(id);
        }
        for victim in d.victims(&self.pods) {
            self.delete_pod(victim, PodEnd::Deleted);
        }
        self.schedule_pending();
    }

    /// Places pending pods, oldest first, while some node can take one. Pods still pending
    /// afterwards that never failed before are counted as scheduling failures.
    pub(super) fn schedule_pending(&mut self) {
        while let Some(&pod) = self.scheduler.pending.front() {
            if self.pods[pod as usize].state != PodState::Pending {
                self.scheduler.pending.pop_front();
                continue;
            }
            let Some(node) = self.scheduler.pick_node() else {
                break;
            };
            self.scheduler.pending.pop_front();
            self.place(pod, node);
        }
        if self.scheduler.pending.is_empty() {
            return;
        }
        let reason = self.scheduler.failure_reason(&self.nodes);
        // Newly failed pods sit at the back of the queue; stop at the first that already failed.
        for &pod in self.scheduler.pending.iter().rev() {
            let p = &mut self.pods[pod as usize];
            if p.state != PodState::Pending {
                continue;
            }
            if p.failure.is_some() {
                break;
            }
            p.failure = Some(reason);
            self.metrics.failed_scheduling += 1;
            *self
                .metrics
                .failures_by_reason
                .entry(reason.name())
                .or_default() += 1;
        }
    }

    /// Puts a pod on a node: it takes an idle ENI of the pool at once if there is one, or
    /// waits for the next ENI that attaches.
    fn place(&mut self, pod: u32, node: u32) {
        let now = self.now();
        let p = &mut self.pods[pod as usize];
        p.state = PodState::WaitingEni;
        p.node = Some(node);
        p.scheduled_at = Some(now);
        self.gauges.pods_pending -= 1;
        self.gauges.pods_waiting_eni += 1;
        let n = &mut self.nodes[node as usize];
        n.pods.push(pod);
        self.scheduler.refresh(node, &self.nodes[node as usize]);
        if let Some(eni) = self.take_idle(node) {
            self.pods[pod as usize].from_pool = true;
            self.metrics.pool_hits += 1;
            self.start_pod(pod, eni);
        } else {
            self.nodes[node as usize].waiting.push_back(pod);
        }
        self.reconcile_node(node);
    }

    /// Takes the idle ENI the policy picks, if the node has any.
    fn take_idle(&mut self, node: u32) -> Option<EniId> {
        let idle = self.nodes[node as usize].idle.len();
        if idle == 0 {
            return None;
        }
        let i = self.policy.pick_idle(idle);
        let eni = self.nodes[node as usize].idle.swap_remove(i);
        self.metrics.idle.add(-1, self.now());
        Some(eni)
    }

    /// Hands idle ENIs to pods of the node that wait for one, first come first served.
    pub(super) fn serve_waiting(&mut self, node: u32) {
        while let Some(&pod) = self.nodes[node as usize].waiting.front() {
            let Some(eni) = self.take_idle(node) else {
                break;
            };
            self.nodes[node as usize].waiting.pop_front();
            self.start_pod(pod, eni);
        }
    }

    /// A placed pod gets its ENI and runs.
    fn start_pod(&mut self, pod: u32, eni: EniId) {
        let now = self.now();
        let e = &mut self.enis[eni.0 as usize];
        e.pod = Some(pod);
        e.pods_served += 1;
        let p = &mut self.pods[pod as usize];
        p.state = PodState::Running;
        p.eni = Some(eni);
        p.ready_at = Some(now);
        let latency = now.since(p.scheduled_at.unwrap_or(now));
        self.metrics.startup_ms.push(latency.as_millis());
        if latency > self.sc.policy.eni_timeout {
            self.metrics.eni_timeouts += 1;
        }
        self.metrics.pods_started += 1;
        self.gauges.pods_waiting_eni -= 1;
        self.gauges.pods_running += 1;
    }

    /// Deletes a pod. Its ENI goes back to its node's pool; a pending pod just leaves the
    /// queue. Writes the pod's row.
    pub(super) fn delete_pod(&mut self, pod: u32, end: PodEnd) {
        let now = self.now();
        let p = &mut self.pods[pod as usize];
        let state = p.state;
        p.state = PodState::Terminated;
        p.deleted_at = Some(now);
        p.end = Some(end);
        self.deployments[p.workload as usize].live.swap_remove(&pod);
        match state {
            PodState::Pending => self.gauges.pods_pending -= 1,
            PodState::WaitingEni | PodState::Running => {
                let node = p.node.expect("a placed pod has a node");
                let eni = p.eni;
                if state == PodState::WaitingEni {
                    self.gauges.pods_waiting_eni -= 1;
                    let waited = now.since(p.scheduled_at.unwrap_or(now));
                    if waited > self.sc.policy.eni_timeout {
                        self.metrics.eni_timeouts += 1;
                    }
                } else {
                    self.gauges.pods_running -= 1;
                }
                self.nodes[node as usize].remove_pod(pod);
                if let Some(eni) = eni {
                    self.enis[eni.0 as usize].pod = None;
                    self.nodes[node as usize].idle.push(eni);
                    self.metrics.idle.add(1, now);
                }
                self.scheduler.refresh(node, &self.nodes[node as usize]);
                self.serve_waiting(node);
                self.reconcile_node(node);
            }
            PodState::Terminated => {}
        }
        self.write_pod_row(pod);
    }

    /// Streams one pod's row.
    pub(super) fn write_pod_row(&mut self, pod: u32) {
        let p = &self.pods[pod as usize];
        let node = p.node.map(|n| &self.nodes[n as usize]);
        let row = PodRow {
            workload: &self.sc.workloads[p.workload as usize].name,
            serial: p.serial,
            node: p.node.map(|n| node_name(&self.nodes, &self.sc, n)),
            zone: node.map(|n| self.zones[n.zone].as_str()),
            ip: p.eni.map(|e| self.eni_address(e)),
            created: p.created_at,
            scheduled: p.scheduled_at,
            ready: p.ready_at,
            deleted: p.deleted_at,
            from_pool: p.from_pool,
            failure: p.failure.map(|f| f.name()),
            end: p.end.map(|e| e.name()),
        };
        self.sink.pod(&row);
    }
}
