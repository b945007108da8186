//! Workloads driven by a source (poisson, burst, trace): pods come and go when the source
//! says, pulled one event at a time. Such pods are not recreated when their node goes.

use super::live_names::LiveNames;
use super::pods::EniFate;
use super::{Event, Simulation};
use crate::cluster::pod::{PodEnd, PodState};
use crate::engine::{RngStreams, SimTime, Stream};
use crate::error::InputError;
use crate::scenario::model::WorkloadKind;
use crate::workload::{BurstSource, PodEvent, PodSource, PoissonSource, TraceSource};
use std::collections::HashMap;

/// A source-driven workload's state.
pub(super) struct SourceState {
    source: Box<dyn PodSource>,
    /// The event pulled and scheduled, waiting for its time.
    next: Option<PodEvent>,
    /// Pod id of each source key a later delete may name (trace pods without a lifetime),
    /// until that delete comes.
    pods_by_key: HashMap<u32, u32>,
    /// Trace pod names in use, with their serials.
    names: LiveNames,
}

impl SourceState {
    /// The source of workload `index` of kind `kind`, if that kind is source-driven.
    pub(super) fn open(
        kind: &WorkloadKind,
        streams: &RngStreams,
        index: usize,
        run_end: SimTime,
    ) -> Result<Option<SourceState>, InputError> {
        let rng = || streams.indexed(Stream::Workloads, index);
        let source: Box<dyn PodSource> = match kind {
            WorkloadKind::Deployment(_) | WorkloadKind::StatefulSet(_) => return Ok(None),
            WorkloadKind::Poisson(c) => Box::new(PoissonSource::new(c.clone(), rng(), run_end)),
            WorkloadKind::Burst(c) => Box::new(BurstSource::new(c.clone(), rng())),
            WorkloadKind::Trace(c) => Box::new(TraceSource::open(c)?),
        };
        Ok(Some(SourceState {
            source,
            next: None,
            pods_by_key: HashMap::new(),
            names: LiveNames::default(),
        }))
    }

    /// The trace name of a pod's serial, if its workload is a trace.
    pub(super) fn name(&self, serial: u32) -> Option<&str> {
        self.names.name(serial)
    }

    /// The serial for a new pod: its trace name's (held for the pod), or the source key.
    fn serial(&mut self, key: u32, name: Option<&str>) -> u32 {
        name.map_or(key, |name| self.names.hold_name(name))
    }
}

impl Simulation<'_> {
    /// Pulls a source's next event and schedules it.
    pub(super) fn pull_source(&mut self, w: u32) -> Result<(), InputError> {
        let Some(state) = self.sources[w as usize].as_mut() else {
            return Ok(());
        };
        if let Some(event) = state.source.next_event()? {
            self.queue.schedule(event.at(), Event::Source(w));
            state.next = Some(event);
        }
        Ok(())
    }

    /// Runs a source's event that came due, then schedules its next.
    pub(super) fn source_event(&mut self, w: u32) -> Result<(), InputError> {
        let Some(event) = self.sources[w as usize]
            .as_mut()
            .and_then(|s| s.next.take())
        else {
            return Ok(());
        };
        match event {
            PodEvent::Create {
                key,
                name,
                lifetime,
                static_ip,
                ..
            } => {
                let state = self.sources[w as usize].as_mut().expect("source exists");
                let serial = state.serial(key, name.as_deref());
                let pod = self.new_pod(w, serial, static_ip);
                // A named pod without a lifetime ends by a delete naming its key, or never.
                if name.is_some() && lifetime.is_none() {
                    let state = self.sources[w as usize].as_mut().expect("source exists");
                    state.pods_by_key.insert(key, pod);
                }
                self.create_pod(pod);
                self.schedule_pending();
                if let Some(life) = lifetime {
                    let at = self.now().plus(life);
                    self.queue.schedule(at, Event::PodExpire(pod));
                }
            }
            PodEvent::Delete { key, .. } => {
                let state = self.sources[w as usize].as_mut().expect("source exists");
                if let Some(pod) = state.pods_by_key.remove(&key) {
                    self.expire_pod(pod);
                }
            }
        }
        self.pull_source(w)
    }

    /// A source-driven pod's life is over. Its record is reused for a later pod when nothing
    /// can refer to it any more: this was its only end (its expiry or its trace delete, never
    /// both) and its node did not crash under it (the node's list of lost pods names it).
    /// A scheduler queue may still name it, with its place in creation order, which the
    /// record's next pod does not have.
    pub(super) fn expire_pod(&mut self, pod: u32) {
        let p = &self.pods[pod as usize];
        if p.state == PodState::Terminated {
            return;
        }
        let reusable = p.state != PodState::Lost;
        self.delete_pod(pod, PodEnd::Deleted, EniFate::Normal);
        if reusable {
            self.unused_pod_ids.push(pod);
        }
        self.schedule_pending();
    }
}

impl Simulation<'_> {
    /// A static-IP pod's name `(workload, serial)` now keeps an ENI: a trace's name stays in
    /// use (and keeps its serial) while it does.
    pub(super) fn hold_name(&mut self, (w, serial): (u32, u32)) {
        if let Some(state) = self.sources[w as usize].as_mut() {
            state.names.hold(serial);
        }
    }

    /// A pod of the name `(workload, serial)` ended, or the name's kept ENI went: a trace's
    /// name is forgotten once nothing holds it.
    pub(super) fn release_name(&mut self, (w, serial): (u32, u32)) {
        if let Some(state) = self.sources[w as usize].as_mut() {
            state.names.release(serial);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{RunOptions, Simulation};
    use crate::report::rows::NullSink;
    use crate::scenario::load;
    use std::fmt::Write;

    /// A static-IP mode trace of `cycles` minutes, on one node of 4 exclusive-ENI pods. Each
    /// minute k: static pod `s-k` and pod `p-k` come, with four more (`q-k-*`) that find no
    /// room and are deleted within the second, two of them still pending; `p-k` ends after
    /// 5 s (its ENI is deleted); `s-k` ends after 5 s too, comes back at 20 s (its ENI
    /// kept for its name comes back), ends for good at 25 s and its name's ENI is deleted
    /// when the 6-minute retention runs out.
    fn replay(dir: &std::path::Path, cycles: u32) -> (Vec<usize>, [u64; 2]) {
        let mut rows = String::from("time,action,pod,workload,static_ip\n");
        let mut add = |t: u32, action: &str, pod: &str, static_ip: &str| {
            writeln!(rows, "{t},{action},{pod},w,{static_ip}").unwrap();
        };
        for k in 0..cycles {
            let t = 60 * k;
            add(t, "create", &format!("s-{k}"), "true");
            add(t, "create", &format!("p-{k}"), "");
            for q in 0..4 {
                add(t, "create", &format!("q-{k}-{q}"), "");
            }
            for q in 0..4 {
                add(t + 1, "delete", &format!("q-{k}-{q}"), "");
            }
            add(t + 5, "delete", &format!("s-{k}"), "");
            add(t + 5, "delete", &format!("p-{k}"), "");
            add(t + 20, "create", &format!("s-{k}"), "");
            add(t + 25, "delete", &format!("s-{k}"), "");
        }
        std::fs::write(dir.join("trace.csv"), rows).unwrap();
        let scenario = format!(
            r#"duration = "{}m"
[policy]
mode = "static"
static_ip_retention = "6m"
[[subnets]]
id = "a"
zone = "z"
cidr = "10.0.0.0/24"
[[node_groups]]
name = "n"
instance_type = "S5.SMALL"
zone = "z"
count = 1
[[workloads]]
name = "w"
kind = "trace"
path = "trace.csv"
"#,
            cycles + 10
        );
        let path = dir.join("s.toml");
        std::fs::write(&path, scenario).unwrap();
        let sc = load(&path, &[]).unwrap();
        let end = sc.duration;
        let mut sink = NullSink;
        let mut sim = Simulation::new(sc, &mut sink).unwrap();
        sim.start().unwrap();
        let check = RunOptions {
            check: true,
            progress: None,
        };
        while sim.queue.peek_time().is_some_and(|t| t <= end) {
            sim.step(check).unwrap();
        }
        assert!(sim.first_violation.is_none(), "{:?}", sim.first_violation);
        assert!(sim.check_invariants().details.is_empty());
        let source = sim.sources[0].as_ref().unwrap();
        let kept = [
            sim.pods.len(),
            sim.enis.len(),
            source.names.len(),
            source.pods_by_key.len(),
            sim.scheduler.queued(),
        ];
        let m = &sim.metrics;
        (kept.to_vec(), [m.static_reattached, m.static_expired])
    }

    #[test]
    fn a_trace_replay_keeps_the_records_of_what_is_alive_only() {
        let dir = tempfile::tempdir().unwrap();
        let (short, short_static) = replay(dir.path(), 30);
        let (long, long_static) = replay(dir.path(), 300);
        assert_eq!(
            short_static,
            [30, 30],
            "every name got its ENI back, then let it go"
        );
        assert_eq!(long_static, [300, 300]);
        assert_eq!(short, long, "pods, ENIs, names, keys and queued pods kept");
        assert_eq!(&long[2..], &[0, 0, 0], "no name, key or queued pod is left");
    }
}
