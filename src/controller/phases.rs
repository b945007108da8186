//! What an ENI on its way to a pod was waiting for, moment by moment: the record behind the
//! split of a pod's start-up latency into queueing, throttling, API latency and the rest.

use crate::engine::SimTime;

/// What an ENI being provisioned (created and attached, or re-attached) waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Its work waits in the controller: in the work queue for a worker, or behind the calls a
    /// worker sends before its own.
    Queued,
    /// Held back by a rate limit: waiting for a client-side token, or a call the VPC refused
    /// with `RequestLimitExceeded` (its round trip, a refused poll, the wait before the retry).
    Throttled,
    /// A VPC call in flight: from its sending until its result is learned (polls included).
    Api,
    /// Anything else: backing off after another error, no subnet to create in, no ENI on its
    /// way yet.
    Other,
}

/// A pod's wait split by [`Phase`], in milliseconds; the parts add up to the wait.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Split {
    /// [`Phase::Queued`].
    pub queueing: u64,
    /// [`Phase::Throttled`].
    pub throttling: u64,
    /// [`Phase::Api`].
    pub api: u64,
    /// [`Phase::Other`], and any time before the record starts.
    pub other: u64,
}

impl Split {
    /// Adds another wait's parts to these.
    pub fn absorb(&mut self, other: Split) {
        self.queueing += other.queueing;
        self.throttling += other.throttling;
        self.api += other.api;
        self.other += other.other;
    }

    fn add(&mut self, phase: Phase, ms: u64) {
        match phase {
            Phase::Queued => self.queueing += ms,
            Phase::Throttled => self.throttling += ms,
            Phase::Api => self.api += ms,
            Phase::Other => self.other += ms,
        }
    }
}

/// The phases an ENI went through, each from its start until the next one's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PhaseLog(Vec<(SimTime, Phase)>);

/// Entries kept before old ones are dropped (a long retry storm must not grow a record).
const KEEP: usize = 64;

impl PhaseLog {
    /// True when nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The ENI is in `phase` from `at` on (never before the last entry: times only grow).
    pub fn enter(&mut self, at: SimTime, phase: Phase) {
        match self.0.last_mut() {
            Some((_, last)) if *last == phase => {}
            Some((t, last)) if *t >= at => {
                *last = phase;
                self.merge_last();
            }
            _ => self.0.push((at, phase)),
        }
        if self.0.len() > KEEP {
            // The oldest entry takes over the second's span: the split of a window that
            // starts after the second entry ends is unchanged.
            self.0.remove(1);
        }
    }

    /// The phase the ENI is in now, if any.
    pub fn current(&self) -> Option<Phase> {
        self.0.last().map(|&(_, p)| p)
    }

    /// The current phase began as `from` and turns out to have been `to` all along (a call's
    /// round trip that ended in `RequestLimitExceeded` was throttling, not API latency).
    pub fn recast(&mut self, from: Phase, to: Phase) {
        if let Some((_, last)) = self.0.last_mut().filter(|(_, p)| *p == from) {
            *last = to;
            self.merge_last();
        }
    }

    /// The last entry goes if it only continues the phase before it.
    fn merge_last(&mut self) {
        let n = self.0.len();
        if n >= 2 && self.0[n - 2].1 == self.0[n - 1].1 {
            self.0.pop();
        }
    }

    /// Appends `later`'s entries (an ENI taking on the record of a failed create before it).
    pub fn extend(&mut self, later: &PhaseLog) {
        for &(at, phase) in &later.0 {
            self.enter(at, phase);
        }
    }

    /// The window `[from, to]` split by phase; time before the first entry is `Other`.
    pub fn split(&self, from: SimTime, to: SimTime) -> Split {
        let mut split = Split::default();
        let mut at = from;
        let mut phase = Phase::Other;
        for &(start, next) in &self.0 {
            if start > at {
                let end = start.min(to);
                split.add(phase, end.since(at).as_millis());
                at = end;
            }
            phase = next;
        }
        split.add(phase, to.since(at).as_millis());
        split
    }

    /// From `from` until the first VPC call of the window `[from, to]`: zero if a call was in
    /// flight at `from`, `None` if none was made by `to`.
    pub fn until_call(&self, from: SimTime, to: SimTime) -> Option<SimTime> {
        let mut phase = Phase::Other;
        for &(start, next) in &self.0 {
            if start > from && phase == Phase::Api {
                return Some(SimTime::ZERO);
            }
            if start > to {
                break;
            }
            if next == Phase::Api && start >= from {
                return Some(start.since(from));
            }
            phase = next;
        }
        (phase == Phase::Api).then_some(SimTime::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: u64) -> SimTime {
        SimTime(ms)
    }

    fn log(entries: &[(u64, Phase)]) -> PhaseLog {
        let mut l = PhaseLog::default();
        for &(at, p) in entries {
            l.enter(t(at), p);
        }
        l
    }

    /// Queued 0..100, waiting for a token 100..300, create in flight 300..1400, queued again
    /// 1400..1500, attach in flight from 1500.
    fn create_then_attach() -> PhaseLog {
        use Phase::*;
        log(&[
            (0, Queued),
            (100, Throttled),
            (300, Api),
            (1400, Queued),
            (1500, Api),
        ])
    }

    #[test]
    fn a_window_splits_into_the_phases_it_overlaps() {
        use Phase::*;
        let l = create_then_attach();
        let whole = l.split(t(0), t(4700));
        assert_eq!(
            whole,
            Split {
                queueing: 200,
                throttling: 200,
                api: 4300,
                other: 0
            }
        );
        // A pod placed at 200 sees only the part after it.
        let late = l.split(t(200), t(4700));
        assert_eq!((late.queueing, late.throttling, late.api), (100, 100, 4300));
        // A window starting before the record: the time before it is "other".
        let early = log(&[(50, Api)]).split(t(0), t(150));
        assert_eq!((early.other, early.api), (50, 100));
        // An empty record: all "other".
        assert_eq!(PhaseLog::default().split(t(10), t(30)).other, 20);
    }

    #[test]
    fn entries_merge_when_the_phase_does_not_change_and_same_time_entries_replace() {
        use Phase::*;
        let l = log(&[(0, Queued), (0, Api), (5, Api), (5, Throttled), (3, Other)]);
        assert_eq!(l.0, [(t(0), Api), (t(5), Other)]);
    }

    #[test]
    fn a_throttled_round_trip_is_recast_as_throttling() {
        use Phase::*;
        let mut l = log(&[(0, Queued), (10, Throttled), (20, Api)]);
        l.recast(Api, Throttled);
        l.enter(t(120), Throttled);
        assert_eq!(l.0, [(t(0), Queued), (t(10), Throttled)]);
        assert_eq!(l.split(t(0), t(200)).throttling, 190);
    }

    #[test]
    fn the_time_to_the_first_call_counts_from_the_pod_s_need() {
        use Phase::*;
        let l = create_then_attach();
        assert_eq!(l.until_call(t(0), t(5000)), Some(t(300)));
        assert_eq!(
            l.until_call(t(500), t(5000)),
            Some(t(0)),
            "a call was in flight"
        );
        assert_eq!(l.until_call(t(1450), t(5000)), Some(t(50)));
        assert_eq!(l.until_call(t(0), t(200)), None, "no call by then");
        assert_eq!(log(&[(0, Api)]).until_call(t(9), t(9)), Some(t(0)));
    }

    #[test]
    fn a_long_record_drops_its_oldest_entries() {
        use Phase::*;
        let mut l = PhaseLog::default();
        for i in 0..1000u64 {
            l.enter(t(i * 10), if i % 2 == 0 { Api } else { Throttled });
        }
        assert_eq!(l.0.len(), KEEP);
        let s = l.split(t(9900), t(10_000));
        assert_eq!((s.api, s.throttling, s.other), (50, 50, 0));
    }
}
