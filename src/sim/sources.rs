//! Workloads driven by a source (poisson, burst, trace): pods come and go when the source
//! says, pulled one event at a time. Such pods are not recreated when their node goes.

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
    /// Pod id of each source key, for the deletes of a trace. Only named (trace) pods are
    /// filed: generated pods end by their lifetime, never by key.
    pods_by_key: Vec<u32>,
    /// Trace pod names, by serial; a name that comes back (a pod recreated under the same
    /// name) gets the same serial, so a static-IP pod finds its kept ENI.
    names: Vec<String>,
    serial_of: HashMap<String, u32>,
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
            pods_by_key: Vec::new(),
            names: Vec::new(),
            serial_of: HashMap::new(),
        }))
    }

    /// The trace name of a pod's serial, if its workload is a trace.
    pub(super) fn name(&self, serial: u32) -> Option<&str> {
        self.names.get(serial as usize).map(String::as_str)
    }

    /// The serial for a pod: its trace name's, or the source key.
    fn serial(&mut self, key: u32, name: Option<String>) -> u32 {
        let Some(name) = name else {
            return key;
        };
        if let Some(&serial) = self.serial_of.get(&name) {
            return serial;
        }
        let serial = self.names.len() as u32;
        self.serial_of.insert(name.clone(), serial);
        self.names.push(name);
        serial
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
                let named = name.is_some();
                let serial = state.serial(key, name);
                let pod = self.new_pod(w, serial, static_ip);
                if let Some(state) = self.sources[w as usize].as_mut().filter(|_| named) {
                    state.pods_by_key.push(pod);
                }
                self.create_pod(pod);
                self.schedule_pending();
                if let Some(life) = lifetime {
                    let at = self.now().plus(life);
                    self.queue.schedule(at, Event::PodExpire(pod));
                }
            }
            PodEvent::Delete { key, .. } => {
                let state = self.sources[w as usize].as_ref().expect("source exists");
                if let Some(&pod) = state.pods_by_key.get(key as usize) {
                    self.expire_pod(pod);
                }
            }
        }
        self.pull_source(w)
    }

    /// A source-driven pod's life is over. Its record is reused for a later pod when nothing
    /// can refer to it any more: it was placed (so no scheduler queue holds it) and this was
    /// its only end (its expiry or its trace delete, never both).
    pub(super) fn expire_pod(&mut self, pod: u32) {
        let p = &self.pods[pod as usize];
        if p.state == PodState::Terminated {
            return;
        }
        let reusable = p.scheduled_at.is_some() && p.state != PodState::Lost;
        self.delete_pod(pod, PodEnd::Deleted, EniFate::Normal);
        if reusable {
            self.unused_pod_ids.push(pod);
        }
        self.schedule_pending();
    }
}
