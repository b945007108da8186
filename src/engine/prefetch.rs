//! Hints to the processor to start loading a record the simulation will read soon. A big
//! run's records (a million pods, their nodes and ENIs) are far larger than the caches, and
//! an event mostly waits on them; the event loop knows the next events' records before it
//! runs them, so their loads can overlap the work in between instead of queueing behind it.

/// Starts loading the cache lines of `record` (up to [`MAX_LINES`] of them). A hint only: it
/// changes nothing, and does nothing on processors without one.
#[inline(always)]
pub fn prefetch<T>(record: &T) {
    let start = (record as *const T).cast::<u8>();
    let lines = std::mem::size_of::<T>().div_ceil(LINE).min(MAX_LINES);
    for line in 0..lines {
        hint(start.wrapping_add(line * LINE));
    }
}

/// Bytes per cache line.
const LINE: usize = 64;
/// Lines fetched at most per record: all of a pod or ENI record, the first 384 bytes of a
/// node record (all that placing or removing a pod reads).
pub const MAX_LINES: usize = 6;

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn hint(at: *const u8) {
    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
    // SAFETY: a prefetch never faults, whatever the address, and writes nothing.
    unsafe { _mm_prefetch::<_MM_HINT_T0>(at.cast()) }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn hint(_: *const u8) {}
