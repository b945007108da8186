//! A global allocator that puts the simulator's big tables on huge pages.
//!
//! A big run's records (a million pods, their ENIs, 50,000 nodes) are read in no order the
//! processor can foresee, so nearly every record an event touches is on a page whose address
//! translation is not cached either: with 4 KiB pages a 50,000-node run spends a good part of
//! its time walking page tables, even on the loads the event loop starts early
//! ([`super::prefetch`]). On 2 MiB pages the same tables need a few hundred translations,
//! which the processor keeps.
//!
//! Linux gives an allocation huge pages when the program asks (`madvise(MADV_HUGEPAGE)`, the
//! kernel's default `madvise` mode of transparent huge pages) and the range is aligned to
//! 2 MiB. `malloc` does neither, and grows a table by moving its pages, so this allocator
//! serves allocations of [`BIG`] bytes or more itself: each is an anonymous mapping of whole
//! 2 MiB pages at a 2 MiB boundary, advised to use huge pages, and growing one copies it into
//! a new such mapping. Everything smaller goes to the system allocator, as do all allocations
//! on other systems. It changes where memory lies, never what a run computes.

use std::alloc::{GlobalAlloc, Layout, System};

/// The smallest allocation given its own huge-page mapping: smaller ones would waste most of
/// a 2 MiB page, and are few.
pub const BIG: usize = 4 << 20;

/// The system allocator, with allocations of [`BIG`] bytes or more on huge pages (Linux).
#[derive(Clone, Copy, Debug, Default)]
pub struct HugePageAlloc;

/// True when `layout` gets a mapping of its own.
fn is_big(layout: &Layout) -> bool {
    layout.size() >= BIG && layout.align() <= mapping::HUGE
}

// SAFETY: every allocation of `BIG` bytes or more is served by `mapping` and returned to it,
// and every smaller one by `System`: `dealloc` and `realloc` receive the layout the memory was
// allocated with, so `is_big` sends each block back where it came from. A mapping is aligned
// to 2 MiB, which satisfies every alignment `is_big` accepts.
unsafe impl GlobalAlloc for HugePageAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if is_big(&layout) {
            mapping::map(layout.size())
        } else {
            // SAFETY: the caller's contract for `layout` is passed on.
            unsafe { System.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if is_big(&layout) {
            // A fresh anonymous mapping reads as zeros.
            mapping::map(layout.size())
        } else {
            // SAFETY: as in `alloc`.
            unsafe { System.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if is_big(&layout) {
            // SAFETY: `ptr` came from `mapping::map` with this size (see above).
            unsafe { mapping::unmap(ptr, layout.size()) }
        } else {
            // SAFETY: `ptr` came from `System` with this layout.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `new_size` rounded up to `layout.align()` fits `isize`.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if !is_big(&layout) && !is_big(&new_layout) {
            // SAFETY: `ptr` came from `System` with `layout`.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        // SAFETY: `new_layout` has a non-zero size (it or `layout` is big, and `layout` was
        // allocated); the old block is valid for `layout.size()` bytes, the new one for
        // `new_size`, and they do not overlap; the old block is freed with its own layout.
        unsafe {
            let new = self.alloc(new_layout);
            if !new.is_null() {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}

#[cfg(target_os = "linux")]
mod mapping {
    /// A huge page's size on x86-64 and most 64-bit ARM kernels, and the mappings' alignment.
    pub(super) const HUGE: usize = 2 << 20;

    /// `size` rounded up to whole huge pages.
    fn whole_pages(size: usize) -> usize {
        size.div_ceil(HUGE) * HUGE
    }

    /// A new zeroed mapping of at least `size` bytes at a 2 MiB boundary, advised to use huge
    /// pages; null if the system has no memory for it.
    pub(super) fn map(size: usize) -> *mut u8 {
        let len = whole_pages(size);
        // Map a huge page more than needed, then cut off what lies before the first boundary
        // and after the end.
        // SAFETY: a private anonymous mapping at an address the kernel picks aliases nothing.
        let raw = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len + HUGE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if raw == libc::MAP_FAILED {
            return std::ptr::null_mut();
        }
        let start = raw as usize;
        let aligned = start.next_multiple_of(HUGE);
        let head = aligned - start;
        let tail = HUGE - head;
        // SAFETY: both ranges lie within the mapping just made and outside the part kept.
        // `madvise` is a hint: if the kernel cannot give huge pages, the memory still works.
        unsafe {
            if head > 0 {
                libc::munmap(raw, head);
            }
            if tail > 0 {
                libc::munmap((aligned + len) as *mut libc::c_void, tail);
            }
            libc::madvise(aligned as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
        }
        aligned as *mut u8
    }

    /// Returns a mapping made by [`map`] for `size` bytes.
    ///
    /// # Safety
    /// `ptr` must come from `map(size)` and not be used afterwards.
    pub(super) unsafe fn unmap(ptr: *mut u8, size: usize) {
        // SAFETY: the caller's contract: this is exactly a mapping `map` made.
        unsafe {
            libc::munmap(ptr.cast(), whole_pages(size));
        }
    }
}

/// Elsewhere big allocations are the system allocator's too, aligned as on Linux (so that
/// every alignment `is_big` accepts is met).
#[cfg(not(target_os = "linux"))]
mod mapping {
    use std::alloc::{GlobalAlloc, Layout, System};

    /// The alignment of a big allocation, and the largest alignment served.
    pub(super) const HUGE: usize = 2 << 20;

    fn layout(size: usize) -> Layout {
        Layout::from_size_align(size, HUGE).expect("a big allocation's size fits isize")
    }

    pub(super) fn map(size: usize) -> *mut u8 {
        // SAFETY: `size` is at least `BIG`, so non-zero.
        unsafe { System.alloc_zeroed(layout(size)) }
    }

    /// Returns a block made by [`map`] for `size` bytes.
    ///
    /// # Safety
    /// `ptr` must come from `map(size)` and not be used afterwards.
    pub(super) unsafe fn unmap(ptr: *mut u8, size: usize) {
        // SAFETY: `ptr` came from `map(size)`, with this layout.
        unsafe { System.dealloc(ptr, layout(size)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block allocated through `HugePageAlloc` directly (not as the global allocator).
    struct Block {
        ptr: *mut u8,
        layout: Layout,
    }

    impl Block {
        fn new(size: usize) -> Block {
            let layout = Layout::from_size_align(size, 8).unwrap();
            // SAFETY: `size` is non-zero in every test.
            let ptr = unsafe { HugePageAlloc.alloc(layout) };
            assert!(!ptr.is_null());
            Block { ptr, layout }
        }

        fn fill(&mut self) {
            for i in (0..self.layout.size()).step_by(4093) {
                // SAFETY: `i` is within the block.
                unsafe { *self.ptr.add(i) = (i % 251) as u8 };
            }
        }

        fn check(&self, upto: usize) {
            for i in (0..upto.min(self.layout.size())).step_by(4093) {
                // SAFETY: `i` is within the block.
                assert_eq!(unsafe { *self.ptr.add(i) }, (i % 251) as u8, "byte {i}");
            }
        }

        fn resize(&mut self, size: usize) {
            // SAFETY: `ptr` is live with `layout`; `size` is non-zero.
            self.ptr = unsafe { HugePageAlloc.realloc(self.ptr, self.layout, size) };
            assert!(!self.ptr.is_null());
            self.layout = Layout::from_size_align(size, 8).unwrap();
        }
    }

    impl Drop for Block {
        fn drop(&mut self) {
            // SAFETY: `ptr` is live with `layout`.
            unsafe { HugePageAlloc.dealloc(self.ptr, self.layout) }
        }
    }

    /// The flags of the mapping holding `addr`, from `/proc/self/smaps`.
    #[cfg(target_os = "linux")]
    fn mapping_flags(addr: usize) -> String {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let mut inside = false;
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ') {
                if let Some((start, end)) = range.split_once('-') {
                    if let (Ok(start), Ok(end)) = (
                        usize::from_str_radix(start, 16),
                        usize::from_str_radix(end, 16),
                    ) {
                        inside = (start..end).contains(&addr);
                        continue;
                    }
                }
            }
            if let Some(flags) = line.strip_prefix("VmFlags:") {
                if inside {
                    return flags.trim().to_string();
                }
            }
        }
        panic!("no mapping holds {addr:#x}");
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_big_block_starts_at_a_huge_page_boundary_advised_to_use_huge_pages() {
        let block = Block::new(BIG + 12_345);
        assert_eq!(block.ptr as usize % mapping::HUGE, 0);
        // A kernel built without transparent huge pages refuses the advice, harmlessly.
        if std::path::Path::new("/sys/kernel/mm/transparent_hugepage").exists() {
            let flags = mapping_flags(block.ptr as usize);
            assert!(flags.split(' ').any(|f| f == "hg"), "flags: {flags}");
        }
    }

    #[test]
    fn a_zeroed_big_block_reads_as_zeros() {
        let layout = Layout::from_size_align(BIG + 1, 8).unwrap();
        // SAFETY: non-zero size.
        let ptr = unsafe { HugePageAlloc.alloc_zeroed(layout) };
        for i in (0..layout.size()).step_by(4093).chain([layout.size() - 1]) {
            // SAFETY: within the block.
            assert_eq!(unsafe { *ptr.add(i) }, 0);
        }
        // SAFETY: allocated just above with this layout.
        unsafe { HugePageAlloc.dealloc(ptr, layout) };
    }

    #[test]
    fn growing_and_shrinking_across_the_threshold_keeps_the_contents() {
        let mut block = Block::new(BIG / 2);
        block.fill();
        block.resize(BIG * 3 / 2);
        block.check(BIG / 2);
        block.fill();
        block.resize(BIG * 5);
        block.check(BIG * 3 / 2);
        block.fill();
        block.resize(BIG / 3);
        block.check(BIG / 3);
        block.resize(BIG / 3 + 100);
        block.check(BIG / 3);
    }
}
