//! The future event list, ordered by (time, sequence), so events at the same instant run in
//! the order they were scheduled (FIFO). There is no cancellation: a model that changes its
//! mind lets the old event run and finds it stale (it keeps the due time it still wants),
//! which keeps the dequeue path free of lookups.
//!
//! It is a radix heap (Ahuja, Mehlhorn, Orlin and Tarjan): the clock never goes backwards, so
//! every key scheduled is above the key popped last, and an entry can sit in the bucket named
//! by the highest bit where its key differs from that last key. Popping takes the lowest
//! non-empty bucket, finds its minimum and redistributes the bucket's entries into lower
//! buckets relative to it; each entry moves a few times in its life, through contiguous
//! vectors, instead of sifting through a cache-missing binary heap on every pop. Buckets keep
//! their capacity, so a run in steady state allocates nothing per event.

use super::time::SimTime;

/// Keys are (time, seq) as one `u128`: time in the high word, so the integer order is the
/// (time, seq) order.
type Key = u128;

fn key(time: SimTime, seq: u64) -> Key {
    (u128::from(time.as_millis()) << 64) | u128::from(seq)
}

struct Entry<E> {
    time: u64,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    fn key(&self) -> Key {
        key(SimTime(self.time), self.seq)
    }
}

/// Buckets 0..=128: bucket 0 holds the entry whose key equals `last` (at most one, keys being
/// unique); bucket b > 0 entries whose key's highest bit differing from `last` is bit b - 1.
const BUCKETS: usize = 129;

/// A deterministic priority queue of events of type `E`.
pub struct EventQueue<E> {
    buckets: Vec<Vec<Entry<E>>>,
    /// Bit b set when bucket b is non-empty.
    occupied: [u64; 3],
    /// Lower bound of every key queued: the key of the entry settled last.
    last: Key,
    /// Where the minimum is, when [`EventQueue::peek_time`] found it without settling it:
    /// (bucket, index). Cleared by anything that changes the buckets.
    peeked: Option<(usize, usize)>,
    len: usize,
    next_seq: u64,
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
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            occupied: [0; 3],
            last: 0,
            peeked: None,
            len: 0,
            next_seq: 0,
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
        let seq = self.next_seq;
        self.next_seq += 1;
        let time = time.max(self.now);
        self.peeked = None;
        self.insert(Entry {
            time: time.as_millis(),
            seq,
            event,
        });
        self.len += 1;
    }

    /// The time of the next event that will run, if any.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        let (b, i) = match self.peeked {
            Some(found) => found,
            None => {
                let b = self.first_occupied()?;
                let i = self.min_index(b);
                self.peeked = Some((b, i));
                (b, i)
            }
        };
        Some(SimTime(self.buckets[b][i].time))
    }

    /// True if the next event that will run satisfies `pred`.
    pub fn peek_is(&mut self, pred: impl Fn(&E) -> bool) -> bool {
        if self.peek_time().is_none() {
            return false;
        }
        let (b, i) = self.peeked.expect("peek_time found the minimum");
        pred(&self.buckets[b][i].event)
    }

    /// Removes and returns the next event, advancing the clock to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let hint = self.peeked.take();
        if self.buckets[0].is_empty() {
            self.settle(hint)?;
        }
        let entry = self.buckets[0].pop().expect("bucket 0 was settled");
        self.occupied[0] &= !1;
        self.len -= 1;
        self.now = SimTime(entry.time);
        Some((self.now, entry.event))
    }

    /// Number of events waiting.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no event is waiting.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn bucket_of(&self, key: Key) -> usize {
        (128 - (key ^ self.last).leading_zeros()) as usize
    }

    fn insert(&mut self, entry: Entry<E>) {
        let b = self.bucket_of(entry.key());
        self.buckets[b].push(entry);
        self.occupied[b / 64] |= 1 << (b % 64);
    }

    fn first_occupied(&self) -> Option<usize> {
        self.occupied
            .iter()
            .enumerate()
            .find(|(_, w)| **w != 0)
            .map(|(i, w)| i * 64 + w.trailing_zeros() as usize)
    }

    fn min_index(&self, b: usize) -> usize {
        let bucket = &self.buckets[b];
        let mut best = 0;
        let mut best_key = bucket[0].key();
        for (i, e) in bucket.iter().enumerate().skip(1) {
            let k = e.key();
            if k < best_key {
                best = i;
                best_key = k;
            }
        }
        best
    }

    /// Moves the minimum entry into bucket 0 (with bucket 0 empty): the lowest non-empty
    /// bucket's entries are redistributed relative to its minimum, which becomes `last`.
    /// `None` when the queue is empty.
    /// `hint` is where [`EventQueue::peek_time`] found the minimum, if nothing changed since.
    fn settle(&mut self, hint: Option<(usize, usize)>) -> Option<()> {
        let b = self.first_occupied()?;
        let i = match hint {
            Some((pb, pi)) if pb == b => pi,
            _ => self.min_index(b),
        };
        let mut bucket = std::mem::take(&mut self.buckets[b]);
        self.occupied[b / 64] &= !(1 << (b % 64));
        self.last = bucket[i].key();
        for entry in bucket.drain(..) {
            self.insert(entry);
        }
        // Keep the capacity for the next entries that land in this bucket.
        self.buckets[b] = bucket;
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

    /// The radix heap against a plain ordered map of (time, seq), through a long random mix
    /// of schedules (same-instant ones included), peeks and pops.
    #[test]
    fn matches_an_ordered_map_under_random_use() {
        use rand::{Rng, SeedableRng};
        use std::collections::BTreeMap;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(6);
        let mut q = EventQueue::new();
        let mut model: BTreeMap<(u64, u64), u32> = BTreeMap::new();
        let mut next = 0u32;
        let mut seq = 0u64;
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
                    let expected = model.keys().next().map(|&(t, _)| SimTime(t));
                    assert_eq!(q.peek_time(), expected);
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
    }
}
