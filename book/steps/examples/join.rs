//! The item's step 7: the main thread puts 1000 items, joins each queue in turn, and
//! then counts what is finished, with every worker still running.
//!
//! `cargo run -p queue-steps --example join`

use queue_steps::worker::joined_pipeline;

fn main() {
    let (finished, received) = joined_pipeline(1000, [3, 4, 5]);
    println!("{finished} items finished when the joins returned");
    println!(
        "{} items came out once the queues were closed",
        received.len()
    );
}
