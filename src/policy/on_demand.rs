//! `mode = "on_demand"`: no warm pool. Each pod gets an ENI created and attached for it; when
//! the pod ends its ENI stays attached for `cooldown`, then is released (detached and
//! deleted). A pod placed on that node within the cooldown takes it instead of waiting for a
//! new one.
//!
//! The cooldown is AWS's branch-ENI cooldown for security groups for pods:
//! aws/amazon-vpc-resource-controller-k8s, `docs/sgp/sgp_config_options.md`
//! (`branch-eni-cooldown` in the `amazon-vpc-cni` ConfigMap: "the period of time to wait
//! before deleting the branch ENI" after its pod is deleted, 60 s by default, 30 s at least;
//! the controller reads it as `BranchENICooldownPeriodKey`). AWS waits so that the
//! deleted pod's iptables rules are gone; it does not hand the cooling ENI to a new pod. Here
//! a new pod does take it (the most recently freed first), which is what makes the cooldown a
//! small on-demand cache worth comparing with a pool; `cooldown = "0s"` deletes at once.

use super::family::{Context, Family, KeyError, Settings, Table};
use super::{longest_idle, AllocationPolicy, Band, NodeDecision, NodeView};
use crate::engine::SimTime;
use std::sync::Arc;

/// `mode = "on_demand"` and its key.
pub const FAMILY: Family = Family {
    mode: "on_demand",
    keys: &["cooldown"],
    shared: &[],
    read,
};

/// `cooldown` when not given: AWS's branch-ENI cooldown default.
pub const DEFAULT_COOLDOWN: SimTime = SimTime::from_secs(60);

fn read(t: &Table) -> Result<Arc<dyn Settings>, KeyError> {
    Ok(Arc::new(OnDemandPolicy {
        cooldown: t.duration("cooldown", DEFAULT_COOLDOWN, true)?,
    }))
}

/// The on-demand policy: stateless, as each idle ENI's own idle time says when it goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OnDemandPolicy {
    /// How long a freed ENI stays attached, idle, before it is released.
    pub cooldown: SimTime,
}

impl Settings for OnDemandPolicy {
    fn build(&self, _: Context) -> Box<dyn AllocationPolicy> {
        Box::new(*self)
    }
}

impl AllocationPolicy for OnDemandPolicy {
    fn decide(&mut self, _node: usize, v: &NodeView, now: SimTime) -> NodeDecision {
        let wanted = self.band(v).low;
        let cooled = v
            .idle_since
            .iter()
            .filter(|t| t.plus(self.cooldown) <= now)
            .count() as u32;
        let over_max = v.bound.saturating_sub(v.max);
        let release = cooled.max(over_max).min(v.idle);
        // Releases take the longest idle first, so the ENIs left are the last to cool.
        let mut since = v.idle_since.to_vec();
        since.sort_unstable();
        let wake_at = since.get(release as usize).map(|t| t.plus(self.cooldown));
        NodeDecision {
            bind: wanted.saturating_sub(v.bound),
            release,
            wake_at,
        }
    }

    /// One ENI per pod, up to M: ENIs cooling down are not a target.
    fn band(&self, v: &NodeView) -> Band {
        Band::over_pods(v, 0, 0)
    }

    fn pick_release(&mut self, idle_since: &[SimTime]) -> usize {
        longest_idle(idle_since)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::test_view;

    const S: u64 = 1000;

    fn policy() -> OnDemandPolicy {
        OnDemandPolicy {
            cooldown: DEFAULT_COOLDOWN,
        }
    }

    #[test]
    fn binds_one_eni_per_pod_and_keeps_none_warm() {
        let mut p = policy();
        assert_eq!(
            p.decide(0, &test_view(0, 0, 0), SimTime(0)),
            NodeDecision::default()
        );
        assert_eq!(p.decide(0, &test_view(3, 1, 0), SimTime(0)).bind, 2);
    }

    #[test]
    fn a_freed_eni_is_released_when_its_cooldown_ends() {
        let mut p = policy();
        // Two pods ended at 10 s and 30 s: their ENIs go at 70 s and 90 s.
        let since = [SimTime(10 * S), SimTime(30 * S)];
        let v = NodeView {
            idle_since: &since,
            ..test_view(0, 2, 2)
        };
        let d = p.decide(0, &v, SimTime(30 * S));
        assert_eq!(
            (d.bind, d.release, d.wake_at),
            (0, 0, Some(SimTime(70 * S)))
        );
        let d = p.decide(0, &v, SimTime(70 * S));
        assert_eq!((d.release, d.wake_at), (1, Some(SimTime(90 * S))));
        let last = [SimTime(30 * S)];
        let v = NodeView {
            idle_since: &last,
            ..test_view(0, 1, 1)
        };
        let d = p.decide(0, &v, SimTime(90 * S));
        assert_eq!((d.release, d.wake_at), (1, None));
    }

    #[test]
    fn a_new_pod_takes_the_most_recently_freed_eni() {
        let mut p = policy();
        let since = [SimTime(30 * S), SimTime(50 * S), SimTime(10 * S)];
        assert_eq!(p.pick_idle(&since), 1);
        assert_eq!(p.pick_release(&since), 2);
    }

    #[test]
    fn a_zero_cooldown_releases_at_once() {
        let mut p = OnDemandPolicy {
            cooldown: SimTime::ZERO,
        };
        let since = [SimTime(5 * S)];
        let v = NodeView {
            idle_since: &since,
            ..test_view(0, 1, 1)
        };
        assert_eq!(p.decide(0, &v, SimTime(5 * S)).release, 1);
    }
}
