//! A work queue with client-go's semantics (`k8s.io/client-go/util/workqueue`: queue.go and
//! delaying_queue.go), on dense integer keys and virtual time.
//!
//! - An item already waiting is not queued twice (the "dirty" set).
//! - An item added while a worker processes it is queued once more when the worker is done.
//! - A delayed add (`add_after`) queues the item when its delay runs out; an item already
//!   waiting out a delay keeps the sooner of the two times.
//!
//! The queue owns no clock and no timers: the caller schedules the end of a delay (the time
//! `add_after` returns) and calls [`WorkQueue::ready`] then.

use crate::engine::{SimTime, Stamp};
use std::collections::VecDeque;

/// What an add did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Added {
    /// The item joined the queue: a worker may take it.
    Queued,
    /// A worker has the item: it is queued again once the worker is done.
    WhileProcessing,
    /// The item was already waiting for a worker (or to be queued again): nothing changed.
    AlreadyDirty,
}

/// One key's state.
#[derive(Clone, Copy, Debug, Default)]
struct Entry {
    /// Waiting to be processed (queued, or to be queued again after processing).
    dirty: bool,
    processing: bool,
    /// When it last became dirty: the start of its wait, as client-go's queue metrics time it.
    added_at: SimTime,
    /// While waiting out a delay: when it is to be added.
    ready_at: Stamp,
}

/// The queue: items waiting for a worker in first-come order, items being processed, and
/// items waiting out a delay.
#[derive(Clone, Debug, Default)]
pub struct WorkQueue {
    fifo: VecDeque<u32>,
    entries: Vec<Entry>,
    processing: usize,
    delayed: usize,
}

impl WorkQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    fn entry(&mut self, key: u32) -> &mut Entry {
        let i = key as usize;
        if i >= self.entries.len() {
            self.entries.resize(i + 1, Entry::default());
        }
        &mut self.entries[i]
    }

    /// `Add`: marks `key` as needing work at `now`.
    pub fn add(&mut self, key: u32, now: SimTime) -> Added {
        let e = self.entry(key);
        if e.dirty {
            return Added::AlreadyDirty;
        }
        e.dirty = true;
        e.added_at = now;
        if e.processing {
            return Added::WhileProcessing;
        }
        self.fifo.push_back(key);
        Added::Queued
    }

    /// `Get`: the item that has waited longest in the queue, now being processed, and when it
    /// was added.
    pub fn get(&mut self) -> Option<(u32, SimTime)> {
        let key = self.fifo.pop_front()?;
        let e = self.entry(key);
        e.dirty = false;
        e.processing = true;
        let added = e.added_at;
        self.processing += 1;
        Some((key, added))
    }

    /// `Done`: a worker finished `key`. True if it was added meanwhile and is queued again.
    pub fn done(&mut self, key: u32) -> bool {
        let e = self.entry(key);
        if !e.processing {
            return false;
        }
        e.processing = false;
        let again = e.dirty;
        self.processing -= 1;
        if again {
            self.fifo.push_back(key);
        }
        again
    }

    /// `AddAfter`: `key` is to be added at `at`. Returns true when the caller must call
    /// [`WorkQueue::ready`] at `at` (a new or sooner time); false when the item already waits
    /// out a delay that ends no later.
    pub fn add_after(&mut self, key: u32, at: SimTime) -> bool {
        let e = self.entry(key);
        match e.ready_at.get() {
            Some(t) if t <= at => false,
            Some(_) => {
                e.ready_at.set(at);
                true
            }
            None => {
                e.ready_at.set(at);
                self.delayed += 1;
                true
            }
        }
    }

    /// A delay of `key` ends at `now`: it is added, unless that delay was replaced by a sooner
    /// one (which already added it). `None` when the call is stale.
    pub fn ready(&mut self, key: u32, now: SimTime) -> Option<Added> {
        let e = self.entry(key);
        if e.ready_at.get() != Some(now) {
            return None;
        }
        e.ready_at.clear();
        self.delayed -= 1;
        Some(self.add(key, now))
    }

    /// Since when `key` has waited to be processed, if it waits (queued, or to be queued
    /// again once its worker is done).
    pub fn waiting_since(&self, key: u32) -> Option<SimTime> {
        self.entries
            .get(key as usize)
            .filter(|e| e.dirty)
            .map(|e| e.added_at)
    }

    /// Items waiting for a worker (client-go's `workqueue_depth`).
    pub fn depth(&self) -> usize {
        self.fifo.len()
    }

    /// Items waiting out a delay before they are queued.
    pub fn delayed(&self) -> usize {
        self.delayed
    }

    /// Items some worker is processing.
    pub fn processing(&self) -> usize {
        self.processing
    }

    /// When the longest-waiting queued item was added (an item queued again after processing
    /// may have waited longer than the items ahead of it).
    pub fn oldest_added(&self) -> Option<SimTime> {
        self.fifo
            .iter()
            .map(|&k| self.entries[k as usize].added_at)
            .min()
    }

    /// True while anything is queued, processed or delayed.
    pub fn is_busy(&self) -> bool {
        !self.fifo.is_empty() || self.processing > 0 || self.delayed > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: u64) -> SimTime {
        SimTime(ms)
    }

    #[test]
    fn an_item_is_queued_once_and_served_first_come_first_served() {
        let mut q = WorkQueue::new();
        assert_eq!(q.add(3, t(0)), Added::Queued);
        assert_eq!(q.add(1, t(1)), Added::Queued);
        assert_eq!(q.add(3, t(2)), Added::AlreadyDirty);
        assert_eq!(q.depth(), 2);
        assert_eq!(q.get(), Some((3, t(0))), "its wait runs from the first add");
        assert_eq!(q.get(), Some((1, t(1))));
        assert_eq!(q.get(), None);
    }

    #[test]
    fn an_item_added_while_processed_is_queued_again_once_when_done() {
        let mut q = WorkQueue::new();
        q.add(5, t(0));
        q.add(6, t(0));
        assert_eq!(q.get(), Some((5, t(0))));
        assert_eq!(q.waiting_since(5), None, "taken");
        assert_eq!(q.add(5, t(10)), Added::WhileProcessing);
        assert_eq!(q.add(5, t(11)), Added::AlreadyDirty);
        assert_eq!(q.waiting_since(5), Some(t(10)));
        assert_eq!(q.depth(), 1, "not queued while a worker has it");
        assert!(q.done(5));
        assert_eq!(q.depth(), 2);
        assert_eq!(q.oldest_added(), Some(t(0)));
        assert_eq!(q.get(), Some((6, t(0))));
        assert_eq!(q.get(), Some((5, t(10))));
        assert!(!q.done(5));
        assert!(q.is_busy(), "6 is still processed");
        assert!(!q.done(6));
        assert!(!q.is_busy());
    }

    #[test]
    fn a_delayed_item_keeps_the_sooner_time_and_stale_wakeups_do_nothing() {
        let mut q = WorkQueue::new();
        assert!(q.add_after(2, t(100)));
        assert!(!q.add_after(2, t(200)), "a later time changes nothing");
        assert!(q.add_after(2, t(50)), "a sooner one replaces it");
        assert_eq!(q.delayed(), 1);
        assert!(q.is_busy());
        assert_eq!(q.ready(2, t(50)), Some(Added::Queued));
        assert_eq!(q.ready(2, t(100)), None, "the replaced wake-up is stale");
        assert_eq!(q.delayed(), 0);
        assert_eq!(q.get(), Some((2, t(50))));
        // Delayed while processed: queued again when done.
        assert!(q.add_after(2, t(60)));
        assert_eq!(q.ready(2, t(60)), Some(Added::WhileProcessing));
        assert!(q.done(2));
        assert_eq!(q.get(), Some((2, t(60))));
    }
}
