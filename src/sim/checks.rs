//! Checked runs (`--check`): after each event, the invariants on the records it touched;
//! every so often, and at the end, all of them.
//!
//! A full check visits every pod, ENI, node and subnet, so after each of a large run's
//! millions of events it would cost far more than the run. Instead the records an event
//! changes are noted as it changes them ([`super::tracked::Tracked`]) and counted again into a
//! running [`Tally`]; the checks then look at those records, the nodes, subnets, pods and
//! names they bear on, and the totals. A node counter that drifts is found after the event that
//! made it drift.
//!
//! A full check also runs after every [`Checks::every`] events: as many events as the world
//! has records (at least [`MIN_FULL_EVERY`]), so that full checks cost about one record
//! visit per event whatever the cluster's size. It finds what the per-event checks cannot
//! see (a record changed behind the checks' back), and names the window of events since the
//! previous full check that it broke in.

use super::invariants::{Findings, Touched};
use super::tally::Tally;
use super::{Event, Simulation};
use crate::engine::SimTime;

/// The fewest events between two full checks.
const MIN_FULL_EVERY: u64 = 100;

/// The state of a checked run's checks.
pub(super) struct Checks {
    /// The world's counts, kept up to date with every touched record.
    tally: Tally,
    /// The records the current event touched, and those whose checks they bear on.
    touched: Touched,
    /// Events between full checks.
    every: u64,
    /// The event (its number and time) after which the last full check ran.
    last_full: (u64, SimTime),
}

impl Checks {
    /// Events between full checks in a world of `records` records.
    fn every(records: usize) -> u64 {
        (records as u64).max(MIN_FULL_EVERY)
    }
}

impl Simulation<'_> {
    /// Checks what the event just run (`event`, at `t`) may have broken; on the first broken
    /// invariant, records it with the event, or with the window of events a full check found
    /// it in.
    pub(super) fn check_event(&mut self, event: Event, t: SimTime) {
        let number = self.metrics.events;
        let Some(mut checks) = self.checks.take() else {
            // The first checked event: changes are noted from now on, after a full check.
            self.pods.track();
            self.enis.track();
            self.nodes.track();
            self.subnets.track();
            let (found, tally) = self.check_all();
            self.note_violation(found, || format!("after {event:?} at {t} s"));
            self.checks = Some(Checks {
                tally,
                touched: Touched::default(),
                every: Checks::every(self.records()),
                last_full: (number, t),
            });
            return;
        };
        self.gather_touched(&mut checks);
        let found = self.check(&checks.tally, &checks.touched);
        if !found.details.is_empty() {
            self.note_violation(found, || format!("after {event:?} at {t} s"));
        } else if number >= checks.last_full.0 + checks.every {
            let (found, tally) = self.check_all();
            let (since, at) = checks.last_full;
            let every = checks.every;
            self.note_violation(found, || {
                format!(
                    "between events {} and {number} ({at} s to {t} s, the last {event:?}; \
                     found by the full check every {every} events)",
                    since + 1
                )
            });
            checks.tally = tally;
            checks.last_full = (number, t);
            checks.every = Checks::every(self.records());
        }
        self.checks = Some(checks);
    }

    /// Records the first of `found`, if any, as the run's first violation, after `when`.
    fn note_violation(&mut self, found: Findings, when: impl FnOnce() -> String) {
        if let Some(detail) = found.details.into_iter().next() {
            self.first_violation = Some(format!("{}: {detail}", when()));
        }
    }

    /// Pods, ENIs, nodes and subnets in the world.
    fn records(&self) -> usize {
        self.pods.len() + self.enis.len() + self.nodes.len() + self.subnets.len()
    }

    /// Counts the touched records again, and lists them with the records whose checks they
    /// bear on: a pod's node and ENI (whose bound node follows the pod's), an ENI's nodes,
    /// subnet, pod and name, before and after.
    fn gather_touched(&mut self, checks: &mut Checks) {
        let x = &mut checks.touched;
        x.clear();
        self.pods.take_touched(&mut x.pods);
        self.enis.take_touched(&mut x.enis);
        self.nodes.take_touched(&mut x.nodes);
        self.subnets.take_touched(&mut x.subnets);
        x.settle();
        let t = &mut checks.tally;
        for i in 0..x.pods.len() {
            let (old, new) = t.pod(self, x.pods[i] as usize);
            x.nodes.extend([old.node, new.node].into_iter().flatten());
            x.enis.extend([old.eni, new.eni].into_iter().flatten());
        }
        x.enis.sort_unstable();
        x.enis.dedup();
        for i in 0..x.enis.len() {
            let (old, new) = t.eni(self, x.enis[i] as usize);
            for m in [old, new] {
                x.nodes.extend([m.node, m.bound_for].into_iter().flatten());
                x.subnets.extend(m.subnet);
                x.pods.extend(m.pod);
                x.claims.extend(m.claim);
            }
        }
        x.settle();
        for &node in &x.nodes {
            t.node(self, node as usize);
        }
        for &subnet in &x.subnets {
            t.subnet(self, subnet as usize);
        }
        // A gone node keeps no attached ENI: any left are leaks, checked one by one.
        let dead_with_enis = |&n: &u32| !self.nodes[n as usize].alive && t.attached[n as usize] > 0;
        if x.nodes.iter().any(dead_with_enis) {
            let stranded = (0..self.enis.len() as u32).filter(|&e| {
                let node = self.enis[e as usize].node;
                dead_with_enis(&node)
            });
            x.enis.extend(stranded);
            x.settle();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Event, RunOptions, Simulation};
    use super::Tally;
    use crate::report::rows::NullSink;
    use crate::scenario::{load, load_str};
    use std::path::Path;

    const CHECK: RunOptions = RunOptions {
        check: true,
        progress: None,
    };

    /// Zone `z`: subnet `a`, node 0 (group `a`) and node 1 (group `b`); zone `y`: subnet `b`
    /// and no node, so nothing ever touches it. A deployment of 6 pods and pods coming and going
    /// all the time; at 30m group `b`'s warm pool is set again (an event that touches node 1
    /// alone).
    const WORLD: &str = r#"
duration = "1h"
[[subnets]]
id = "a"
zone = "z"
cidr = "10.0.0.0/24"
[[subnets]]
id = "b"
zone = "y"
cidr = "10.0.1.0/24"
[[node_groups]]
name = "a"
instance_type = "S5.2XLARGE16"
zone = "z"
count = 1
[[node_groups]]
name = "b"
instance_type = "S5.2XLARGE16"
zone = "z"
count = 1
[[workloads]]
name = "web"
kind = "deployment"
replicas = 6
[[workloads]]
name = "jobs"
kind = "poisson"
arrivals_per_minute = 6
lifetime = { mean = "5m" }
[[events]]
at = "30m"
action = "set_warm"
node_group = "b"
min_warm = 1
max_warm = 1
"#;

    /// The world run with every check until the next event is the one at 30m.
    fn before_set_warm(sink: &mut NullSink) -> Simulation<'_> {
        let sc = load_str(WORLD, "t.toml", "t", &[]).unwrap();
        let mut sim = Simulation::new(sc, sink).unwrap();
        sim.start().unwrap();
        while !sim.queue.peek_is(|e| matches!(e, Event::Cluster(0))) {
            sim.step(CHECK).unwrap();
        }
        assert!(sim.first_violation.is_none(), "{:?}", sim.first_violation);
        sim
    }

    /// Forgets which records were changed since the last event, as if no event had.
    fn untouched(sim: &mut Simulation) {
        let mut sink = Vec::new();
        sim.pods.take_touched(&mut sink);
        sim.enis.take_touched(&mut sink);
        sim.nodes.take_touched(&mut sink);
        sim.subnets.take_touched(&mut sink);
    }

    #[test]
    fn a_node_counter_that_drifted_is_found_after_the_event_that_touched_the_node() {
        let mut sink = NullSink;
        let mut sim = before_set_warm(&mut sink);
        sim.nodes.touch(1).bound += 1;
        untouched(&mut sim);
        sim.step(CHECK).unwrap();
        let counted = sim.nodes[1].bound;
        assert_eq!(
            sim.first_violation.as_deref(),
            Some(
                format!(
                    "after Cluster(0) at 1800.000 s: node 1 counts {counted} bound ENIs but has {}",
                    counted - 1
                )
                .as_str()
            )
        );
    }

    #[test]
    fn a_change_no_event_touched_is_found_by_the_next_full_check() {
        let mut sink = NullSink;
        let mut sim = before_set_warm(&mut sink);
        let now = sim.now();
        sim.subnets.touch(1).allocate(now);
        untouched(&mut sim);
        let (since, every) = {
            let checks = sim.checks.as_ref().unwrap();
            (checks.last_full.0, checks.every)
        };
        while sim.first_violation.is_none() {
            assert!(sim.metrics.events < since + every, "no full check found it");
            assert!(sim.queue.peek_time().is_some(), "the run ended first");
            sim.step(CHECK).unwrap();
        }
        let found = sim.first_violation.unwrap();
        assert_eq!(sim.metrics.events, since + every, "{found}");
        let expected = format!("between events {} and {} (", since + 1, since + every);
        assert!(found.starts_with(&expected), "{found}");
        assert!(
            found.ends_with(&format!("found by the full check every {every} events): subnet b counts 1 used addresses but 0 ENIs exist in it")),
            "{found}"
        );
    }

    /// Runs `sim` to its end and drains it, with every check; after each event the running
    /// tally equals a count of the world from scratch.
    fn tally_follows(mut sim: Simulation, what: &str) {
        sim.start().unwrap();
        let end = sim.sc.duration;
        let mut events = 0;
        while sim.queue.peek_time().is_some_and(|t| t <= end) {
            sim.step(CHECK).unwrap();
            events += 1;
            let running = &sim.checks.as_ref().unwrap().tally;
            assert!(
                *running == Tally::of(&sim),
                "{what}: the tally drifted at {}",
                sim.now()
            );
        }
        sim.drain(CHECK).unwrap();
        assert!(events > 100, "{what}: {events} events");
        assert!(
            sim.first_violation.is_none(),
            "{what}: {:?}",
            sim.first_violation
        );
    }

    #[test]
    fn the_running_tally_follows_every_change_in_the_shipped_scenarios() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let faults = [
            "vpc.faults.attach=0.2",
            "vpc.faults.detach=0.1",
            "vpc.faults.create=0.1",
            "vpc.faults.timeout=0.05",
        ];
        for (name, set) in [
            ("quickstart", &[][..]),
            ("quickstart", &faults[..]),
            (
                "statefulset-restart",
                &["policy.static_ip_retention=\"10m\""][..],
            ),
            ("statefulset-restart", &faults[..]),
            ("mixed-zones", &faults[..]),
            ("scale-up-storm", &["duration=\"10m\""][..]),
            ("alibaba-replay", &["workloads.0.limit=1000"][..]),
        ] {
            let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
            let sc = load(&dir.join(format!("{name}.toml")), &set).unwrap();
            let mut sink = NullSink;
            tally_follows(Simulation::new(sc, &mut sink).unwrap(), name);
        }
    }

    #[test]
    fn the_running_tally_follows_nodes_that_go() {
        let world = WORLD.replace("replicas = 6", "replicas = 20\nstatic_ip = true")
            + r#"
[policy]
mode = "static"
static_ip_retention = "6m"
[vpc.faults]
attach = 0.1
timeout = 0.05
[[events]]
at = "10m"
action = "crash_nodes"
node_group = "a"
count = 1
detection = "40s"
[[events]]
at = "12m"
action = "add_nodes"
node_group = "a"
count = 2
[[events]]
at = "20m"
action = "drain_nodes"
node_group = "a"
count = 1
[[events]]
at = "25m"
action = "delete_nodes"
node_group = "a"
count = 1
"#;
        let sc = load_str(&world, "t.toml", "t", &[]).unwrap();
        let mut sink = NullSink;
        tally_follows(Simulation::new(sc, &mut sink).unwrap(), "nodes that go");
    }
}
