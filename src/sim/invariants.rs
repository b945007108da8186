//! The checks that the books balance: every counter matches the records it counts, and every
//! ENI is where the world thinks it is. Each check looks at one record (or at the totals), so
//! that a checked run can run, after an event, only those on the records the event touched;
//! a full check runs them on every record.

use super::tally::Tally;
use super::Simulation;
use crate::cloud::eni::{EniId, EniState};
use crate::cluster::pod::PodState;

/// What the checks found.
#[derive(Debug, Default)]
pub(super) struct Findings {
    /// One line per broken invariant.
    pub details: Vec<String>,
    /// ENIs that exist in the VPC but belong to nothing.
    pub leaked: u64,
}

/// The records to check, by id: every record for a full check, or those an event touched and
/// those whose checks they bear on. Sorted, without repeats.
#[derive(Debug, Default)]
pub(super) struct Touched {
    pub pods: Vec<u32>,
    pub enis: Vec<u32>,
    pub nodes: Vec<u32>,
    pub subnets: Vec<u32>,
    /// Static-IP names `(workload, serial)`.
    pub claims: Vec<(u32, u32)>,
}

impl Touched {
    /// Every record of the world.
    fn all(sim: &Simulation) -> Touched {
        let ids = |n: usize| (0..n as u32).collect();
        Touched {
            pods: ids(sim.pods.len()),
            enis: ids(sim.enis.len()),
            nodes: ids(sim.nodes.len()),
            subnets: ids(sim.subnets.len()),
            claims: sim.claims.keys().copied().collect(),
        }
    }

    /// Sorts each list and drops repeats.
    pub(super) fn settle(&mut self) {
        for v in [
            &mut self.pods,
            &mut self.enis,
            &mut self.nodes,
            &mut self.subnets,
        ] {
            v.sort_unstable();
            v.dedup();
        }
        self.claims.sort_unstable();
        self.claims.dedup();
    }

    /// Empties every list, keeping their room.
    pub(super) fn clear(&mut self) {
        self.pods.clear();
        self.enis.clear();
        self.nodes.clear();
        self.subnets.clear();
        self.claims.clear();
    }
}

impl Simulation<'_> {
    /// Checks every invariant against the world as it stands.
    pub(super) fn check_invariants(&self) -> Findings {
        self.check_all().0
    }

    /// Checks every invariant, and returns the count of the world it checked against.
    pub(super) fn check_all(&self) -> (Findings, Tally) {
        let tally = Tally::of(self);
        (self.check(&tally, &Touched::all(self)), tally)
    }

    /// Checks the totals, and the invariants on the records of `ids`, against `t` (a count
    /// of the world as it stands).
    pub(super) fn check(&self, t: &Tally, ids: &Touched) -> Findings {
        let mut f = Findings::default();
        self.check_pod_counts(t, &mut f);
        for &pod in &ids.pods {
            self.check_pod(pod, &mut f);
        }
        for &eni in &ids.enis {
            self.check_eni_pod(eni, &mut f);
        }
        for &node in &ids.nodes {
            self.check_node(node, t, &mut f);
        }
        for &subnet in &ids.subnets {
            self.check_subnet(subnet, t, &mut f);
        }
        for &name in &ids.claims {
            self.check_claim(name, &mut f);
        }
        for &eni in &ids.enis {
            self.check_leak(eni, &mut f);
        }
        self.check_gauges(t, &mut f);
        f
    }

    /// The live ENI counts behind the timeseries and the pool metrics match the ENIs and
    /// nodes they count.
    fn check_gauges(&self, t: &Tally, f: &mut Findings) {
        let g = &self.gauges;
        let pairs = [
            (
                "in-flight ENIs",
                u64::from(g.enis_in_flight),
                u64::from(t.in_flight),
            ),
            ("existing ENIs", u64::from(g.enis_total), u64::from(t.total)),
            (
                "retained ENIs",
                u64::from(g.enis_retained),
                u64::from(t.retained),
            ),
            ("bound ENIs", self.metrics.bound.value(), t.node_bound),
            ("idle ENIs", self.metrics.idle.value(), t.node_idle),
            ("free addresses", g.free_ips, t.free_ips),
        ];
        for (what, counted, actual) in pairs {
            if counted != actual {
                f.details
                    .push(format!("{what} are counted as {counted} but are {actual}"));
            }
        }
    }

    /// The live counts behind the timeseries and the summary match the pods.
    fn check_pod_counts(&self, t: &Tally, f: &mut Findings) {
        let g = &self.gauges;
        let counted = [g.pods_pending, g.pods_waiting_eni, g.pods_running];
        if t.pods != counted {
            f.details.push(format!(
                "pending/waiting/running pods are {:?} but counted as {counted:?}",
                t.pods
            ));
        }
        if t.pending_by_reason != g.pending_by_reason {
            f.details.push(format!(
                "pending pods by reason are {:?} but counted as {:?}",
                t.pending_by_reason, g.pending_by_reason
            ));
        }
    }

    /// A running pod holds an attached ENI of its node that names it back.
    fn check_pod(&self, id: u32, f: &mut Findings) {
        let p = &self.pods[id as usize];
        if p.state != PodState::Running {
            return;
        }
        let ok = p.eni.is_some_and(|e| {
            let eni = &self.enis[e.0 as usize];
            eni.pod == Some(id) && eni.state == EniState::Attached && Some(eni.node) == p.node
        });
        if !ok {
            f.details.push(format!(
                "pod {id} runs without an attached ENI of its own on its node"
            ));
        }
    }

    /// The pod an ENI names holds it.
    fn check_eni_pod(&self, id: u32, f: &mut Findings) {
        if let Some(pod) = self.enis[id as usize].pod {
            if self.pods[pod as usize].eni.map(|x| x.0) != Some(id) {
                f.details
                    .push(format!("ENI {id} names pod {pod}, which does not hold it"));
            }
        }
    }

    /// The node whose bound count (B) includes an ENI, if any: the node of the pod it is for
    /// (running with it, or waiting for it to come); without a pod, the node it is created
    /// for, attaching to or attached to, unless it is only passing through on its way to
    /// its name's retention or to its deletion.
    pub(super) fn bound_for(&self, eni: EniId) -> Option<u32> {
        let e = &self.enis[eni.0 as usize];
        if let Some(pod) = e.pod {
            return self.pods[pod as usize].node;
        }
        let held = matches!(
            e.state,
            EniState::Creating | EniState::Attaching | EniState::Attached
        );
        (held && e.claim.is_none() && e.released_at.is_none()).then_some(e.node)
    }

    /// A live node's counts match its ENIs, and it runs no more pods than it may.
    fn check_node(&self, id: u32, t: &Tally, f: &mut Findings) {
        let n = &self.nodes[id as usize];
        if !n.alive {
            return;
        }
        let i = id as usize;
        let (attached, on_node) = (t.attached[i], t.attached[i] + t.attaching[i]);
        if n.attached != on_node {
            f.details.push(format!(
                "node {id} counts {} attached or attaching ENIs but has {on_node}",
                n.attached
            ));
        }
        if n.bound != t.bound[i] {
            f.details.push(format!(
                "node {id} counts {} bound ENIs but has {}",
                n.bound, t.bound[i]
            ));
        }
        if n.unaddressed != t.unaddressed[i] {
            f.details.push(format!(
                "node {id} counts {} creates without an address but has {}",
                n.unaddressed, t.unaddressed[i]
            ));
        }
        let running = n
            .pods
            .iter()
            .filter(|&&p| self.pods[p as usize].state == PodState::Running)
            .count() as u32;
        let placed_elsewhere = n.pods.iter().any(|&p| {
            let pod = &self.pods[p as usize];
            pod.node != Some(id) || !matches!(pod.state, PodState::WaitingEni | PodState::Running)
        });
        if placed_elsewhere {
            f.details
                .push(format!("node {id} lists a pod that is not placed on it"));
        }
        if running + n.idle.len() as u32 != attached {
            f.details.push(format!(
                "node {id}: {running} running pods + {} idle != {attached} attached ENIs",
                n.idle.len(),
            ));
        }
        if attached > n.eni_pods {
            f.details.push(format!(
                "node {id} has {attached} ENIs attached for pods, over its instance limit {}",
                n.eni_pods
            ));
        }
        if n.pods.len() as u32 > n.eni_pods {
            f.details.push(format!(
                "node {id} has {} exclusive-ENI pods, over its limit {}",
                n.pods.len(),
                n.eni_pods
            ));
        }
    }

    /// A subnet's used addresses equal the ENIs that exist in it.
    fn check_subnet(&self, id: u32, t: &Tally, f: &mut Findings) {
        let s = &self.subnets[id as usize];
        let used = t.used[id as usize];
        if s.used_ips() != used {
            f.details.push(format!(
                "subnet {} counts {} used addresses but {used} ENIs exist in it",
                s.id,
                s.used_ips(),
            ));
        }
    }

    /// A static-IP pod's name that keeps an ENI points at an ENI kept for it.
    fn check_claim(&self, name: (u32, u32), f: &mut Findings) {
        if let Some(&eni) = self.claims.get(&name) {
            if self.enis[eni.0 as usize].claim != Some(name) {
                f.details.push(format!(
                    "the claim of {name:?} names ENI {} which is not kept for it",
                    eni.0
                ));
            }
        }
    }

    /// An ENI that exists is in flight, attached to a live node, or kept for a static-IP
    /// pod's name or as a known orphan.
    fn check_leak(&self, id: u32, f: &mut Findings) {
        let e = &self.enis[id as usize];
        let owned = e.state.in_flight()
            || (e.state == EniState::Attached && self.nodes[e.node as usize].alive)
            || (e.state == EniState::Detached && (e.claim.is_some() || e.orphan_since.is_some()));
        let gone = matches!(e.state, EniState::Deleted | EniState::Failed);
        if !gone && !owned {
            f.leaked += 1;
            f.details
                .push(format!("ENI {id} is leaked ({})", e.state.name()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{RunOptions, Simulation};
    use crate::report::rows::NullSink;
    use crate::scenario::load_str;

    const SCENARIO: &str = r#"
duration = "1h"
[[subnets]]
id = "a"
zone = "z"
cidr = "10.0.0.0/24"
[[node_groups]]
name = "w"
instance_type = "S5.2XLARGE16"
zone = "z"
count = 2
[[workloads]]
name = "web"
kind = "deployment"
replicas = 5
"#;

    /// A world a few minutes in, every invariant holding.
    fn settled(sink: &mut NullSink) -> Simulation<'_> {
        let sc = load_str(SCENARIO, "t.toml", "t", &[]).unwrap();
        let mut sim = Simulation::new(sc, sink).unwrap();
        sim.start().unwrap();
        while sim
            .queue
            .peek_time()
            .is_some_and(|t| t.as_millis() < 300_000)
        {
            sim.step(RunOptions {
                check: true,
                progress: None,
            })
            .unwrap();
        }
        assert!(sim.first_violation.is_none());
        assert!(sim.check_invariants().details.is_empty());
        sim
    }

    #[test]
    fn each_kind_of_broken_books_is_found() {
        let mut sink = NullSink;
        let mut sim = settled(&mut sink);
        sim.nodes.touch(0).bound += 1;
        assert!(sim.check_invariants().details[0].contains("bound ENIs"));
        sim.nodes.touch(0).bound -= 1;
        sim.nodes.touch(0).unaddressed += 1;
        assert!(sim.check_invariants().details[0].contains("without an address"));

        let mut sink = NullSink;
        let mut sim = settled(&mut sink);
        let eni = sim.nodes.touch(0).take_idle_at(0);
        let f = sim.check_invariants();
        assert!(
            f.details.iter().any(|d| d.contains("idle")),
            "{:?}",
            f.details
        );
        sim.nodes.touch(0).alive = false;
        let f = sim.check_invariants();
        assert!(
            f.leaked >= 1,
            "an attached ENI of a gone node leaks: {:?} {eni:?}",
            f.details
        );

        let mut sink = NullSink;
        let mut sim = settled(&mut sink);
        let running = sim.pods.iter().position(|p| p.eni.is_some()).unwrap();
        let other = sim.pods.iter().rposition(|p| p.eni.is_some()).unwrap();
        sim.pods.touch(other).eni = sim.pods[running].eni;
        let f = sim.check_invariants();
        assert!(
            f.details.iter().any(|d| d.contains("runs without")),
            "{:?}",
            f.details
        );

        let mut sink = NullSink;
        let mut sim = settled(&mut sink);
        let now = sim.now();
        sim.subnets.touch(0).allocate(now);
        let f = sim.check_invariants();
        assert!(
            f.details.iter().any(|d| d.contains("subnet a")),
            "{:?}",
            f.details
        );
    }
}
