//! The future event list, ordered by time, and within an instant by the order the events were
//! scheduled (FIFO). There is no cancellation: a model that changes its mind lets the old event
//! run and finds it stale (it keeps the due time it still wants), which keeps the dequeue path
//! free of lookups.
//!
//! It is a hierarchical timing wheel (Varghese and Lauck) over integer milliseconds, each level
//! one base-64 digit of the time: an entry sits at the level of the highest digit where its
//! time differs from `elapsed` (the wheel's own clock, never ahead of the next event), in the
//! slot named by that digit. The earliest entries are in the lowest occupied slot of the
//! lowest occupied level. Popping past the entries due now moves the clock to that slot's
//! start and spreads the slot over the levels below (its "cascade"); a level-0 slot holds a
//! single instant. So an event an hour ahead moves four times in its life, through contiguous
//! vectors, and finding the next event is a bit scan. Every entry of one instant always shares
//! one slot, appended in the order scheduled, and a cascade only ever lands in empty slots, so
//! slots keep the FIFO order without a sequence number. Slots keep their capacity, so a run in
//! steady state allocates nothing per event.

use super::time::SimTime;
use std::collections::VecDeque;

/// Bits of the time per level: 64 slots, so a level's occupancy is one `u64`.
const DIGIT: u32 = 6;
const SLOTS: usize = 1 << DIGIT;
/// Enough levels for any `u64` time.
const LEVELS: usize = 64_usize.div_ceil(DIGIT as usize);

struct Entry<E> {
    time: u64,
    event: E,
}

/// A deterministic priority queue of events of type `E`.
pub struct EventQueue<E> {
    /// `LEVELS * SLOTS` slots, level-major.
    slots: Vec<Vec<Entry<E>>>,
    /// Per level, bit s set when slot s is non-empty.
    occupied: [u64; LEVELS],
    /// The entries due at `elapsed`, in the order scheduled; the next to pop at the front.
    due: VecDeque<Entry<E>>,
    /// The wheel's clock: no entry is earlier, and it is never ahead of `now`.
    elapsed: u64,
    len: usize,
    now: SimTime,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue at time zero.
    pub fn new() -> Self {
        EventQueue {
            slots: (0..LEVELS * SLOTS).map(|_| Vec::new()).collect(),
            occupied: [0; LEVELS],
            due: VecDeque::new(),
            elapsed: 0,
            len: 0,
            now: SimTime::ZERO,
        }
    }

    /// The time of the event popped last.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at `time`. Scheduling into the past is a logic error: such an event
    /// runs at the current time instead, so time never goes backwards.
    pub fn schedule(&mut self, time: SimTime, event: E) {
        debug_assert!(time >= self.now, "event scheduled in the past");
        let time = time.max(self.now).as_millis();
        self.insert(Entry { time, event });
        self.len += 1;
    }

    /// The time of the next event that will run, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        if let Some(entry) = self.due.front() {
            return Some(SimTime(entry.time));
        }
        let (slot, index) = self.earliest()?;
        Some(SimTime(self.slots[slot][index].time))
    }

    /// True if the next event that will run satisfies `pred`.
    pub fn peek_is(&self, pred: impl Fn(&E) -> bool) -> bool {
        if let Some(entry) = self.due.front() {
            return pred(&entry.event);
        }
        self.earliest()
            .is_some_and(|(slot, index)| pred(&self.slots[slot][index].event))
    }

    /// Removes and returns the next event, advancing the clock to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        if self.due.is_empty() {
            self.advance()?;
        }
        let entry = self.due.pop_front().expect("advance found entries due");
        self.len -= 1;
        self.now = SimTime(entry.time);
        Some((self.now, entry.event))
    }

    /// The event `n` places after the next one, as far as the wheel can tell without moving
    /// anything (among the events due now and those of the next 64 ms at most; `None`
    /// beyond): a hint of what is coming, for fetching its records early.
    pub fn ahead(&self, mut n: usize) -> Option<&E> {
        if let Some(entry) = self.due.get(n) {
            return Some(&entry.event);
        }
        n -= self.due.len();
        let mut bits = self.occupied[0];
        while bits != 0 {
            let slot = &self.slots[bits.trailing_zeros() as usize];
            match slot.get(n) {
                Some(entry) => return Some(&entry.event),
                None => n -= slot.len(),
            }
            bits &= bits - 1;
        }
        None
    }

    /// Number of events waiting.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no event is waiting.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn insert(&mut self, entry: Entry<E>) {
        let differ = entry.time ^ self.elapsed;
        if differ == 0 {
            self.due.push_back(entry);
            return;
        }
        let level = ((63 - differ.leading_zeros()) / DIGIT) as usize;
        let digit = (entry.time >> (DIGIT as usize * level)) as usize % SLOTS;
        self.slots[level * SLOTS + digit].push(entry);
        self.occupied[level] |= 1 << digit;
    }

    /// The lowest occupied slot of the lowest occupied level, as (level, digit).
    fn lowest_slot(&self) -> Option<(usize, usize)> {
        let level = self.occupied.iter().position(|&bits| bits != 0)?;
        Some((level, self.occupied[level].trailing_zeros() as usize))
    }

    /// Where the next event is while nothing is due: (slot index, index in the slot), the
    /// first entry of the earliest time in the lowest slot.
    fn earliest(&self) -> Option<(usize, usize)> {
        let (level, digit) = self.lowest_slot()?;
        let slot = &self.slots[level * SLOTS + digit];
        let mut best = 0;
        if level > 0 {
            for (i, entry) in slot.iter().enumerate().skip(1) {
                if entry.time < slot[best].time {
                    best = i;
                }
            }
        }
        Some((level * SLOTS + digit, best))
    }

    /// With nothing due, moves the clock to the lowest slot's start and spreads that slot
    /// over the levels below (all empty), until some entries are due. `None` when the queue
    /// is empty.
    fn advance(&mut self) -> Option<()> {
        while self.due.is_empty() {
            let (level, digit) = self.lowest_slot()?;
            let shift = DIGIT as usize * level;
            let above = shift + DIGIT as usize;
            let high = if above >= 64 {
                0
            } else {
                self.elapsed >> above << above
            };
            self.elapsed = high | ((digit as u64) << shift);
            self.occupied[level] &= !(1 << digit);
            let mut slot = std::mem::take(&mut self.slots[level * SLOTS + digit]);
            for entry in slot.drain(..) {
                self.insert(entry);
            }
            // Keep the capacity for the next entries that land in this slot.
            self.slots[level * SLOTS + digit] = slot;
        }
        Some(())
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order_and_fifo_within_an_instant() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(20), "c");
        q.schedule(SimTime(10), "a");
        q.schedule(SimTime(20), "d");
        q.schedule(SimTime(10), "b");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, ["a", "b", "c", "d"]);
        assert_eq!(q.now(), SimTime(20));
    }

    /// The wheel against a plain ordered map of (time, seq), through a long random mix of
    /// schedules (same-instant ones, far-future ones and cascades included), peeks and pops.
    #[test]
    fn matches_an_ordered_map_under_random_use() {
        use rand::{Rng, SeedableRng};
        use std::collections::BTreeMap;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(6);
        let mut q = EventQueue::new();
        let mut model: BTreeMap<(u64, u64), u32> = BTreeMap::new();
        let mut next = 0u32;
        let mut seq = 0u64;
        let mut seen_ahead = 0;
        for _ in 0..200_000 {
            match rng.random_range(0..10) {
                0..=3 => {
                    let now = q.now().as_millis();
                    let delay = match rng.random_range(0..4) {
                        0 => 0,
                        1 => rng.random_range(0..10),
                        2 => rng.random_range(0..100_000),
                        _ => rng.random_range(0..1u64 << 40),
                    };
                    q.schedule(SimTime(now + delay), next);
                    model.insert((now + delay, seq), next);
                    next += 1;
                    seq += 1;
                }
                4 | 5 => {
                    let expected = model.first_key_value().map(|(&(t, _), &e)| (t, e));
                    assert_eq!(q.peek_time(), expected.map(|(t, _)| SimTime(t)));
                    assert_eq!(
                        q.peek_is(|&e| Some(e) == expected.map(|(_, e)| e)),
                        expected.is_some()
                    );
                    // What the wheel can see ahead is exactly what comes next.
                    for (n, &e) in model.values().take(5).enumerate() {
                        if let Some(&seen) = q.ahead(n) {
                            assert_eq!(seen, e);
                            seen_ahead += 1;
                        }
                    }
                }
                _ => {
                    let expected = model.pop_first().map(|((t, _), e)| (SimTime(t), e));
                    assert_eq!(q.pop(), expected);
                }
            }
        }
        while let Some(((t, _), e)) = model.pop_first() {
            assert_eq!(q.pop(), Some((SimTime(t), e)));
        }
        assert_eq!(q.pop(), None);
        assert!(q.is_empty());
        assert!(
            seen_ahead > 10_000,
            "the wheel saw ahead {seen_ahead} times"
        );
    }
}
