//! One answer: the workers share the one `Receiver` behind a `Mutex`, and each
//! holds the lock only while it receives, never while it works.

// ANCHOR: solution
use std::sync::mpsc::{self, Receiver};
use std::sync::{Mutex, PoisonError};
use std::thread;

// ANCHOR: fan_out
/// Runs `work` on items `0..items` with `workers` threads that all take from
/// one std channel. Returns, for each worker, the items it did, in the order it
/// did them.
pub fn fan_out(
    items: u64,
    workers: usize,
    work: impl Fn(u64) + Sync,
) -> Vec<Vec<u64>> {
    let (tx, rx) = mpsc::channel();
    for item in 0..items {
        tx.send(item).expect("the receiver is still here");
    }
    // No more items: once the queue is drained, `recv` fails and the workers
    // end.
    drop(tx);
    // ANCHOR: learner_fan_out
    // std's `Receiver` cannot be cloned, and it is not `Sync`: to share it,
    // lock it.
    let rx = Mutex::new(rx);
    thread::scope(|s| {
        let workers: Vec<_> = (0..workers)
            .map(|_| s.spawn(|| worker(&rx, &work)))
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().expect("a worker panicked"))
            .collect()
    })
    // ANCHOR_END: learner_fan_out
}
// ANCHOR_END: fan_out

// ANCHOR: worker
/// One worker: takes the next item, works on it, and again, until the channel
/// is closed and drained. Returns the items it did.
pub fn worker(input: &Mutex<Receiver<u64>>, work: &impl Fn(u64)) -> Vec<u64> {
    // ANCHOR: learner_worker
    let mut done = Vec::new();
    loop {
        // The guard that `lock` returns is a temporary of this `let` statement,
        // dropped at its `;`: the lock is released before `work` runs. (Not
        // `while let Ok(item) = input.lock().unwrap().recv()`: the temporaries
        // of a `while let` condition live until the end of the loop body, so
        // the lock would be held during `work` and the workers would take
        // turns.)
        let next = input.lock().unwrap_or_else(PoisonError::into_inner).recv();
        // `recv` fails once the channel is closed and drained.
        let Ok(item) = next else { break };
        work(item);
        done.push(item);
    }
    done
    // ANCHOR_END: learner_worker
}
// ANCHOR_END: worker
// ANCHOR_END: solution
