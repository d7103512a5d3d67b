//! Fan out on std mpsc: fill in the `todo!()`s, then run
//! `cargo test -p workshop-fanout-mpsc --no-default-features`.

// Until the `todo!()`s are filled in, some variables and imports go unused and
// the code after them is unreachable; these allowances keep the stubs free of warnings.
#![allow(unused_variables, unused_imports, unreachable_code)]

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
    todo!(
        "start `workers` threads that share `rx`, run `worker` in \
         each, collect their lists"
    )
}
// ANCHOR_END: fan_out

// ANCHOR: worker
/// One worker: takes the next item, works on it, and again, until the channel
/// is closed and drained. Returns the items it did.
pub fn worker(input: &Mutex<Receiver<u64>>, work: &impl Fn(u64)) -> Vec<u64> {
    todo!(
        "take the next item, work on it, note it; \
         again, until the channel is drained"
    )
}
// ANCHOR_END: worker
