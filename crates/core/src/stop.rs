//! A run's stop: a flag the workers read before each item, and a sleep that the
//! stop cuts short.
//!
//! Every wait of a pipeline that is not a queue's (a stage's simulated wait, the
//! camera's interval, the poller's nap) sleeps through [`Stop::sleep_until`], so a
//! stop, a panic or a signal ends it at once instead of after the sleep.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The stop flag of one run, and the sleepers it wakes when it is raised.
#[derive(Debug, Default)]
#[repr(align(128))]
pub struct Stop {
    raised: AtomicBool,
    sleepers: Mutex<()>,
    wake: Condvar,
    /// The tasks sleeping on the runtime's timer, woken as the threads are.
    #[cfg(feature = "tasks")]
    tasks: tokio::sync::Notify,
}

impl Stop {
    /// A stop not raised yet.
    pub fn new() -> Stop {
        Stop::default()
    }

    /// Raises the flag and wakes every sleeper; raising it again does nothing more.
    pub fn raise(&self) {
        self.raised.store(true, Relaxed);
        // Taken so that a sleeper between its check of the flag and its wait
        // cannot miss the wake-up.
        let _sleepers = self.sleepers.lock().unwrap_or_else(PoisonError::into_inner);
        self.wake.notify_all();
        #[cfg(feature = "tasks")]
        self.tasks.notify_waiters();
    }

    /// [`Stop::sleep`] for a task: sleeps on the runtime's timer for `wait`, or
    /// less if the stop is raised meanwhile; returns whether the whole wait
    /// passed. Must run on a tokio runtime with its timer enabled.
    #[cfg(feature = "tasks")]
    pub async fn sleep_async(&self, wait: Duration) -> bool {
        let raised = self.tasks.notified();
        let mut raised = std::pin::pin!(raised);
        // Registered before the flag is read: a raise in between still wakes it.
        raised.as_mut().enable();
        if self.is_raised() {
            return false;
        }
        tokio::time::timeout(wait, raised).await.is_err()
    }

    /// Whether the flag is raised.
    #[inline(always)]
    pub fn is_raised(&self) -> bool {
        self.raised.load(Relaxed)
    }

    /// Sleeps for `wait`, or less if the stop is raised meanwhile; returns
    /// whether the whole wait passed (false: the stop cut it short).
    pub fn sleep(&self, wait: Duration) -> bool {
        if self.is_raised() {
            return false;
        }
        match Instant::now().checked_add(wait) {
            Some(deadline) => self.sleep_until(deadline),
            None => self.sleep_until_raised(),
        }
    }

    /// Sleeps until `deadline`, or until the stop is raised; returns whether the
    /// deadline was reached (false: the stop cut the sleep short).
    pub fn sleep_until(&self, deadline: Instant) -> bool {
        let mut sleepers = self.sleepers.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if self.is_raised() {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return true;
            }
            sleepers = self
                .wake
                .wait_timeout(sleepers, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn sleep_until_raised(&self) -> bool {
        let mut sleepers = self.sleepers.lock().unwrap_or_else(PoisonError::into_inner);
        while !self.is_raised() {
            sleepers = self
                .wake
                .wait(sleepers)
                .unwrap_or_else(PoisonError::into_inner);
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::thread;

    #[test]
    fn a_sleep_not_stopped_lasts_its_wait() {
        let stop = Stop::new();
        let start = Instant::now();
        assert!(stop.sleep(Duration::from_millis(5)));
        assert!(start.elapsed() >= Duration::from_millis(5));
        assert!(stop.sleep(Duration::ZERO));
    }

    /// A sleep of an hour ends when the stop is raised; the watchdog of the test
    /// harness is the only clock here.
    #[test]
    fn raising_the_stop_ends_every_sleep() {
        let stop = Arc::new(Stop::new());
        let sleepers: Vec<_> = (0..3)
            .map(|_| {
                let stop = Arc::clone(&stop);
                thread::spawn(move || stop.sleep(Duration::from_secs(3600)))
            })
            .collect();
        thread::sleep(Duration::from_millis(20));
        stop.raise();
        for sleeper in sleepers {
            assert!(!sleeper.join().unwrap(), "cut short");
        }
        assert!(stop.is_raised());
        assert!(
            !stop.sleep(Duration::from_secs(3600)),
            "a raised stop does not sleep"
        );
        assert!(!stop.sleep(Duration::MAX));
    }
}
