//! The blocking queue of `pipeline-condvar`, built in four steps.
//!
//! Each step is a module with its own `Queue`, compiled and tested, and each adds one
//! thing to the step before it because that step has a flaw a test can show:
//!
//! 1. [`step1`]: a `Mutex<VecDeque>` and one `Condvar`: `get` sleeps until a `put`
//!    wakes it. Flaw: nothing limits how many items it holds.
//! 2. [`step2`]: a bound and a second `Condvar` (`not_full`): `put` sleeps while the
//!    queue is full, so a fast producer waits for a slow consumer (backpressure).
//!    Flaw: a consumer waiting on an empty queue can never be told that no more will come.
//! 3. [`step3`]: `close`: puts fail, gets drain what is left and then return `None`, so a
//!    worker is a `for` loop that ends. Flaw: the producer cannot wait until the items it
//!    put are *processed* without closing the queue.
//! 4. [`step4`]: `task_done` and `join`, Python's way to wait for the work itself.
//!
//! Step 4 is, lock poisoning aside, the queue of `pipeline-condvar`. Then [`sentinel`]
//! shows the item's way to stop a worker (an in-band SENTINEL item) for comparison, and
//! [`worker`] the payoff: a worker reduced to a three-line loop, and the item's main
//! thread waiting with `join`.
//!
//! The layout follows "Rust Atomics and Locks", chapter 5, which builds a channel the
//! same way, one flaw at a time.

pub mod sentinel;
pub mod step1;
pub mod step2;
pub mod step3;
pub mod step4;
pub mod worker;

#[cfg(test)]
mod test_queue;
#[cfg(test)]
pub(crate) mod watch;
