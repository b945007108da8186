//! End-of-run checks that the books balance: every ENI is where the world thinks it is.

use super::Simulation;
use crate::cloud::eni::{Eni, EniId, EniState};
use crate::cluster::pod::{PodState, SchedulingFailure};

/// What the checks found.
#[derive(Debug, Default)]
pub(super) struct Findings {
    /// One line per broken invariant.
    pub details: Vec<String>,
    /// ENIs that exist in the VPC but belong to nothing.
    pub leaked: u64,
}

impl Simulation<'_> {
    /// Checks every invariant against the world as it stands.
    pub(super) fn check_invariants(&self) -> Findings {
        let mut f = Findings::default();
        self.check_pods(&mut f);
        self.check_nodes(&mut f);
        self.check_subnets(&mut f);
        self.check_leaks(&mut f);
        self.check_gauges(&mut f);
        f
    }

    /// The live ENI counts behind the timeseries and the pool metrics match the ENIs and
    /// nodes they count.
    fn check_gauges(&self, f: &mut Findings) {
        let exists = |e: &&Eni| e.ip_offset.is_some() && e.state != EniState::Deleted;
        let live = self.enis.iter().filter(exists);
        let in_flight = live.clone().filter(|e| e.state.in_flight()).count() as u32;
        let retained = live
            .clone()
            .filter(|e| e.state == EniState::Detached && e.claim.is_some())
            .count() as u32;
        let total = live.count() as u32;
        let alive = self.nodes.iter().filter(|n| n.alive);
        let bound: u64 = alive.clone().map(|n| u64::from(n.bound)).sum();
        let idle: u64 = alive.clone().map(|n| n.idle.len() as u64).sum();
        let free: u64 = self.subnets.iter().map(|s| u64::from(s.free_ips())).sum();
        let g = &self.gauges;
        let pairs = [
            (
                "in-flight ENIs",
                u64::from(g.enis_in_flight),
                u64::from(in_flight),
            ),
            ("existing ENIs", u64::from(g.enis_total), u64::from(total)),
            (
                "retained ENIs",
                u64::from(g.enis_retained),
                u64::from(retained),
            ),
            ("bound ENIs", self.metrics.bound.value(), bound),
            ("idle ENIs", self.metrics.idle.value(), idle),
            ("free addresses", g.free_ips, free),
        ];
        for (what, counted, actual) in pairs {
            if counted != actual {
                f.details
                    .push(format!("{what} are counted as {counted} but are {actual}"));
            }
        }
    }

    /// Every running pod holds an attached ENI of its node that names it back, and the live
    /// counts behind the timeseries and the summary match the pods.
    fn check_pods(&self, f: &mut Findings) {
        let mut by_state = [0u32; 3];
        for p in &self.pods {
            match p.state {
                PodState::Pending => by_state[0] += 1,
                PodState::WaitingEni => by_state[1] += 1,
                PodState::Running => by_state[2] += 1,
                _ => {}
            }
        }
        let g = &self.gauges;
        let counted = [g.pods_pending, g.pods_waiting_eni, g.pods_running];
        if by_state != counted {
            f.details.push(format!(
                "pending/waiting/running pods are {by_state:?} but counted as {counted:?}"
            ));
        }
        let mut by_reason = [0u32; SchedulingFailure::ALL.len()];
        for p in self.pods.iter().filter(|p| p.state == PodState::Pending) {
            if let Some(reason) = p.failure {
                by_reason[reason.index()] += 1;
            }
        }
        if by_reason != g.pending_by_reason {
            f.details.push(format!(
                "pending pods by reason are {by_reason:?} but counted as {:?}",
                g.pending_by_reason
            ));
        }
        for (id, p) in self.pods.iter().enumerate() {
            if p.state != PodState::Running {
                continue;
            }
            let ok = p.eni.is_some_and(|e| {
                let eni = &self.enis[e.0 as usize];
                eni.pod == Some(id as u32)
                    && eni.state == EniState::Attached
                    && Some(eni.node) == p.node
            });
            if !ok {
                f.details.push(format!(
                    "pod {id} runs without an attached ENI of its own on its node"
                ));
            }
        }
        for (id, e) in self.enis.iter().enumerate() {
            if let Some(pod) = e.pod {
                if self.pods[pod as usize].eni.map(|x| x.0) != Some(id as u32) {
                    f.details
                        .push(format!("ENI {id} names pod {pod}, which does not hold it"));
                }
            }
        }
    }

    /// The node whose bound count (B) includes an ENI, if any: the node of the pod it is for
    /// (running with it, or waiting for it to come); without a pod, the node it is created
    /// for, attaching to or attached to, unless it is only passing through on its way to
    /// its name's retention or to its deletion.
    fn bound_for(&self, eni: EniId) -> Option<u32> {
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

    /// Each live node's counts match its ENIs, and it runs no more pods than it may.
    fn check_nodes(&self, f: &mut Findings) {
        let mut bound = vec![0u32; self.nodes.len()];
        let mut attached = vec![0u32; self.nodes.len()];
        let mut attaching = vec![0u32; self.nodes.len()];
        let mut unaddressed = vec![0u32; self.nodes.len()];
        for (id, e) in self.enis.iter().enumerate() {
            if let Some(owner) = self.bound_for(EniId(id as u32)) {
                bound[owner as usize] += 1;
            }
            let n = e.node as usize;
            match e.state {
                EniState::Creating if e.ip_offset.is_none() => unaddressed[n] += 1,
                EniState::Attaching => attaching[n] += 1,
                EniState::Attached => attached[n] += 1,
                _ => {}
            }
        }
        for (id, n) in self.nodes.iter().enumerate().filter(|(_, n)| n.alive) {
            if n.attached != attached[id] + attaching[id] {
                f.details.push(format!(
                    "node {id} counts {} attached or attaching ENIs but has {}",
                    n.attached,
                    attached[id] + attaching[id]
                ));
            }
            if n.bound != bound[id] {
                f.details.push(format!(
                    "node {id} counts {} bound ENIs but has {}",
                    n.bound, bound[id]
                ));
            }
            if n.unaddressed != unaddressed[id] {
                f.details.push(format!(
                    "node {id} counts {} creates without an address but has {}",
                    n.unaddressed, unaddressed[id]
                ));
            }
            let running = n
                .pods
                .iter()
                .filter(|&&p| self.pods[p as usize].state == PodState::Running)
                .count() as u32;
            let placed_elsewhere = n.pods.iter().any(|&p| {
                let pod = &self.pods[p as usize];
                pod.node != Some(id as u32)
                    || !matches!(pod.state, PodState::WaitingEni | PodState::Running)
            });
            if placed_elsewhere {
                f.details
                    .push(format!("node {id} lists a pod that is not placed on it"));
            }
            if running + n.idle.len() as u32 != attached[id] {
                f.details.push(format!(
                    "node {id}: {running} running pods + {} idle != {} attached ENIs",
                    n.idle.len(),
                    attached[id]
                ));
            }
            if attached[id] > n.eni_pods {
                f.details.push(format!(
                    "node {id} has {} ENIs attached for pods, over its instance limit {}",
                    attached[id], n.eni_pods
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
    }

    /// Each subnet's used addresses equal the ENIs that exist in it.
    fn check_subnets(&self, f: &mut Findings) {
        let mut used = vec![0u32; self.subnets.len()];
        for e in self.enis.iter().filter(|e| e.ip_offset.is_some()) {
            if e.state != EniState::Deleted {
                used[e.subnet.0 as usize] += 1;
            }
        }
        for (s, u) in self.subnets.iter().zip(used) {
            if s.used_ips() != u {
                f.details.push(format!(
                    "subnet {} counts {} used addresses but {} ENIs exist in it",
                    s.id,
                    s.used_ips(),
                    u
                ));
            }
        }
    }

    /// An ENI that exists must be in flight, attached to a live node, or kept for a
    /// static-IP pod's name; every such name points at its ENI and back.
    fn check_leaks(&self, f: &mut Findings) {
        for (&name, &eni) in &self.claims {
            if self.enis[eni.0 as usize].claim != Some(name) {
                f.details.push(format!(
                    "the claim of {name:?} names ENI {} which is not kept for it",
                    eni.0
                ));
            }
        }
        for (id, e) in self.enis.iter().enumerate() {
            let owned = e.state.in_flight()
                || (e.state == EniState::Attached && self.nodes[e.node as usize].alive)
                || (e.state == EniState::Detached
                    && (e.claim.is_some() || e.orphan_since.is_some()));
            let gone = matches!(e.state, EniState::Deleted | EniState::Failed);
            if !gone && !owned {
                f.leaked += 1;
                f.details
                    .push(format!("ENI {id} is leaked ({})", e.state.name()));
            }
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
        sim.nodes[0].bound += 1;
        assert!(sim.check_invariants().details[0].contains("bound ENIs"));
        sim.nodes[0].bound -= 1;
        sim.nodes[0].unaddressed += 1;
        assert!(sim.check_invariants().details[0].contains("without an address"));

        let mut sink = NullSink;
        let mut sim = settled(&mut sink);
        let eni = sim.nodes[0].idle.pop().expect("a warm ENI");
        let f = sim.check_invariants();
        assert!(
            f.details.iter().any(|d| d.contains("idle")),
            "{:?}",
            f.details
        );
        sim.nodes[0].alive = false;
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
        sim.pods[other].eni = sim.pods[running].eni;
        let f = sim.check_invariants();
        assert!(
            f.details.iter().any(|d| d.contains("runs without")),
            "{:?}",
            f.details
        );

        let mut sink = NullSink;
        let mut sim = settled(&mut sink);
        let now = sim.now();
        sim.subnets[0].allocate(now);
        let f = sim.check_invariants();
        assert!(
            f.details.iter().any(|d| d.contains("subnet a")),
            "{:?}",
            f.details
        );
    }
}
