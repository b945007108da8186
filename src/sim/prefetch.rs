//! Cache prefetches. A pod's expiry, a call's poll or a node's wake-up reads records last
//! touched minutes or hours before, spread over a world of hundreds of MiB at 50,000 nodes:
//! each such read misses every cache. Asking for the next event's first record while this event
//! runs, and for a pod's node and ENI at once instead of one after the other, overlaps those
//! misses. Hints only: nothing here changes what the simulation does.

use super::{Event, Simulation};

/// Asks the CPU to start loading the cache line holding `value`.
#[inline(always)]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch loads nothing into registers and never faults; `value` is a valid
        // reference besides.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// Prefetches `items[index]` if there is one.
#[inline(always)]
fn prefetch_at<T>(items: &[T], index: u32) {
    if let Some(item) = items.get(index as usize) {
        prefetch(item);
    }
}

impl Simulation<'_> {
    /// Starts loading the record the next event reads first.
    pub(super) fn prefetch_next_event(&mut self) {
        let Some(&next) = self.queue.peek() else {
            return;
        };
        match next {
            Event::PodExpire(pod) => prefetch_at(&self.pods, pod),
            Event::ApiDone(slot) | Event::Poll(slot) | Event::Retry(slot) => {
                prefetch_at(&self.calls, slot)
            }
            Event::NodeWake(node) | Event::CrashDetected(node) => prefetch_at(&self.nodes, node),
            Event::RetentionExpiry(eni) => prefetch_at(&self.enis, eni),
            _ => {}
        }
    }

    /// Starts loading a placed pod's node and its ENI together, before the pod's end reads them.
    pub(super) fn prefetch_pod_place(&self, pod: u32) {
        let p = &self.pods[pod as usize];
        if let Some(node) = p.node {
            prefetch_at(&self.nodes, node);
        }
        if let Some(eni) = p.eni {
            prefetch_at(&self.enis, eni.0);
        }
    }
}
