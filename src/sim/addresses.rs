//! Static IP mode's address check, as TKE's scheduler extension (tke-eni-ip-scheduler) makes
//! it: a pod that needs a new ENI is placed only in a zone whose subnets still have an address
//! that no placed pod is owed.

use super::Simulation;
use crate::policy::static_ip::StaticPolicy;
use crate::scenario::model::PolicyMode;

impl Simulation<'_> {
    /// True when the scheduler checks addresses: static IP mode, unless
    /// `policy.ip_aware_scheduling` turns the check off. Pool mode runs no extension.
    pub(super) fn checks_ips(&self) -> bool {
        self.sc.policy.mode == PolicyMode::Static && self.sc.policy.ip_aware_scheduling
    }

    /// Addresses a live node will still take for the pods placed on it.
    pub(super) fn addresses_owed(&self, node: u32) -> u64 {
        let n = &self.nodes[node as usize];
        if !n.alive {
            return 0;
        }
        u64::from(StaticPolicy::addresses_owed(&n.view(), n.unaddressed))
    }

    /// Free addresses over a zone's subnets.
    pub(super) fn zone_free_ips(&self, zone: usize) -> u64 {
        self.zone_subnets[zone]
            .iter()
            .map(|s| u64::from(self.subnets[s.0 as usize].free_ips()))
            .sum()
    }

    /// Per zone: its free addresses less those its nodes are owed, what the scheduler may
    /// still promise to pods that need a new ENI.
    pub(super) fn ip_room(&self) -> Vec<u64> {
        let mut owed = vec![0u64; self.zones.len()];
        for (id, n) in (0u32..).zip(&self.nodes) {
            owed[n.zone] += self.addresses_owed(id);
        }
        (0..self.zones.len())
            .map(|z| self.zone_free_ips(z).saturating_sub(owed[z]))
            .collect()
    }

    /// A zone's free addresses and what its node `node` is owed: what placing a pod on the
    /// node may change.
    pub(super) fn node_ip_balance(&self, node: u32) -> (u64, u64) {
        let zone = self.nodes[node as usize].zone;
        (self.zone_free_ips(zone), self.addresses_owed(node))
    }
}
