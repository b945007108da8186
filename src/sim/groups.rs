//! Node groups' policies and figures: which policy decides for a node (its group's own, or
//! the cluster's), and the pool figures kept per group beside the cluster's.

use super::Simulation;
use crate::engine::SimTime;
use crate::policy::AllocationPolicy;
use crate::report::stats::Percentiles;
use crate::report::summary::{GroupChurn, GroupSummary, PoolSummary};
use indexmap::IndexMap;

impl Simulation<'_> {
    /// The policy that decides for `node`: its group's.
    pub(super) fn policy_of(&mut self, node: u32) -> &mut dyn AllocationPolicy {
        let p = self.group_policy[self.nodes[node as usize].group];
        self.policies[p].as_mut()
    }

    /// The node group of `node`.
    pub(super) fn group_of(&self, node: u32) -> usize {
        self.nodes[node as usize].group
    }

    /// Changes the idle ENIs of `node` by `delta`, in the cluster's figures and its group's.
    pub(super) fn count_idle(&mut self, node: u32, delta: i64) {
        let now = self.now();
        let g = self.group_of(node);
        self.metrics.idle.add(delta, now);
        self.metrics.groups[g].idle.add(delta, now);
    }

    /// Changes the bound ENIs of `node` by `delta`, in the cluster's figures and its group's.
    pub(super) fn count_bound(&mut self, node: u32, delta: i64) {
        let now = self.now();
        let g = self.group_of(node);
        self.metrics.bound.add(delta, now);
        self.metrics.groups[g].bound.add(delta, now);
    }

    /// Each node group's figures at `end`, in file order.
    pub(super) fn group_summaries(&mut self, end: SimTime) -> IndexMap<String, GroupSummary> {
        let sc = &self.sc;
        self.metrics
            .groups
            .iter_mut()
            .zip(&sc.node_groups)
            .map(|(m, g)| {
                let policy = g.policy.as_ref().map_or(&sc.policy.spec, |p| &p.spec);
                let figures = GroupSummary {
                    policy: policy.mode.to_string(),
                    pods_started: m.pods_started,
                    startup_latency_s: Percentiles::of(&mut m.startup_ms),
                    pool: PoolSummary {
                        hit_rate: (m.pods_started > 0).then(|| {
                            (m.pool_hits as f64 / m.pods_started as f64 * 1e4).round() / 1e4
                        }),
                        idle_eni_hours: (m.idle.hours(end) * 1e3).round() / 1e3,
                        peak_bound_enis: m.bound.peak(),
                        peak_idle_enis: m.idle.peak(),
                    },
                    churn: GroupChurn {
                        enis_created: m.enis_created,
                        enis_deleted: m.enis_deleted,
                    },
                    releases: m.releases,
                };
                (g.name.clone(), figures)
            })
            .collect()
    }
}
