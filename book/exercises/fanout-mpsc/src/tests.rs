//! The tests of the exercise; they run against `exercise.rs` or `solution.rs`.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::thread;
use std::time::Duration;

use super::*;

/// How long a test may take before it counts as stuck.
const WATCHDOG: Duration = Duration::from_secs(10);

/// Runs `f` in its own thread; fails the test if it is not done within [`WATCHDOG`].
fn within<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    pipeline_core::watchdog::within_or_name_causes(
        "the test",
        "a worker that does not stop when `recv` fails (it fails once the channel \
         is closed and drained: that is the end of the work, not an error to skip), \
         or a thread that locks the receiver while it already holds its guard (a \
         `Mutex` is not reentrant: a second `lock` in the same thread may wait for \
         ever)",
        WATCHDOG,
        f,
    )
}

/// Why workers do not overlap: the ways a guard outlives the `recv`.
const LOCK_HELD: &str = "the lock is most likely held during `work`: a guard \
     that is a temporary of a `while let` condition or a `match` scrutinee \
     (`input.lock()….recv()`) lives until the end of that loop body or `match`, \
     and a guard kept in a variable until the end of its block; take the item in a \
     `let` statement of its own, whose temporaries are dropped at its `;`, then \
     work on it";

/// Work that takes a while and notes the most workers that were in it at once.
struct Overlap {
    now: AtomicUsize,
    most: AtomicUsize,
}

impl Overlap {
    fn new() -> Overlap {
        Overlap {
            now: AtomicUsize::new(0),
            most: AtomicUsize::new(0),
        }
    }

    fn work(&self) {
        let now = self.now.fetch_add(1, SeqCst) + 1;
        self.most.fetch_max(now, SeqCst);
        thread::sleep(Duration::from_millis(5));
        self.now.fetch_sub(1, SeqCst);
    }
}

#[test]
fn every_item_is_done_exactly_once() {
    let done = within(|| fan_out(200, 4, |_| {}));
    assert_eq!(
        done.len(),
        4,
        "one list per worker: does `fan_out` start `workers` threads and collect \
         the list of each?"
    );
    let mut all: Vec<u64> = done.into_iter().flatten().collect();
    all.sort();
    assert_eq!(
        all,
        (0..200).collect::<Vec<_>>(),
        "every item should be done once: does each worker note every item it \
         receives, and only those?"
    );
}

#[test]
fn each_worker_takes_its_items_in_queue_order() {
    let done = within(|| fan_out(200, 3, |_| {}));
    for items in done {
        assert!(
            items.is_sorted(),
            "a worker should take its items in queue order, but one took {items:?}: \
             does it note each item as it does it, in one list?"
        );
    }
}

#[test]
fn the_workers_work_at_the_same_time() {
    let overlap = within(|| {
        let overlap = Overlap::new();
        let done = fan_out(24, 4, |_| overlap.work());
        let busy = done.iter().filter(|items| !items.is_empty()).count();
        let counts: Vec<usize> = done.iter().map(Vec::len).collect();
        assert!(
            busy >= 2,
            "only {busy} worker(s) got work (items per worker: {counts:?}): {LOCK_HELD}"
        );
        overlap
    });
    let most = overlap.most.load(SeqCst);
    assert!(most >= 2, "never two workers working at once: {LOCK_HELD}");
}

#[test]
fn with_nothing_to_do_every_worker_ends() {
    let done = within(|| fan_out(0, 5, |_| {}));
    assert_eq!(
        done,
        vec![Vec::<u64>::new(); 5],
        "with no items, each of the 5 workers should end with an empty list"
    );
}

#[test]
fn one_worker_does_everything_in_order() {
    let done = within(|| fan_out(10, 1, |_| {}));
    assert_eq!(
        done,
        [(0..10).collect::<Vec<_>>()],
        "one worker should do every item, in queue order"
    );
}
