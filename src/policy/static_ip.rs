//! TKE's static IP mode: no pool and no pre-binding. Each pod placed on a node gets an ENI
//! created and attached for it; a pod's ENI is released when the pod ends (the simulator keeps
//! a static-IP pod's ENI for its name instead).

use super::family::{Context, Family, KeyError, Settings, Table};
use super::{AllocationPolicy, Band, NodeDecision, NodeView};
use crate::engine::SimTime;
use std::sync::Arc;

/// `mode = "static"`: its keys (`static_ip_retention`, `ip_aware_scheduling`) are the
/// loader's own, as they concern the whole cluster.
pub const FAMILY: Family = Family {
    mode: "static",
    keys: &[],
    shared: &["static_ip_retention", "ip_aware_scheduling"],
    read,
};

fn read(_: &Table) -> Result<Arc<dyn Settings>, KeyError> {
    Ok(Arc::new(StaticPolicy))
}

impl Settings for StaticPolicy {
    fn build(&self, _: Context) -> Box<dyn AllocationPolicy> {
        Box::new(StaticPolicy)
    }
}

/// The static IP mode policy. It needs no state: a node binds exactly one ENI per pod.
#[derive(Clone, Copy, Debug, Default)]
pub struct StaticPolicy;

impl StaticPolicy {
    /// ENIs a node wants bound: one per pod, up to M.
    fn wanted(v: &NodeView) -> u32 {
        v.pods.min(v.max)
    }

    /// Addresses a node will still take from its zone's subnets: the ENIs it wants beyond
    /// those bound to it that hold an address already. `unaddressed` of its bound ENIs hold
    /// none (their create was refused or failed, and that is not known yet). What the
    /// scheduler's address check counts as promised.
    pub fn addresses_owed(v: &NodeView, unaddressed: u32) -> u32 {
        Self::wanted(v).saturating_sub(v.bound.saturating_sub(unaddressed))
    }
}

impl AllocationPolicy for StaticPolicy {
    fn decide(&mut self, _node: usize, v: &NodeView, _now: SimTime) -> NodeDecision {
        NodeDecision {
            bind: Self::wanted(v).saturating_sub(v.bound),
            release: v.idle,
            wake_at: None,
        }
    }

    /// One ENI per pod, up to M: no warm ENIs either way.
    fn band(&self, v: &NodeView) -> Band {
        Band::over_pods(v, 0, 0)
    }

    fn keeps_freed_enis(&self) -> bool {
        false
    }

    fn pick_idle(&mut self, _idle_since: &[SimTime]) -> usize {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::policy::test_view as view;

    #[test]
    fn the_band_is_one_eni_per_pod() {
        let capped = NodeView {
            max: 5,
            ..view(7, 0, 0)
        };
        assert_eq!(StaticPolicy.band(&view(7, 2, 0)), Band { low: 7, high: 7 });
        assert_eq!(StaticPolicy.band(&capped), Band { low: 5, high: 5 });
    }

    #[test]
    fn binds_one_per_pod_and_nothing_warm() {
        let mut p = StaticPolicy;
        assert_eq!(
            p.decide(0, &view(0, 0, 0), SimTime(0)),
            NodeDecision::default()
        );
        assert_eq!(p.decide(0, &view(3, 1, 0), SimTime(0)).bind, 2);
        let full = NodeView {
            max: 2,
            ..view(3, 0, 0)
        };
        assert_eq!(p.decide(0, &full, SimTime(0)).bind, 2);
    }

    #[test]
    fn owes_an_address_per_pod_without_an_addressed_eni() {
        // 3 pods, 2 ENIs bound of which 1 holds no address: 2 addresses still to take.
        assert_eq!(StaticPolicy::addresses_owed(&view(3, 2, 0), 1), 2);
        assert_eq!(StaticPolicy::addresses_owed(&view(3, 3, 0), 0), 0);
        // An ENI still attaching for a pod that left serves the next pod of the node.
        assert_eq!(StaticPolicy::addresses_owed(&view(1, 2, 0), 0), 0);
        let full = NodeView {
            max: 2,
            ..view(5, 0, 0)
        };
        assert_eq!(
            StaticPolicy::addresses_owed(&full, 0),
            2,
            "never more than M"
        );
    }

    #[test]
    fn releases_any_idle_eni_at_once() {
        let d = StaticPolicy.decide(0, &view(1, 3, 2), SimTime(0));
        assert_eq!((d.bind, d.release, d.wake_at), (0, 2, None));
    }
}
