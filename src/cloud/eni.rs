//! Elastic network interfaces as the VPC sees them.

use super::subnet::SubnetId;
use crate::engine::{SimTime, Stamp};

/// Dense index of an ENI, in creation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EniId(pub u32);

/// Where an ENI is in its create -> attach -> detach -> delete lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EniState {
    /// CreateNetworkInterface in flight.
    Creating,
    /// AttachNetworkInterface in flight.
    Attaching,
    /// Attached to its node (idle in the pool, or in a pod).
    Attached,
    /// Exists unattached: a static-IP pod's ENI kept for its name.
    Detached,
    /// DetachNetworkInterface in flight.
    Detaching,
    /// DeleteNetworkInterface in flight.
    Deleting,
    /// Gone from the VPC; its address is free again.
    Deleted,
    /// Never existed: its CreateNetworkInterface failed; the id awaits the next create.
    Failed,
}

impl EniState {
    /// The state as written in enis.csv.
    pub fn name(self) -> &'static str {
        match self {
            EniState::Creating => "creating",
            EniState::Attaching => "attaching",
            EniState::Attached => "attached",
            EniState::Detached => "retained",
            EniState::Detaching => "detaching",
            EniState::Deleting => "deleting",
            EniState::Deleted => "deleted",
            EniState::Failed => "create_failed",
        }
    }

    /// True while an API call on the ENI is in flight.
    pub fn in_flight(self) -> bool {
        matches!(
            self,
            EniState::Creating | EniState::Attaching | EniState::Detaching | EniState::Deleting
        )
    }
}

/// One ENI: its address, where it is bound and its lifecycle timestamps.
#[derive(Clone, Debug)]
pub struct Eni {
    /// Its number in outputs: ENIs are numbered in the order they are created. A record reused
    /// after a failed create (no ENI came of it) keeps its number; one reused after its ENI
    /// was deleted gets the next.
    pub number: u32,
    /// The subnet its address comes from.
    pub subnet: SubnetId,
    /// Offset of its address in the subnet, once the VPC gave it one.
    pub ip_offset: Option<u32>,
    /// The node it is bound to, or was bound to last (dense node index).
    pub node: u32,
    /// Lifecycle state.
    pub state: EniState,
    /// When creation was requested.
    pub created_at: SimTime,
    /// When it was first attached.
    pub attached_at: Stamp,
    /// When the policy released it (or its node went away).
    pub released_at: Stamp,
    /// When it was deleted.
    pub deleted_at: Stamp,
    /// Pods that used it.
    pub pods_served: u32,
    /// The pod using it now, or the pod it is being attached for (dense pod index).
    pub pod: Option<u32>,
    /// The static-IP pod name (workload, serial) it is kept for, if any.
    pub claim: Option<(u32, u32)>,
    /// When the last pod of its claim ended: its retention runs from then.
    pub retained_since: Stamp,
    /// Since when it has existed unknown to the controller (its create's answer was lost).
    pub orphan_since: Stamp,
}

impl Eni {
    /// A new ENI, numbered `number`, being created for `node` in `subnet`.
    pub fn new(number: u32, subnet: SubnetId, node: u32, now: SimTime) -> Self {
        Eni {
            number,
            subnet,
            ip_offset: None,
            node,
            state: EniState::Creating,
            created_at: now,
            attached_at: Stamp::NONE,
            released_at: Stamp::NONE,
            deleted_at: Stamp::NONE,
            pods_served: 0,
            pod: None,
            claim: None,
            retained_since: Stamp::NONE,
            orphan_since: Stamp::NONE,
        }
    }
}
