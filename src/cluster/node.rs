//! Nodes and their exclusive-ENI pool.

use crate::cloud::eni::EniId;
use crate::engine::SimTime;
use crate::policy::NodeView;
use smallvec::SmallVec;
use std::collections::VecDeque;

/// Pods a node record holds without a separate allocation: the exclusive-ENI pods of most
/// instance types (`enisim instance-types`: 39 at most but for the smallest sizes' 4, 9, 19).
pub const INLINE_PODS: usize = 39;
/// Idle ENIs a node record holds without a separate allocation.
pub const INLINE_IDLE: usize = 8;
/// Surplus ENIs whose start a node record holds without a separate allocation.
pub const INLINE_SURPLUS: usize = 4;

/// One node of a node group.
///
/// Laid out in this order on purpose: what the policy's view, placing or removing a pod and
/// the samples read (its life, limits, warm values and counts, then its idle ENIs, waiting
/// pods, surplus and pods) comes first, within the first 384 bytes that the event loop
/// fetches ahead (all of it for up to 32 pods); the histories come last.
#[derive(Clone, Debug)]
#[repr(C)]
pub struct Node {
    /// False once deleted.
    pub alive: bool,
    /// Pods with exclusive ENI its instance type allows.
    pub eni_pods: u32,
    /// The `direct-eni-max-attach` annotation, if set.
    pub max_attach: Option<u32>,
    /// Idle ENIs to keep bound above the pods.
    pub min_warm: u32,
    /// Idle ENIs allowed before releasing.
    pub max_warm: u32,
    /// ENIs bound for pods: being created for it, attaching or attached (B).
    pub bound: u32,
    /// Of those, ENIs whose create took no address (refused or failed, not yet learned).
    pub unaddressed: u32,
    /// ENIs attached or attaching to it, checked against its limit by the VPC on attach.
    pub attached: u32,
    /// Creates for this node that failed in a row, for the backoff of the next.
    pub create_failures: u32,
    /// Position within the group, for its name `<group>-<ordinal>`.
    pub ordinal: u32,
    /// Index of its node group.
    pub group: usize,
    /// Dense index of its zone.
    pub zone: usize,
    /// Attached ENIs no pod uses (inline up to a usual warm pool).
    pub idle: SmallVec<[EniId; INLINE_IDLE]>,
    /// When each of them went idle, in the same order (what the policy sees).
    pub idle_since: SmallVec<[SimTime; INLINE_IDLE]>,
    /// Pods placed here still waiting for an ENI, first come first served.
    pub waiting: VecDeque<u32>,
    /// When each ENI above `P + max_warm` became surplus, oldest first (for release delays).
    pub surplus_since: SmallVec<[SimTime; INLINE_SURPLUS]>,
    /// Pods placed on it that hold or await an ENI (P), in placement order; inline in the
    /// record up to an instance's usual limit, so placing and removing a pod touches no
    /// other memory.
    pub pods: SmallVec<[u32; INLINE_PODS]>,
    /// No new ENI is created for this node before then (backoff after a failed create).
    pub bind_after: SimTime,
    /// When it joined.
    pub created_at: SimTime,
    /// When pods were placed here, oldest first, as far back as the node's policy looks
    /// ([`crate::policy::AllocationPolicy::history`]); empty for a policy that does not.
    pub arrivals: Vec<SimTime>,
    /// After a crash: its pods, stopped but not yet known to be gone.
    pub lost: Vec<u32>,
}

impl Node {
    /// M: the ENIs this node may bind for pods.
    pub fn max_enis(&self) -> u32 {
        self.max_attach
            .map_or(self.eni_pods, |m| m.min(self.eni_pods))
    }

    /// Exclusive-ENI pod slots still free.
    pub fn free_slots(&self) -> u32 {
        self.max_enis().saturating_sub(self.pods.len() as u32)
    }

    /// What the allocation policy sees of this node.
    pub fn view(&self) -> NodeView<'_> {
        NodeView {
            pods: self.pods.len() as u32,
            bound: self.bound,
            idle: self.idle.len() as u32,
            max: self.max_enis(),
            min_warm: self.min_warm,
            max_warm: self.max_warm,
            idle_since: &self.idle_since,
            arrivals: &self.arrivals,
        }
    }

    /// What a policy's band reads of this node: [`Node::view`] without its histories, which
    /// lie on cache lines that nothing else read where a pod is placed or removed.
    pub fn band_view(&self) -> NodeView<'_> {
        NodeView {
            idle_since: &[],
            arrivals: &[],
            ..self.view()
        }
    }

    /// An attached ENI joins the idle ENIs, idle from `now`.
    pub fn push_idle(&mut self, eni: EniId, now: SimTime) {
        self.idle.push(eni);
        self.idle_since.push(now);
    }

    /// Takes the idle ENI at `index` out of the idle ENIs (the last one takes its place).
    pub fn take_idle_at(&mut self, index: usize) -> EniId {
        self.idle_since.swap_remove(index);
        self.idle.swap_remove(index)
    }

    /// Takes every idle ENI (the node goes away).
    pub fn take_all_idle(&mut self) -> Vec<EniId> {
        self.idle_since.clear();
        self.idle.drain(..).collect()
    }

    /// Records a pod placed at `now`, forgetting arrivals older than `history` (nothing is
    /// kept when the policy looks back no time at all).
    pub fn record_arrival(&mut self, now: SimTime, history: SimTime) {
        if history == SimTime::ZERO {
            return;
        }
        let kept_from = self
            .arrivals
            .iter()
            .position(|&t| now.since(t) <= history)
            .unwrap_or(self.arrivals.len());
        self.arrivals.drain(..kept_from);
        self.arrivals.push(now);
    }

    /// ENIs above `P + max_warm`.
    pub fn surplus(&self) -> u32 {
        self.bound
            .saturating_sub(self.pods.len() as u32 + self.max_warm)
    }

    /// Forgets a pod that left the node (it held or awaited an ENI here).
    pub fn remove_pod(&mut self, pod: u32) {
        if let Some(i) = self.pods.iter().position(|&p| p == pod) {
            self.pods.remove(i);
        }
        if let Some(i) = self.waiting.iter().position(|&p| p == pod) {
            self.waiting.remove(i);
        }
    }
}
