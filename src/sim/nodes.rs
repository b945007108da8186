//! Node lifecycle and the scenario's cluster events.

use super::pods::EniFate;
use super::{Event, Simulation};
use crate::cluster::node::Node;
use crate::cluster::pod::{PodEnd, PodState};
use crate::engine::SimTime;
use crate::scenario::model::EventAction;
use smallvec::SmallVec;
use std::collections::{BTreeSet, VecDeque};

/// How a node leaves the cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Removal {
    /// Pods terminated gracefully first (static ENIs kept), then the node goes.
    Drain,
    /// The node goes with its pods and every ENI still bound to it.
    Delete,
    /// As `Delete`, but Kubernetes notices the pods are gone only after `detection`.
    Crash { detection: SimTime },
}

impl Simulation<'_> {
    /// Runs the `i`-th `[[events]]` entry.
    pub(super) fn cluster_event(&mut self, i: usize) {
        match self.sc.events[i].action.clone() {
            EventAction::AddNodes { group, count } => {
                for _ in 0..count {
                    self.add_node(group);
                }
            }
            EventAction::DeleteNodes { group, count } => {
                self.remove_nodes(group, count, Removal::Delete)
            }
            EventAction::DrainNodes { group, count } => {
                self.remove_nodes(group, count, Removal::Drain)
            }
            EventAction::CrashNodes {
                group,
                count,
                detection,
            } => self.remove_nodes(group, count, Removal::Crash { detection }),
            EventAction::SetMaxAttach { group, max_attach } => {
                self.warn_max_attach_below_use(group, max_attach);
                for node in self.group_nodes[group].clone() {
                    let share = self.share_before(node);
                    self.nodes.touch(node as usize).max_attach = Some(max_attach);
                    self.reshare(node, share);
                    self.scheduler.refresh(node, &self.nodes[node as usize]);
                    self.reconcile_node(node);
                }
                self.schedule_pending();
            }
            EventAction::SetWarm {
                group,
                min_warm,
                max_warm,
            } => {
                let groups: Vec<usize> = match group {
                    Some(g) => vec![g],
                    None => (0..self.group_warm.len()).collect(),
                };
                for g in groups {
                    let warm = &mut self.group_warm[g];
                    // Validation refused any event that leaves min above max.
                    warm.0 = min_warm.unwrap_or(warm.0);
                    warm.1 = max_warm.unwrap_or(warm.1);
                    let (min, max) = *warm;
                    for node in self.group_nodes[g].clone() {
                        let share = self.share_before(node);
                        let n = self.nodes.touch(node as usize);
                        (n.min_warm, n.max_warm) = (min, max);
                        self.reshare(node, share);
                        self.reconcile_node(node);
                    }
                }
            }
        }
    }

    /// TKE refuses a max-attach below what a node already uses; the run lowers M anyway (a
    /// what-if), and says so in the summary's warnings.
    fn warn_max_attach_below_use(&mut self, group: usize, max_attach: u32) {
        let over: Vec<u32> = self.group_nodes[group]
            .iter()
            .copied()
            .filter(|&n| self.nodes[n as usize].pods.len() > max_attach as usize)
            .collect();
        let Some(&most) = over
            .iter()
            .max_by_key(|&&n| (self.nodes[n as usize].pods.len(), std::cmp::Reverse(n)))
        else {
            return;
        };
        let (name, ordinal) = super::enis::node_name(&self.nodes, &self.sc, most);
        self.warnings.push(format!(
            "set_max_attach = {max_attach} at {} s on node group \"{name}\": {} node(s) already \
             use more ENIs for pods (most: {name}-{ordinal} with {}); TKE refuses a max-attach \
             below what a node uses; this run lowers it anyway as a what-if",
            self.now(),
            over.len(),
            self.nodes[most as usize].pods.len()
        ));
    }

    /// Adds a node to a group; it binds its warm ENIs at once and takes pending pods.
    pub(super) fn add_node(&mut self, group: usize) {
        let now = self.now();
        let g = &self.sc.node_groups[group];
        let zone = self
            .zones
            .iter()
            .position(|z| *z == g.zone)
            .expect("every node group zone is known");
        let (min_warm, max_warm) = self.group_warm[group];
        let id = self.nodes.len() as u32;
        let share = self.share_before(id);
        // Ordinals never repeat, so a node's name is unique for the whole run.
        let ordinal = self.group_added[group];
        self.group_added[group] += 1;
        self.nodes.push(Node {
            group,
            ordinal,
            zone,
            eni_pods: g.instance_type.eni_pods,
            max_attach: g.max_attach,
            min_warm,
            max_warm,
            alive: true,
            created_at: now,
            pods: SmallVec::new(),
            lost: Vec::new(),
            bound: 0,
            unaddressed: 0,
            idle: SmallVec::new(),
            idle_since: SmallVec::new(),
            arrivals: Vec::new(),
            waiting: VecDeque::new(),
            surplus_since: SmallVec::new(),
            attached: 0,
            create_failures: 0,
            bind_after: SimTime::ZERO,
        });
        self.group_nodes[group].push(id);
        self.reshare(id, share);
        self.scheduler.refresh(id, &self.nodes[id as usize]);
        self.reconcile_node(id);
        self.schedule_pending();
    }

    /// Removes the `count` newest nodes of a group.
    fn remove_nodes(&mut self, group: usize, count: u32, how: Removal) {
        let keep = self.group_nodes[group].len().saturating_sub(count as usize);
        let doomed = self.group_nodes[group].split_off(keep);
        let mut workloads = BTreeSet::new();
        for node in doomed.into_iter().rev() {
            workloads.extend(self.remove_node(node, how));
        }
        for w in workloads {
            self.reconcile_workload(w);
        }
        self.schedule_pending();
    }

    /// Takes a node out: its pods end (or, on a crash, are lost), then every ENI still bound
    /// to it comes off with the instance and is deleted. Returns the workloads whose
    /// controllers must replace pods now.
    fn remove_node(&mut self, node: u32, how: Removal) -> Vec<u32> {
        let now = self.now();
        let share = self.share_before(node);
        self.nodes.touch(node as usize).alive = false;
        self.reshare(node, share);
        self.scheduler.refresh(node, &self.nodes[node as usize]);
        self.set_node_timer(node, None);
        let pods = self.nodes[node as usize].pods.to_vec();
        for &pod in &pods {
            match how {
                Removal::Drain => self.delete_pod(pod, PodEnd::NodeDrained, EniFate::Normal),
                Removal::Delete => self.delete_pod(pod, PodEnd::NodeDeleted, EniFate::WithNode),
                Removal::Crash { .. } => self.lose_pod(pod),
            }
        }
        let workloads = match how {
            Removal::Crash { detection } => {
                self.nodes.touch(node as usize).lost = pods;
                self.queue
                    .schedule(now.plus(detection), Event::CrashDetected(node));
                Vec::new()
            }
            _ => pods
                .iter()
                .map(|&p| self.pods[p as usize].workload)
                .collect(),
        };
        let n = self.nodes.touch(node as usize);
        let idle = n.take_all_idle();
        let bound = std::mem::take(&mut n.bound);
        n.attached = 0;
        n.surplus_since.clear();
        self.count_idle(node, -(idle.len() as i64));
        self.count_bound(node, -i64::from(bound));
        for eni in idle {
            // The instance's termination detaches its ENIs; the controller deletes them.
            self.metrics.enis_detached += 1;
            self.gauges.enis_in_flight += 1;
            self.start_delete(eni);
        }
        workloads
    }

    /// Kubernetes declares a crashed node's pods gone; their controllers replace them.
    pub(super) fn crash_detected(&mut self, node: u32) {
        let lost = std::mem::take(&mut self.nodes.touch(node as usize).lost);
        let mut workloads = BTreeSet::new();
        for pod in lost {
            // A pod whose lifetime ran out meanwhile was deleted already.
            if self.pods[pod as usize].state == PodState::Lost {
                workloads.insert(self.pods[pod as usize].workload);
                self.delete_pod(pod, PodEnd::NodeCrashed, EniFate::WithNode);
            }
        }
        for w in workloads {
            self.reconcile_workload(w);
        }
    }
}
