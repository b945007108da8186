//! THE allocation policy: pure decisions on a node's counts. The policy decides, the
//! simulator executes: a policy never touches the event queue, the fake VPC or another part's
//! random stream, so it can be tested alone and swapped for a variant behind this boundary.

pub mod adaptive;
pub mod family;
pub mod on_demand;
pub mod pool;
pub mod reclaim;
pub mod static_ip;

use crate::engine::SimTime;

/// Every policy family `policy.mode` can name, in the order errors list them. Adding a family
/// is one new file (its policy, its settings and its [`family::Family`]) and one line here.
pub const FAMILIES: &[family::Family] = &[
    pool::FAMILY,
    static_ip::FAMILY,
    reclaim::FAMILY,
    on_demand::FAMILY,
    adaptive::FAMILY,
];

/// What the policy sees of one node: its counts, and what a policy that looks further back
/// needs (when each idle ENI went idle, when pods arrived). Built by the simulator; a policy
/// never reads the simulator's state any other way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeView<'a> {
    /// P: pods on the node that hold or await an exclusive ENI.
    pub pods: u32,
    /// B: ENIs bound to the node for pods (being created for it, attaching, or attached).
    pub bound: u32,
    /// Attached ENIs that no pod uses.
    pub idle: u32,
    /// M: ENIs the node may bind for pods (instance limit, lowered by `max_attach`).
    pub max: u32,
    /// The node's min_warm.
    pub min_warm: u32,
    /// The node's max_warm.
    pub max_warm: u32,
    /// When each idle ENI became idle, in the order of the node's idle list (`idle` entries).
    pub idle_since: &'a [SimTime],
    /// When pods were placed on the node, oldest first, reaching back at least the policy's
    /// [`AllocationPolicy::history`] (older entries may remain).
    pub arrivals: &'a [SimTime],
}

/// What the policy wants done on a node now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeDecision {
    /// ENIs to create and attach.
    pub bind: u32,
    /// Idle ENIs to release (detach, then delete).
    pub release: u32,
    /// When the policy wants to be asked again (its release pacing), if at all.
    pub wake_at: Option<SimTime>,
}

/// The bound ENIs (B) a policy aims for on a node: at least `low`, at most `high`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Band {
    /// Below this the policy binds ENIs.
    pub low: u32,
    /// Above this the policy releases ENIs (paced or at once).
    pub high: u32,
}

impl Band {
    /// From min(P + `low`, M) up to min(P + `high`, M), never below the first: a band of
    /// warm ENIs over the node's pods, within what it may bind.
    pub fn over_pods(view: &NodeView, low: u32, high: u32) -> Band {
        let low_bound = (view.pods + low).min(view.max);
        Band {
            low: low_bound,
            high: (view.pods + high).min(view.max).max(low_bound),
        }
    }
}

/// A candidate subnet for a new ENI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubnetView {
    /// Free addresses, as the policy last knew them.
    pub free_ips: u32,
    /// True while the subnet is left out after answering `ResourceInsufficient`.
    pub cooling: bool,
}

/// An allocation policy behind the boundary the simulator drives.
pub trait AllocationPolicy {
    /// Decides binds and releases for `node` at `now`. Called whenever the node's counts
    /// change and when a wake-up it asked for comes due.
    fn decide(&mut self, node: usize, view: &NodeView, now: SimTime) -> NodeDecision;

    /// The range of B the policy steers a node into: it binds while B is below the first
    /// bound and releases while B is above the second. What the report's band chart draws.
    /// It reads the view's counts, limit and warm values, never its histories (`idle_since`,
    /// `arrivals`): the node groups' sums recompute it where those change, from a view
    /// without histories (`sim/group_sums.rs`; a checked run compares them with the full
    /// views' sums at every sample).
    fn band(&self, view: &NodeView) -> Band;

    /// True (the default) if a pod's ENI goes back to its node's pool when the pod ends;
    /// false if it is released at once (static mode).
    fn keeps_freed_enis(&self) -> bool {
        true
    }

    /// Picks which idle ENI a new pod gets: an index into `idle_since` (when each of the
    /// node's idle ENIs went idle; never empty). By default the one idle the shortest, so the
    /// longest idle are the first a release by idle time finds.
    fn pick_idle(&mut self, idle_since: &[SimTime]) -> usize {
        shortest_idle(idle_since)
    }

    /// Picks which idle ENI a release takes: an index into `idle_since` (never empty). By
    /// default the last of the node's idle list, as TKE's pool model always did.
    fn pick_release(&mut self, idle_since: &[SimTime]) -> usize {
        idle_since.len() - 1
    }

    /// How far back the policy looks at pod arrivals ([`NodeView::arrivals`]); zero (the
    /// default) and the simulator keeps no arrival history for its nodes.
    fn history(&self) -> SimTime {
        SimTime::ZERO
    }

    /// Picks the subnet (an index into `candidates`, the node zone's subnets in file order) for
    /// a new ENI, or `None` if none can take one. By default TKE's choice,
    /// [`most_free_subnet`].
    fn choose_subnet(&self, candidates: &[SubnetView]) -> Option<usize> {
        most_free_subnet(candidates)
    }
}

/// TKE's subnet choice for a new ENI: the subnet with the most free addresses, ties to the
/// first in the file, leaving out subnets cooling down after `ResourceInsufficient`; `None` if
/// every candidate is cooling. A full subnet is still tried: the VPC's answer is what tells the
/// policy it is exhausted.
pub fn most_free_subnet(candidates: &[SubnetView]) -> Option<usize> {
    candidates
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.cooling)
        .fold(None, |best: Option<(usize, u32)>, (i, s)| match best {
            Some((_, free)) if free >= s.free_ips => best,
            _ => Some((i, s.free_ips)),
        })
        .map(|(i, _)| i)
}

/// The index of the ENI idle the longest (the first of equals): what a policy that reclaims
/// by idle time releases first.
pub fn longest_idle(idle_since: &[SimTime]) -> usize {
    idle_since
        .iter()
        .enumerate()
        .min_by_key(|&(i, t)| (*t, i))
        .map_or(0, |(i, _)| i)
}

/// The index of the ENI idle the shortest (the last of equals): what a policy that hands out
/// the freshest ENI picks.
pub fn shortest_idle(idle_since: &[SimTime]) -> usize {
    idle_since
        .iter()
        .enumerate()
        .max_by_key(|&(i, t)| (*t, i))
        .map_or(0, |(i, _)| i)
}

/// A node view for policy tests: `max` 39, min_warm 1, max_warm 3, no history.
#[cfg(test)]
pub(crate) fn test_view(pods: u32, bound: u32, idle: u32) -> NodeView<'static> {
    NodeView {
        pods,
        bound,
        idle,
        max: 39,
        min_warm: 1,
        max_warm: 3,
        idle_since: &[],
        arrivals: &[],
    }
}
