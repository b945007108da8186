//! The Deployment controller's choices: how many pods to add, and which to delete on
//! scale-down.

use super::pod::{Pod, PodState};

/// A Deployment's live state.
#[derive(Clone, Debug, Default)]
pub struct Deployment {
    /// Replicas wanted now.
    pub desired: u32,
    /// Pods not yet terminated, in no particular order.
    pub live: indexmap::IndexSet<u32>,
    /// Serial number of the next pod.
    pub next_serial: u32,
}

impl Deployment {
    /// Pods to delete to come down to `desired`, in Kubernetes' order: pending pods first, then
    /// pods still waiting for their ENI, then running ones; newest first within each.
    pub fn victims(&self, pods: &[Pod]) -> Vec<u32> {
        let excess = (self.live.len() as u32).saturating_sub(self.desired) as usize;
        if excess == 0 {
            return Vec::new();
        }
        let rank = |s: PodState| match s {
            PodState::Pending => 0,
            PodState::WaitingEni => 1,
            _ => 2,
        };
        let mut order: Vec<u32> = self.live.iter().copied().collect();
        order.sort_by_key(|&p| {
            let pod = &pods[p as usize];
            (rank(pod.state), std::cmp::Reverse((pod.created_at, p)))
        });
        order.truncate(excess);
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;

    #[test]
    fn scale_down_takes_pending_then_waiting_then_newest_running() {
        let mk = |state, t| Pod {
            state,
            ..Pod::new(0, 0, SimTime(t))
        };
        let pods = vec![
            mk(PodState::Running, 0),
            mk(PodState::Running, 5),
            mk(PodState::WaitingEni, 1),
            mk(PodState::Pending, 2),
            mk(PodState::Running, 3),
        ];
        let mut d = Deployment {
            desired: 1,
            ..Deployment::default()
        };
        d.live.extend(0..5);
        assert_eq!(d.victims(&pods), vec![3, 2, 1, 4]);
        d.desired = 5;
        assert!(d.victims(&pods).is_empty());
    }
}
