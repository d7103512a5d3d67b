//! The tests of the exercise; they run against `exercise.rs` or `solution.rs`.

use std::thread;
use std::time::Duration;

use super::*;

/// How long a test may take before it counts as stuck.
const WATCHDOG: Duration = Duration::from_secs(10);
/// A timeout long enough that a test returning before it proves the wait was cut short.
const LONG: Duration = Duration::from_secs(30);

/// Runs `f` in its own thread; fails the test if it is not done within [`WATCHDOG`].
fn within<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    pipeline_core::watchdog::within_or_name_causes(
        "the test",
        "a `get_timeout` that waits without a limit (`wait` where `wait_timeout` is \
         needed), or a loop that does not check, on every turn, for an item, then \
         whether the queue is closed, then the deadline (it sleeps on past the \
         `put` or the `close` that woke it)",
        WATCHDOG,
        f,
    )
}

#[test]
fn an_item_already_there_is_returned_at_once_even_with_a_zero_timeout() {
    within(|| {
        let queue = Queue::new();
        queue.put("frame").unwrap();
        assert_eq!(queue.get_timeout(Duration::ZERO), Ok("frame"));
    });
}

#[test]
fn an_empty_queue_times_out() {
    within(|| {
        let queue = Queue::<u32>::new();
        assert_eq!(
            queue.get_timeout(Duration::from_millis(100)),
            Err(GetTimeoutError::Timeout)
        );
        // The timeout took nothing away: the queue still works.
        queue.put(3).unwrap();
        assert_eq!(queue.get_timeout(Duration::ZERO), Ok(3));
    });
}

#[test]
fn a_zero_timeout_on_an_empty_queue_does_not_wait() {
    within(|| {
        let queue = Queue::<u32>::new();
        assert_eq!(
            queue.get_timeout(Duration::ZERO),
            Err(GetTimeoutError::Timeout)
        );
    });
}

#[test]
fn a_put_wakes_a_waiting_get_timeout_before_its_timeout() {
    within(|| {
        let queue = Queue::new();
        thread::scope(|s| {
            s.spawn(|| {
                thread::sleep(Duration::from_millis(50));
                queue.put(7).unwrap();
            });
            // Done long before `LONG`, or the watchdog fails the test.
            assert_eq!(queue.get_timeout(LONG), Ok(7));
        });
    });
}

#[test]
fn a_closed_empty_queue_answers_closed_at_once() {
    within(|| {
        let queue = Queue::<u32>::new();
        queue.close();
        assert_eq!(queue.get_timeout(LONG), Err(GetTimeoutError::Closed));
    });
}

#[test]
fn close_wakes_a_waiting_get_timeout() {
    within(|| {
        let queue = Queue::<u32>::new();
        thread::scope(|s| {
            s.spawn(|| {
                thread::sleep(Duration::from_millis(50));
                queue.close();
            });
            assert_eq!(queue.get_timeout(LONG), Err(GetTimeoutError::Closed));
        });
    });
}

#[test]
fn items_put_before_close_are_still_returned() {
    within(|| {
        let queue = Queue::new();
        queue.put(1).unwrap();
        queue.put(2).unwrap();
        queue.close();
        // Each answer comes at once, long before `LONG`, or the watchdog fails the test.
        assert_eq!(queue.get_timeout(LONG), Ok(1));
        assert_eq!(queue.get_timeout(LONG), Ok(2));
        assert_eq!(queue.get_timeout(LONG), Err(GetTimeoutError::Closed));
    });
}

#[test]
fn a_timeout_too_large_for_a_deadline_waits_without_one() {
    within(|| {
        let queue = Queue::new();
        thread::scope(|s| {
            s.spawn(|| {
                thread::sleep(Duration::from_millis(50));
                queue.put(9).unwrap();
            });
            assert_eq!(queue.get_timeout(Duration::MAX), Ok(9));
        });
    });
}

#[test]
fn each_item_goes_to_one_waiter_and_the_others_time_out() {
    let results = within(|| {
        let queue = Queue::new();
        thread::scope(|s| {
            let waiters: Vec<_> = (0..3)
                .map(|_| s.spawn(|| queue.get_timeout(Duration::from_secs(2))))
                .collect();
            thread::sleep(Duration::from_millis(50));
            queue.put(1).unwrap();
            queue.put(2).unwrap();
            waiters
                .into_iter()
                .map(|waiter| waiter.join().expect("a waiter panicked"))
                .collect::<Vec<_>>()
        })
    });
    let mut items: Vec<i32> = results.iter().filter_map(|r| r.ok()).collect();
    items.sort();
    assert_eq!(items, [1, 2], "{results:?}");
    assert!(
        results.contains(&Err(GetTimeoutError::Timeout)),
        "{results:?}"
    );
}
