//! Work done on several threads, its results taken in index order as soon as they can be.
//!
//! Indices are handed out in order from one shared counter, so work finishes nearly in order;
//! a result that finishes before its predecessors waits in a small reorder buffer. A thread
//! does not start index `i` while `i` is [`Reorder::window`] or more past the oldest
//! unfinished index, so the buffer holds fewer results than the window, however long one
//! piece of work takes: memory stays bounded by the threads, not by the work's length.

use std::any::Any;
use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Condvar, Mutex, PoisonError};

/// Results that finish in any order, given back in index order.
#[derive(Debug)]
pub struct Reorder<T> {
    next: usize,
    waiting: BTreeMap<usize, T>,
    window: usize,
}

impl<T> Reorder<T> {
    /// An empty buffer expecting index 0, letting work start up to `window` indices past the
    /// oldest unfinished one (at least 1).
    pub fn new(window: usize) -> Self {
        Reorder {
            next: 0,
            waiting: BTreeMap::new(),
            window: window.max(1),
        }
    }

    /// How far past the oldest unfinished index work may start.
    pub fn window(&self) -> usize {
        self.window
    }

    /// Whether work on `index` may start now.
    pub fn may_start(&self, index: usize) -> bool {
        index < self.next + self.window
    }

    /// Takes the result of `index`; gives every result now in order, oldest first.
    pub fn put(&mut self, index: usize, item: T) -> Vec<T> {
        debug_assert!(index >= self.next && !self.waiting.contains_key(&index));
        self.waiting.insert(index, item);
        let mut ready = Vec::new();
        while let Some(item) = self.waiting.remove(&self.next) {
            ready.push(item);
            self.next += 1;
        }
        ready
    }

    /// Results waiting for a predecessor.
    pub fn held(&self) -> usize {
        self.waiting.len()
    }
}

/// What the threads share.
struct State<T, E, S> {
    /// The next index to hand out.
    taken: usize,
    reorder: Reorder<T>,
    /// The first failure by index, once anything failed: no more work starts.
    failed: Option<(usize, E)>,
    /// A panic of the work, raised again once every thread has stopped (the work it did not
    /// finish would otherwise keep the others waiting for it).
    panic: Option<Box<dyn Any + Send>>,
    sink: S,
}

impl<T, E, S> State<T, E, S> {
    /// Whether no more work starts.
    fn stopped(&self) -> bool {
        self.failed.is_some() || self.panic.is_some()
    }

    fn fail(&mut self, index: usize, e: E) {
        if self.failed.as_ref().is_none_or(|(i, _)| index < *i) {
            self.failed = Some((index, e));
        }
    }
}

/// Runs `work(i)` for every `i` in `0..count` on the threads of `pool`, each taking the next
/// index when it is free, and gives each result to `sink` in index order as soon as every
/// earlier one has been given. At most `window` results wait for a predecessor. Stops
/// starting work at the first failure of `work` or `sink`, and returns the failure of the
/// lowest index; a panic of `work` stops it too, and is raised again here.
pub fn in_order<T, E, S>(
    pool: &rayon::ThreadPool,
    count: usize,
    window: usize,
    work: impl Fn(usize) -> Result<T, E> + Sync,
    sink: S,
) -> Result<(), E>
where
    T: Send,
    E: Send,
    S: FnMut(T) -> Result<(), E> + Send,
{
    let shared = Mutex::new(State {
        taken: 0,
        reorder: Reorder::new(window),
        failed: None,
        panic: None,
        sink,
    });
    let turn = Condvar::new();
    let lock = || shared.lock().unwrap_or_else(PoisonError::into_inner);
    pool.broadcast(|_| loop {
        let index = {
            let mut s = lock();
            while !s.stopped() && s.taken < count && !s.reorder.may_start(s.taken) {
                s = turn.wait(s).unwrap_or_else(PoisonError::into_inner);
            }
            if s.stopped() || s.taken >= count {
                return;
            }
            s.taken += 1;
            s.taken - 1
        };
        let result = panic::catch_unwind(AssertUnwindSafe(|| work(index)));
        let mut s = lock();
        match result {
            Err(payload) => s.panic = Some(payload),
            Ok(Err(e)) => s.fail(index, e),
            Ok(Ok(item)) => {
                for (i, item) in (index..).zip(s.reorder.put(index, item)) {
                    if let Err(e) = (s.sink)(item) {
                        s.fail(i, e);
                        break;
                    }
                }
            }
        }
        turn.notify_all();
    });
    let state = shared.into_inner().unwrap_or_else(PoisonError::into_inner);
    if let Some(payload) = state.panic {
        panic::resume_unwind(payload);
    }
    match state.failed {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering::SeqCst;
    use std::sync::atomic::{AtomicBool, AtomicUsize};
    use std::time::Duration;

    #[test]
    fn results_come_out_in_index_order_as_soon_as_their_predecessors_are_in() {
        let mut r = Reorder::new(4);
        assert!(r.may_start(3) && !r.may_start(4));
        assert_eq!(r.put(1, "b"), Vec::<&str>::new());
        assert_eq!(r.put(2, "c"), Vec::<&str>::new());
        assert_eq!(r.held(), 2);
        assert_eq!(r.put(0, "a"), ["a", "b", "c"]);
        assert_eq!(r.held(), 0);
        // Index 3 is now the oldest unfinished: 4 to 6 may start, 7 may not.
        assert!(r.may_start(6) && !r.may_start(7));
        assert_eq!(r.put(4, "e"), Vec::<&str>::new());
        assert_eq!(r.put(3, "d"), ["d", "e"]);
        assert_eq!(Reorder::<()>::new(0).window(), 1);
    }

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    }

    #[test]
    fn work_of_very_different_lengths_reaches_the_sink_in_order_with_few_waiting() {
        // Every fifth piece of work is 20 times longer than the others.
        let length = |i: usize| Duration::from_millis(if i.is_multiple_of(5) { 20 } else { 1 });
        let mut seen = Vec::new();
        in_order::<usize, (), _>(
            &pool(3),
            40,
            3,
            |i| {
                std::thread::sleep(length(i));
                Ok(i)
            },
            |i| {
                seen.push(i);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(seen, (0..40).collect::<Vec<_>>());
    }

    #[test]
    fn the_window_bounds_what_waits_behind_a_long_piece_of_work() {
        // Work 0 takes long; the others are instant. With a window of 3, nothing past index 2
        // starts before it ends, so no more than 2 finished results wait behind it.
        let done0 = AtomicBool::new(false);
        let early = Mutex::new(Vec::new());
        in_order::<usize, (), _>(
            &pool(2),
            10,
            3,
            |i| {
                if i == 0 {
                    std::thread::sleep(Duration::from_millis(100));
                    done0.store(true, SeqCst);
                } else if !done0.load(SeqCst) {
                    early.lock().unwrap().push(i);
                }
                Ok(i)
            },
            |_| Ok(()),
        )
        .unwrap();
        let early = early.into_inner().unwrap();
        assert!(
            early.iter().all(|&i| i < 3),
            "started before 0 ended: {early:?}"
        );
    }

    #[test]
    fn the_failure_of_the_lowest_index_is_returned_and_later_work_stops() {
        let mut seen = Vec::new();
        let ran = AtomicUsize::new(0);
        let result = in_order(
            &pool(2),
            1000,
            4,
            |i| {
                ran.fetch_add(1, SeqCst);
                if i == 5 || i == 6 {
                    Err(format!("work {i} failed"))
                } else {
                    Ok(i)
                }
            },
            |i| {
                seen.push(i);
                Ok(())
            },
        );
        assert_eq!(result, Err("work 5 failed".to_string()));
        assert_eq!(seen, [0, 1, 2, 3, 4]);
        assert!(ran.load(SeqCst) < 20);
        // A failing sink stops the work too.
        let result = in_order(
            &pool(2),
            1000,
            4,
            Ok,
            |i: usize| {
                if i == 3 {
                    Err(i)
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(result, Err(3));
    }

    #[test]
    fn a_panic_of_the_work_stops_every_thread_and_is_raised_again() {
        // Index 2 never finishes: without the panic raised, the others would wait for it.
        let result = panic::catch_unwind(|| {
            in_order::<usize, (), _>(
                &pool(2),
                100,
                2,
                |i| {
                    assert!(i != 2, "work 2 broke");
                    Ok(i)
                },
                |_| Ok(()),
            )
        });
        let payload = result.unwrap_err();
        let message = payload.downcast_ref::<&str>().copied().unwrap_or_default();
        assert!(message.contains("work 2 broke"), "{message}");
    }
}
