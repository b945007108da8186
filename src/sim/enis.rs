//! ENI lifecycle: carrying out the policy's decisions and the VPC calls that follow.

use super::{Call, Event, Simulation};
use crate::cloud::eni::{Eni, EniId, EniState};
use crate::cloud::vpc::Api;
use crate::cluster::node::Node;
use crate::engine::SimTime;
use crate::policy::SubnetView;
use crate::report::rows::{ApiCallRow, EniRow};
use crate::scenario::model::Scenario;
use std::net::Ipv4Addr;

impl Simulation<'_> {
    /// Asks the policy what a node needs and carries it out: binds, releases, and the
    /// wake-up it wants for release pacing.
    pub(super) fn reconcile_node(&mut self, node: u32) {
        let n = &self.nodes[node as usize];
        if !n.alive {
            return;
        }
        let now = self.now();
        let decision = self.policy.decide(node as usize, &n.view(), now);
        for _ in 0..decision.bind {
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
        self.set_release_timer(node, decision.wake_at);
    }

    /// Keeps the node's record of when each surplus ENI became surplus: new surplus is
    /// stamped now; surplus absorbed by new pods forgets the newest stamps first.
    fn track_surplus(&mut self, node: u32) {
        let now = self.now();
        let n = &mut self.nodes[node as usize];
        let surplus = n.surplus() as usize;
        n.surplus_since.truncate(surplus);
        while n.surplus_since.len() < surplus {
            n.surplus_since.push_back(now);
        }
    }

    pub(super) fn set_release_timer(&mut self, node: u32, wake_at: Option<SimTime>) {
        let idx = node as usize;
        if idx >= self.release_timers.len() {
            self.release_timers.resize(idx + 1, None);
        }
        if self.release_timers[idx].map(|(t, _)| t) == wake_at {
            return;
        }
        if let Some((_, key)) = self.release_timers[idx].take() {
            self.queue.cancel(key);
        }
        if let Some(t) = wake_at {
            let key = self.queue.schedule(t, Event::ReleaseWake(node));
            self.release_timers[idx] = Some((t, key));
        }
    }

    /// Creates an ENI for the node in the subnet the policy picks. False if no subnet of the
    /// node's zone has a free address.
    fn bind_one(&mut self, node: u32) -> bool {
        let now = self.now();
        let zone = self.nodes[node as usize].zone;
        let candidates: Vec<SubnetView> = self.zone_subnets[zone]
            .iter()
            .map(|s| SubnetView {
                free_ips: self.subnets[s.0 as usize].free_ips(),
            })
            .collect();
        let Some(choice) = self.policy.choose_subnet(&candidates) else {
            return false;
        };
        let subnet = self.zone_subnets[zone][choice];
        let Some(ip_offset) = self.subnets[subnet.0 as usize].allocate(now) else {
            return false;
        };
        self.gauges.free_ips -= 1;
        let eni = EniId(self.enis.len() as u32);
        self.enis.push(Eni {
            subnet,
            ip_offset,
            node,
            state: EniState::Creating,
            created_at: now,
            attached_at: None,
            released_at: None,
            deleted_at: None,
            pods_served: 0,
            pod: None,
        });
        self.nodes[node as usize].bound += 1;
        self.metrics.bound.add(1, now);
        self.gauges.enis_total += 1;
        self.gauges.enis_in_flight += 1;
        self.submit(Api::Create, eni);
        true
    }

    /// Releases one idle ENI of the node: detach, then delete.
    fn release_one(&mut self, node: u32) {
        let now = self.now();
        let n = &mut self.nodes[node as usize];
        let Some(eni) = n.idle.pop() else {
            return;
        };
        n.bound -= 1;
        let since = n.surplus_since.pop_front().unwrap_or(now);
        self.metrics
            .release_delay_ms
            .push(now.since(since).as_millis());
        self.metrics.releases += 1;
        self.metrics.idle.add(-1, now);
        self.metrics.bound.add(-1, now);
        self.gauges.enis_in_flight += 1;
        let e = &mut self.enis[eni.0 as usize];
        e.released_at = Some(now);
        e.state = EniState::Detaching;
        self.submit(Api::Detach, eni);
    }

    /// Issues a VPC call on an ENI; its completion comes back as an event.
    pub(super) fn submit(&mut self, api: Api, eni: EniId) {
        let now = self.now();
        let outcome = self.vpc.submit(api, now);
        let call = Call {
            api,
            eni,
            node: self.enis[eni.0 as usize].node,
            issued: now,
            seq: self.call_seq,
        };
        self.call_seq += 1;
        let slot = match self.free_call_slots.pop() {
            Some(s) => {
                self.calls[s as usize] = Some(call);
                s
            }
            None => {
                self.calls.push(Some(call));
                self.calls.len() as u32 - 1
            }
        };
        *self.metrics.api_calls.entry(api).or_default() += 1;
        self.gauges.api_calls_since_sample += 1;
        self.queue
            .schedule(outcome.completes_at, Event::ApiDone(slot));
    }

    /// A VPC call completed: move the ENI to its next step.
    pub(super) fn complete_call(&mut self, slot: u32) {
        let Some(call) = self.calls[slot as usize].take() else {
            return;
        };
        self.free_call_slots.push(slot);
        let now = self.now();
        self.write_call_row(&call, now.since(call.issued), "ok");
        let eni = call.eni;
        let node = self.enis[eni.0 as usize].node;
        let alive = self.nodes[node as usize].alive;
        match call.api {
            Api::Create => {
                self.metrics.enis_created += 1;
                if alive {
                    self.enis[eni.0 as usize].state = EniState::Attaching;
                    self.submit(Api::Attach, eni);
                } else {
                    self.start_delete(eni);
                }
            }
            Api::Attach => {
                self.metrics.enis_attached += 1;
                self.enis[eni.0 as usize].attached_at.get_or_insert(now);
                if alive {
                    self.enis[eni.0 as usize].state = EniState::Attached;
                    self.gauges.enis_in_flight -= 1;
                    self.nodes[node as usize].idle.push(eni);
                    self.metrics.idle.add(1, now);
                    self.serve_waiting(node);
                    self.reconcile_node(node);
                } else {
                    // Attached to an instance that is gone: it came off with the instance.
                    self.metrics.enis_detached += 1;
                    self.start_delete(eni);
                }
            }
            Api::Detach => {
                self.metrics.enis_detached += 1;
                self.start_delete(eni);
            }
            Api::Delete => self.finish_delete(eni),
        }
    }

    /// Issues the delete of an ENI that is off its node.
    pub(super) fn start_delete(&mut self, eni: EniId) {
        let e = &mut self.enis[eni.0 as usize];
        e.released_at.get_or_insert(self.queue.now());
        e.state = EniState::Deleting;
        self.submit(Api::Delete, eni);
    }

    /// The ENI is gone: its address is free again, and nodes that could not bind for want of
    /// one try again.
    fn finish_delete(&mut self, eni: EniId) {
        let now = self.now();
        self.metrics.enis_deleted += 1;
        self.gauges.enis_in_flight -= 1;
        self.gauges.enis_total -= 1;
        self.gauges.free_ips += 1;
        let e = &mut self.enis[eni.0 as usize];
        e.state = EniState::Deleted;
        e.deleted_at = Some(now);
        let (subnet, offset) = (e.subnet, e.ip_offset);
        self.subnets[subnet.0 as usize].release(offset, now);
        self.write_eni_row(eni);
        let zone = self.subnets[subnet.0 as usize].zone;
        for node in std::mem::take(&mut self.starved[zone]) {
            self.reconcile_node(node);
        }
    }

    /// The address an ENI holds.
    pub(super) fn eni_address(&self, eni: EniId) -> Ipv4Addr {
        let e = &self.enis[eni.0 as usize];
        self.subnets[e.subnet.0 as usize].address(e.ip_offset)
    }

    /// Streams one ENI's row.
    pub(super) fn write_eni_row(&mut self, eni: EniId) {
        let e = &self.enis[eni.0 as usize];
        let row = EniRow {
            eni: eni.0,
            subnet: &self.subnets[e.subnet.0 as usize].id,
            ip: self.eni_address(eni),
            node: node_name(&self.nodes, &self.sc, e.node),
            created: e.created_at,
            attached: e.attached_at,
            released: e.released_at,
            deleted: e.deleted_at,
            pods_served: e.pods_served,
            state: e.state.name(),
        };
        self.sink.eni(&row);
    }

    /// Streams one call's row.
    pub(super) fn write_call_row(&mut self, call: &Call, latency: SimTime, result: &'static str) {
        let row = ApiCallRow {
            issued: call.issued,
            api: call.api.name(),
            node: node_name(&self.nodes, &self.sc, call.node),
            eni: call.eni.0,
            latency,
            result,
        };
        self.sink.api_call(&row);
    }
}

/// A node's name as written in outputs: its group's name and its ordinal.
pub(super) fn node_name<'s>(nodes: &'s [Node], sc: &'s Scenario, node: u32) -> (&'s str, u32) {
    let n = &nodes[node as usize];
    (sc.node_groups[n.group].name.as_str(), n.ordinal)
}
