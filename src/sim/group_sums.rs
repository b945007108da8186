//! Each node group's live nodes summed for the samples (nodes, pods, bound and idle ENIs, the
//! policy's band), kept up to date where a node changes instead of summed over every node at
//! each sample: at 50,000 nodes sampled every minute that sum was 3% of the run, and it grows
//! with the nodes times the samples.
//!
//! A group's live nodes and its bound and idle ENIs are counted already (its node list and
//! [`crate::report::metrics::GroupMetrics`]); its pods and band are kept here. A node's band
//! is a function of its pods, its limit and its warm values (every policy's
//! [`crate::policy::AllocationPolicy::band`] reads only the node's view), so its share changes
//! only where one of those, or its life, does; each such place takes the node's share before
//! the change and hands it to [`Simulation::reshare`] after. A checked run compares the sums
//! with the nodes summed whole at every sample.

use super::Simulation;
use crate::engine::SimTime;
use crate::policy::Band;

/// A node group's live nodes summed, at a sample.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct GroupSample {
    pub nodes: u32,
    pub pods: u32,
    pub bound: u32,
    pub idle: u32,
    pub band: Band,
}

/// What one node adds to its group's pods and band (nothing once it is gone), or the sums.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Share {
    pods: u32,
    band: Band,
}

impl Share {
    /// Takes away `remove` and adds `add`.
    fn replace(&mut self, remove: Share, add: Share) {
        let swap = |sum: &mut u32, old: u32, new: u32| *sum = *sum - old + new;
        swap(&mut self.pods, remove.pods, add.pods);
        swap(&mut self.band.low, remove.band.low, add.band.low);
        swap(&mut self.band.high, remove.band.high, add.band.high);
    }
}

impl Simulation<'_> {
    /// What `node` adds to its group's sums now: nothing before it joins or once it is gone.
    fn share(&self, node: u32) -> Share {
        let Some(n) = self.nodes.get(node as usize).filter(|n| n.alive) else {
            return Share::default();
        };
        let view = n.band_view();
        let policy = &self.policies[self.group_policy[n.group]];
        Share {
            pods: view.pods,
            band: policy.band(&view),
        }
    }

    /// Before a change to `node`'s pods, limit, warm values or life (its joining included):
    /// its share, for
    /// [`Simulation::reshare`] after the change. `None` while no sums are kept (a run
    /// without rows, unchecked), which then costs nothing.
    pub(super) fn share_before(&self, node: u32) -> Option<Share> {
        self.group_sums.as_ref()?;
        Some(self.share(node))
    }

    /// After the change: `node`'s group's sums trade its share before for its share now.
    pub(super) fn reshare(&mut self, node: u32, before: Option<Share>) {
        let Some(before) = before else { return };
        let now = self.share(node);
        let group = self.nodes[node as usize].group;
        if let Some(sums) = self.group_sums.as_mut() {
            sums[group].replace(before, now);
        }
    }

    /// Keeps the sums from now on (summed whole once).
    pub(super) fn keep_group_sums(&mut self) {
        if self.group_sums.is_none() {
            let mut sums = vec![Share::default(); self.sc.node_groups.len()];
            for (id, node) in self.nodes.iter().enumerate() {
                sums[node.group].replace(Share::default(), self.share(id as u32));
            }
            self.group_sums = Some(sums);
        }
    }

    /// Each node group's live nodes summed, from the sums kept.
    pub(super) fn group_samples(&mut self) -> Vec<GroupSample> {
        self.keep_group_sums();
        let sums = self.group_sums.as_ref().expect("kept");
        sums.iter()
            .enumerate()
            .map(|(g, share)| {
                let counted = &self.metrics.groups[g];
                GroupSample {
                    nodes: self.group_nodes[g].len() as u32,
                    pods: share.pods,
                    bound: counted.bound.value() as u32,
                    idle: counted.idle.value() as u32,
                    band: share.band,
                }
            })
            .collect()
    }

    /// Each node group's live nodes summed over every node, from their full views: what the
    /// kept sums must equal (which also checks that a band reads no histories).
    fn group_samples_whole(&self) -> Vec<GroupSample> {
        let mut groups = vec![GroupSample::default(); self.sc.node_groups.len()];
        for node in self.nodes.iter().filter(|n| n.alive) {
            let view = node.view();
            let band = self.policies[self.group_policy[node.group]].band(&view);
            let sum = &mut groups[node.group];
            sum.nodes += 1;
            sum.pods += view.pods;
            sum.bound += view.bound;
            sum.idle += view.idle;
            sum.band.low += band.low;
            sum.band.high += band.high;
        }
        groups
    }

    /// In a checked run, at the sample at `time`: the kept sums against the nodes summed
    /// whole; the first difference is the run's violation unless one came before.
    pub(super) fn check_group_sums(&mut self, time: SimTime) {
        let kept = self.group_samples();
        let whole = self.group_samples_whole();
        if kept != whole && self.first_violation.is_none() {
            self.first_violation = Some(format!(
                "at the sample at {time} s: the node groups' kept sums {kept:?} differ from \
                 their nodes summed {whole:?}"
            ));
        }
    }
}
