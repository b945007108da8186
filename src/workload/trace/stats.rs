//! What a full pass over a trace found: how many pods, over what span, how many at once.

use crate::engine::SimTime;
use crate::workload::PodEvent;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A summary of a trace as it would replay (window, limit and time scale applied).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TraceStats {
    /// Pods created.
    pub pods: u64,
    /// Pods dropped because the trace does not delete them after it creates them.
    pub skipped: u64,
    /// Simulation time of the first creation.
    pub first_create: Option<SimTime>,
    /// Simulation time of the last creation or deletion, lifetimes' ends included: how long a
    /// run must be to see the whole trace.
    pub last_event: Option<SimTime>,
    /// Most pods alive at once, deletions at an instant counted before creations at it.
    pub peak_alive: u64,
}

/// A sweep over a pod event stream, one instant at a time.
#[derive(Default)]
pub(super) struct Sweep {
    stats: TraceStats,
    /// The instant being gathered, with its creations and deletions so far.
    instant: Option<SimTime>,
    creates: u64,
    deletes: u64,
    alive: u64,
    /// Ends of the lifetimes of alive pods.
    ends: BinaryHeap<Reverse<SimTime>>,
}

impl Sweep {
    /// Takes the next event of the stream (time-ordered).
    pub(super) fn push(&mut self, event: &PodEvent) {
        let at = event.at();
        if self.instant != Some(at) {
            self.close_instant();
            self.instant = Some(at);
        }
        match event {
            PodEvent::Create { lifetime, .. } => {
                self.creates += 1;
                self.stats.pods += 1;
                self.stats.first_create.get_or_insert(at);
                if let Some(lifetime) = lifetime {
                    self.ends.push(Reverse(at.plus(*lifetime)));
                }
            }
            PodEvent::Delete { .. } => self.deletes += 1,
        }
        self.stats.last_event = self.stats.last_event.max(Some(at));
    }

    /// The stats, once the stream is exhausted.
    pub(super) fn finish(mut self, skipped: u64) -> TraceStats {
        self.close_instant();
        if let Some(Reverse(last_end)) = self.ends.into_iter().max_by_key(|r| r.0) {
            self.stats.last_event = self.stats.last_event.max(Some(last_end));
        }
        self.stats.skipped = skipped;
        self.stats
    }

    /// Applies the gathered instant: lifetimes ending by then and its deletions, then its
    /// creations; the level after that is a candidate peak.
    fn close_instant(&mut self) {
        let Some(now) = self.instant.take() else {
            return;
        };
        while let Some(&Reverse(end)) = self.ends.peek() {
            if end > now {
                break;
            }
            self.ends.pop();
            self.stats.last_event = self.stats.last_event.max(Some(end));
            self.deletes += 1;
        }
        self.alive = (self.alive + self.creates).saturating_sub(self.deletes);
        self.stats.peak_alive = self.stats.peak_alive.max(self.alive);
        self.creates = 0;
        self.deletes = 0;
    }
}
