//! The replica controllers' choices (Deployment, StatefulSet): which pods to create, which to
//! delete on scale-down, and the order of a rolling restart.

use super::pod::{Pod, PodState};
use indexmap::IndexSet;

/// A Deployment's or StatefulSet's live state.
#[derive(Clone, Debug, Default)]
pub struct ReplicaController {
    /// True for a StatefulSet: pods are named by ordinal and keep their names.
    pub ordered: bool,
    /// Replicas wanted now.
    pub desired: u32,
    /// Pods not yet known to be gone, in no particular order.
    pub live: IndexSet<u32>,
    /// Deployment: serial number of the next pod.
    pub next_serial: u32,
    /// A rolling restart in progress.
    pub rolling: Option<Rolling>,
}

/// A rolling restart: one pod at a time, the next once the previous replacement runs.
#[derive(Clone, Debug, Default)]
pub struct Rolling {
    /// Pods still to replace, next last.
    pub remaining: Vec<u32>,
    /// The replacement being waited for, if any.
    pub waiting_for: Option<u32>,
}

impl ReplicaController {
    /// A controller for a StatefulSet (`ordered`) or a Deployment.
    pub fn new(ordered: bool) -> Self {
        ReplicaController {
            ordered,
            ..ReplicaController::default()
        }
    }

    /// Serial numbers of the pods to create to reach `desired`: a StatefulSet's missing
    /// ordinals, lowest first; a Deployment's next serials.
    pub fn to_create(&mut self, pods: &[Pod]) -> Vec<u32> {
        let missing = (self.desired as usize).saturating_sub(self.live.len());
        if missing == 0 {
            return Vec::new();
        }
        if !self.ordered {
            let first = self.next_serial;
            self.next_serial += missing as u32;
            return (first..self.next_serial).collect();
        }
        let taken: std::collections::BTreeSet<u32> =
            self.live.iter().map(|&p| pods[p as usize].serial).collect();
        (0..).filter(|o| !taken.contains(o)).take(missing).collect()
    }

    /// Pods to delete to come down to `desired`. A StatefulSet deletes its highest ordinals;
    /// a Deployment, as Kubernetes does, pending pods first, then pods still waiting for their
    /// ENI, then running ones, newest first within each.
    pub fn victims(&self, pods: &[Pod]) -> Vec<u32> {
        let excess = self.live.len().saturating_sub(self.desired as usize);
        if excess == 0 {
            return Vec::new();
        }
        let mut order: Vec<u32> = self.live.iter().copied().collect();
        if self.ordered {
            order.sort_by_key(|&p| std::cmp::Reverse(pods[p as usize].serial));
        } else {
            let rank = |s: PodState| match s {
                PodState::Pending => 0,
                PodState::WaitingEni => 1,
                _ => 2,
            };
            order.sort_by_key(|&p| {
                let pod = &pods[p as usize];
                (rank(pod.state), std::cmp::Reverse(pod.seq))
            });
        }
        order.truncate(excess);
        order
    }

    /// Starts a rolling restart of every live pod: a StatefulSet from its highest ordinal
    /// down, a Deployment oldest pod first.
    pub fn start_rolling(&mut self, pods: &[Pod]) {
        let mut remaining: Vec<u32> = self.live.iter().copied().collect();
        if self.ordered {
            remaining.sort_by_key(|&p| pods[p as usize].serial);
        } else {
            remaining.sort_by_key(|&p| std::cmp::Reverse(pods[p as usize].seq));
        }
        self.rolling = Some(Rolling {
            remaining,
            waiting_for: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;

    fn pod(serial: u32, state: PodState, t: u64) -> Pod {
        Pod {
            state,
            ..Pod::new(0, serial, t, false, SimTime(t))
        }
    }

    #[test]
    fn deployment_scale_down_takes_pending_then_waiting_then_newest_running() {
        let pods = vec![
            pod(0, PodState::Running, 0),
            pod(1, PodState::Running, 5),
            pod(2, PodState::WaitingEni, 1),
            pod(3, PodState::Pending, 2),
            pod(4, PodState::Running, 3),
        ];
        let mut d = ReplicaController::new(false);
        d.desired = 1;
        d.live.extend(0..5);
        assert_eq!(d.victims(&pods), vec![3, 2, 1, 4]);
        d.desired = 5;
        assert!(d.victims(&pods).is_empty());
    }

    #[test]
    fn statefulset_fills_lowest_missing_ordinals_and_drops_highest() {
        let pods = vec![
            pod(0, PodState::Running, 0),
            pod(3, PodState::Running, 0),
            pod(1, PodState::Pending, 9),
        ];
        let mut s = ReplicaController::new(true);
        s.live.extend([0, 1, 2]);
        s.desired = 5;
        assert_eq!(s.to_create(&pods), vec![2, 4]);
        s.desired = 1;
        assert_eq!(s.victims(&pods), vec![1, 2], "ordinals 3 then 1 go");
    }

    #[test]
    fn deployment_creates_fresh_serials() {
        let mut d = ReplicaController::new(false);
        d.desired = 3;
        assert_eq!(d.to_create(&[]), vec![0, 1, 2]);
        d.live.extend([0, 1, 2]);
        d.desired = 4;
        assert_eq!(d.to_create(&[]), vec![3]);
    }
}
