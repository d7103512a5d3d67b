//! A counting global allocator, for the peak heap of a run.
//!
//! A binary that wants `peak_heap_bytes` in its reports installs it:
//!
//! ```
//! #[global_allocator]
//! static ALLOC: pipeline_core::heap::CountingAlloc = pipeline_core::heap::CountingAlloc;
//! # fn main() {}
//! ```
//!
//! Without it, reports leave `peak_heap_bytes` empty rather than report a zero.
//!
//! An allocation the system refuses (`ulimit -v`, an overcommitted machine) ends
//! the process here, with one line on stderr and exit code 1, rather than with the
//! standard library's abort: the check before the run ([`crate::fit`]) should have
//! refused the run, and a learner gets what to change, not a core dump.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static INSTALLED: AtomicBool = AtomicBool::new(false);
/// Allocations this allocator has made: only ever grows, whatever other threads free.
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting live bytes and their peak.
#[derive(Debug, Clone, Copy, Default)]
pub struct CountingAlloc;

// ANCHOR: grew
fn grew(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Relaxed) + bytes;
    if live > PEAK.load(Relaxed) {
        PEAK.fetch_max(live, Relaxed);
    }
}
// ANCHOR_END: grew

/// The system refused `size` bytes: says so in one line, without allocating,
/// and ends the process with exit code 1.
#[cold]
fn out_of_memory(size: usize) -> ! {
    let mut line = [0u8; 160];
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        let n = bytes.len().min(line.len() - at);
        line[at..at + n].copy_from_slice(&bytes[..n]);
        at += n;
    };
    put(b"error: out of memory: the system refused ");
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = size;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    put(&digits[start..]);
    put(b" bytes: use smaller frames, a smaller bound or fewer workers\n");
    // Standard error is unbuffered: the write allocates nothing.
    let _ = std::io::Write::write_all(&mut std::io::stderr(), &line[..at]);
    crate::platform::exit_at_once(1)
}

// SAFETY: every call is forwarded to `System` unchanged; only counters are added,
// and a refused allocation ends the process instead of returning null.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, passed on as is.
        let ptr = unsafe { System.alloc(layout) };
        if ptr.is_null() {
            out_of_memory(layout.size());
        }
        ALLOCS.fetch_add(1, Relaxed);
        grew(layout.size());
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if ptr.is_null() {
            out_of_memory(layout.size());
        }
        ALLOCS.fetch_add(1, Relaxed);
        grew(layout.size());
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract, passed on as is.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract, passed on as is.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if new.is_null() {
            out_of_memory(new_size);
        }
        LIVE.fetch_sub(layout.size(), Relaxed);
        grew(new_size);
        new
    }
}

/// Starts a new measurement: the peak becomes the live bytes now.
/// Returns whether the counting allocator is installed.
pub fn reset_peak() -> bool {
    // A tiny allocation tells whether our allocator sees it. Its count of
    // allocations only grows, so another thread freeing memory meanwhile cannot hide
    // it (the live bytes could drop under the probe's 64).
    let before = ALLOCS.load(Relaxed);
    // Not zeroes: an optimised build asks `alloc_zeroed` for a zeroed box.
    let probe = std::hint::black_box(Box::new([1u8; 64]));
    let seen = ALLOCS.load(Relaxed) > before;
    drop(probe);
    if seen {
        INSTALLED.store(true, Relaxed);
    }
    PEAK.store(LIVE.load(Relaxed), Relaxed);
    INSTALLED.load(Relaxed)
}

/// The peak of live heap bytes since the last [`reset_peak`], or `None` if the
/// counting allocator is not installed.
pub fn peak_bytes() -> Option<u64> {
    INSTALLED.load(Relaxed).then(|| PEAK.load(Relaxed) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every way of allocating counts as an allocation, a zeroed one too: an
    /// optimised build makes `Box::new([0; N])` an `alloc_zeroed`, and a probe that
    /// went uncounted would make every report lose its peak heap.
    #[test]
    fn every_kind_of_allocation_is_counted() {
        let layout = Layout::from_size_align(64, 8).unwrap();
        for zeroed in [false, true] {
            let before = ALLOCS.load(Relaxed);
            // SAFETY: a non-zero size; the block is freed with the same layout.
            unsafe {
                let ptr = if zeroed {
                    CountingAlloc.alloc_zeroed(layout)
                } else {
                    CountingAlloc.alloc(layout)
                };
                assert!(ALLOCS.load(Relaxed) > before, "zeroed: {zeroed}");
                CountingAlloc.dealloc(ptr, layout);
            }
        }
    }
}
