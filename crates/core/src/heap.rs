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

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static INSTALLED: AtomicBool = AtomicBool::new(false);

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

// SAFETY: every call is forwarded to `System` unchanged; only counters are added.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, passed on as is.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
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
        if !new.is_null() {
            LIVE.fetch_sub(layout.size(), Relaxed);
            grew(new_size);
        }
        new
    }
}

/// Starts a new measurement: the peak becomes the live bytes now.
/// Returns whether the counting allocator is installed.
pub fn reset_peak() -> bool {
    // A tiny allocation tells whether our allocator sees it.
    let before = LIVE.load(Relaxed);
    let probe = std::hint::black_box(Box::new([0u8; 64]));
    let seen = LIVE.load(Relaxed) >= before + 64;
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
