//! Pods and why they could not run.

use crate::cloud::eni::EniId;
use crate::engine::{SimTime, Stamp};
use std::net::Ipv4Addr;

/// Where a pod is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PodState {
    /// Not yet placed on a node.
    Pending,
    /// Placed on a node, waiting for its ENI.
    WaitingEni,
    /// Its node crashed; Kubernetes has not noticed yet.
    Lost,
    /// Has its ENI.
    Running,
    /// Deleted.
    Terminated,
}

/// Why the scheduler could not place a pod, as written in pods.csv and counted in
/// summary.json.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SchedulingFailure {
    /// No node exists.
    NoNodes,
    /// Every node with room is in a zone without a container subnet.
    NoSubnetInZone,
    /// Every node in a zone with a subnet has all its exclusive-ENI slots taken.
    NoFreeEniSlot,
    /// The pod's kept IP is in a zone with no node.
    NoNodeInIpZone,
    /// The pod's kept IP is in a zone whose nodes have no free exclusive-ENI slot.
    IpZoneFull,
    /// Static IP mode: the pod needs a new ENI, and every node with a free slot is in a zone
    /// whose subnets have no address left that is not already promised to another pod.
    NoFreeIpInZone,
}

impl SchedulingFailure {
    /// Every reason, in the order of their timeseries.csv columns.
    pub const ALL: [SchedulingFailure; 6] = [
        SchedulingFailure::NoNodes,
        SchedulingFailure::NoSubnetInZone,
        SchedulingFailure::NoFreeEniSlot,
        SchedulingFailure::NoNodeInIpZone,
        SchedulingFailure::IpZoneFull,
        SchedulingFailure::NoFreeIpInZone,
    ];

    /// The reason's place in [`SchedulingFailure::ALL`], for per-reason counts.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The reason as written in outputs.
    pub fn name(self) -> &'static str {
        match self {
            SchedulingFailure::NoNodes => "no_nodes",
            SchedulingFailure::NoSubnetInZone => "no_subnet_in_zone",
            SchedulingFailure::NoFreeEniSlot => "no_free_eni_slot",
            SchedulingFailure::NoNodeInIpZone => "no_node_in_ip_zone",
            SchedulingFailure::IpZoneFull => "ip_zone_full",
            SchedulingFailure::NoFreeIpInZone => "no_free_ip_in_zone",
        }
    }
}

/// Why a pod ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodEnd {
    /// Its controller deleted it.
    Deleted,
    /// Its node was drained: it was terminated gracefully.
    NodeDrained,
    /// Its node was deleted under it.
    NodeDeleted,
    /// Its node crashed.
    NodeCrashed,
    /// A rolling restart replaced it.
    Restarted,
}

impl PodEnd {
    /// The reason as written in outputs.
    pub fn name(self) -> &'static str {
        match self {
            PodEnd::Deleted => "deleted",
            PodEnd::NodeDrained => "node_drained",
            PodEnd::NodeDeleted => "node_deleted",
            PodEnd::NodeCrashed => "node_crashed",
            PodEnd::Restarted => "restarted",
        }
    }
}

/// One incarnation of a pod.
#[derive(Clone, Debug)]
pub struct Pod {
    /// Index of its workload.
    pub workload: u32,
    /// Serial number within the workload, for its name `<workload>-<serial>`.
    pub serial: u32,
    /// Creation order over the whole run: what "oldest" and "newest" mean (pod ids are
    /// reused, so they do not say).
    pub seq: u64,
    /// Lifecycle state.
    pub state: PodState,
    /// The node it was placed on.
    pub node: Option<u32>,
    /// Its ENI, once it has one.
    pub eni: Option<EniId>,
    /// That ENI's address: what the pod's row shows, even once the ENI is gone and its
    /// record serves another.
    pub address: Option<Ipv4Addr>,
    /// True if it keeps its IP (its ENI) across incarnations.
    pub static_ip: bool,
    /// When the controller created it.
    pub created_at: SimTime,
    /// When the scheduler placed it.
    pub scheduled_at: Stamp,
    /// When it got its ENI.
    pub ready_at: Stamp,
    /// When it was deleted.
    pub deleted_at: Stamp,
    /// True if an idle ENI of the pool was waiting for it.
    pub from_pool: bool,
    /// Why the scheduler could not place it when it first tried, if it could not.
    pub failure: Option<SchedulingFailure>,
    /// Why it ended.
    pub end: Option<PodEnd>,
}

impl Pod {
    /// A new pending pod; `seq` is its place in the run's creation order.
    pub fn new(workload: u32, serial: u32, seq: u64, static_ip: bool, now: SimTime) -> Self {
        Pod {
            workload,
            serial,
            seq,
            state: PodState::Pending,
            node: None,
            eni: None,
            address: None,
            static_ip,
            created_at: now,
            scheduled_at: Stamp::NONE,
            ready_at: Stamp::NONE,
            deleted_at: Stamp::NONE,
            from_pool: false,
            failure: None,
            end: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_is_listed_at_its_index() {
        for (i, reason) in SchedulingFailure::ALL.into_iter().enumerate() {
            assert_eq!(reason.index(), i, "{}", reason.name());
        }
    }
}
