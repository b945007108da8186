//! Static IP mode's address check, as TKE's scheduler extension (tke-eni-ip-scheduler) makes
//! it: a pod that needs a new ENI is placed only in a zone whose subnets still have an address
//! that no placed pod is owed.
//!
//! A zone's room is its free addresses less those its nodes are owed. Counting what is owed
//! takes a pass over the nodes, so it is done only where addresses are scarce: each pod waiting
//! for an ENI is owed at most one address (a running pod's ENI holds its own), so a zone with
//! more free addresses than pods waiting has at least the difference, which is all the
//! scheduler needs until it runs out.

use super::Simulation;
use crate::policy::static_ip::StaticPolicy;
use crate::scenario::model::PolicyMode;

impl Simulation<'_> {
    /// True when the scheduler checks addresses: static IP mode, unless
    /// `policy.ip_aware_scheduling` turns the check off. Pool mode runs no extension.
    pub(super) fn checks_ips(&self) -> bool {
        self.sc.policy.mode == PolicyMode::Static && self.sc.policy.ip_aware_scheduling
    }

    /// Hands the scheduler each zone's room, or no check at all. Returns, per zone, whether
    /// its room is exact (rather than a lower bound); empty without the check.
    pub(super) fn offer_ip_room(&mut self) -> Vec<bool> {
        if !self.checks_ips() {
            self.scheduler.set_ip_room(None);
            return Vec::new();
        }
        let waiting = u64::from(self.gauges.pods_waiting_eni);
        let (room, exact): (Vec<u64>, Vec<bool>) = (0..self.zones.len())
            .map(|z| match self.zone_free_ips(z).checked_sub(waiting) {
                Some(lower) if lower > 0 => (lower, false),
                _ => (self.exact_ip_room(z), true),
            })
            .unzip();
        self.scheduler.set_ip_room(Some(room));
        exact
    }

    /// A zone's free addresses and what one of its nodes is owed: what placing a pod on the
    /// node may change.
    pub(super) fn node_ip_balance(&self, node: u32) -> (u64, u64) {
        let zone = self.nodes[node as usize].zone;
        (self.zone_free_ips(zone), self.addresses_owed(node))
    }

    /// Takes from the zone's room what placing a pod on `node` spent (`before`: the node's
    /// balance before the placement); a lower bound that ran out is counted exactly.
    pub(super) fn spend_ips(&mut self, node: u32, before: (u64, u64), exact: &mut [bool]) {
        let zone = self.nodes[node as usize].zone;
        let Some(room) = self.scheduler.zone_ip_room(zone) else {
            return;
        };
        let (free, owed) = before;
        let (free_after, owed_after) = self.node_ip_balance(node);
        let spent = (free + owed_after).saturating_sub(free_after + owed);
        let mut left = room.saturating_sub(spent);
        if left == 0 && !exact[zone] {
            exact[zone] = true;
            left = self.exact_ip_room(zone);
        }
        self.scheduler.set_zone_ip_room(zone, left);
    }

    /// A zone's free addresses less those its live nodes are owed (a pass over the live
    /// nodes, not every node the run has had).
    fn exact_ip_room(&self, zone: usize) -> u64 {
        let owed: u64 = self
            .group_nodes
            .iter()
            .flatten()
            .filter(|&&id| self.nodes[id as usize].zone == zone)
            .map(|&id| self.addresses_owed(id))
            .sum();
        self.zone_free_ips(zone).saturating_sub(owed)
    }

    /// Addresses a live node will still take for the pods placed on it.
    fn addresses_owed(&self, node: u32) -> u64 {
        let n = &self.nodes[node as usize];
        if !n.alive {
            return 0;
        }
        u64::from(StaticPolicy::addresses_owed(&n.view(), n.unaddressed))
    }

    /// Free addresses over a zone's subnets.
    fn zone_free_ips(&self, zone: usize) -> u64 {
        self.zone_subnets[zone]
            .iter()
            .map(|s| u64::from(self.subnets[s.0 as usize].free_ips()))
            .sum()
    }
}
