//! A run's keys expire unless the process that started it lives: that
//! process gives every key of the run a time to live of [`RUN_TTL`] and
//! renews it every [`REFRESH_EVERY`], and keeps a key `{run}:alive` whose
//! shorter time to live ([`ALIVE_TTL`]) says whether it is still there. A run
//! whose coordinator was killed (no exit handler ran, no key was removed)
//! leaves nothing on a shared server a minute later, and a stage process
//! joined to it stops, saying why, instead of working for no collector.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::thread;
use std::time::{Duration, Instant};

use redis::{Connection, RedisResult};

use crate::Shared;

/// How long a run's keys outlive the last renewal by their coordinator.
pub const RUN_TTL: Duration = Duration::from_secs(60);
/// How long `{run}:alive` outlives the last renewal: a coordinator silent
/// this long is taken for gone.
pub const ALIVE_TTL: Duration = Duration::from_secs(10);
/// How often the coordinator renews its run's keys.
pub const REFRESH_EVERY: Duration = Duration::from_secs(1);

/// The key that says the run whose keys start with `prefix` has a live
/// coordinator.
pub fn alive_key(prefix: &str) -> String {
    format!("{prefix}:alive")
}

/// Every key of the run whose keys start with `prefix`.
pub(crate) fn run_keys(
    conn: &mut Connection,
    prefix: &str,
) -> RedisResult<Vec<String>> {
    redis::cmd("SCAN")
        .cursor_arg(0)
        .arg("MATCH")
        .arg(format!("{prefix}:*"))
        .arg("COUNT")
        .arg(1000)
        .clone()
        .iter::<String>(conn)?
        .collect()
}

/// Renews the time to live of every key of the run whose keys start with
/// `prefix`, and of its `alive` key.
pub fn refresh(conn: &mut Connection, prefix: &str) -> RedisResult<()> {
    let keys = run_keys(conn, prefix)?;
    // One script, one reply: a server that stopped answering holds the
    // renewal one timeout long, not one per key.
    static RENEW: std::sync::LazyLock<redis::Script> =
        std::sync::LazyLock::new(|| {
            redis::Script::new(
                "redis.call('SET', KEYS[1], 1, 'PX', ARGV[2]) \
                 for i = 2, #KEYS do \
                     redis.call('PEXPIRE', KEYS[i], ARGV[1]) \
                 end",
            )
        });
    let alive = alive_key(prefix);
    let mut renew = RENEW.key(&alive);
    for key in keys.iter().filter(|key| **key != alive) {
        renew.key(key);
    }
    renew
        .arg(RUN_TTL.as_millis() as u64)
        .arg(ALIVE_TTL.as_millis() as u64)
        .invoke(conn)
}

/// Whether the run whose keys start with `prefix` still has a coordinator
/// renewing it.
pub fn is_alive(conn: &mut Connection, prefix: &str) -> RedisResult<bool> {
    redis::cmd("EXISTS").arg(alive_key(prefix)).query(conn)
}

/// The coordinator's side: renews the run's keys every [`REFRESH_EVERY`]
/// until `ended` (or the broker is lost). A failed renewal is tried again at
/// the next turn, on a new connection.
pub(crate) fn keep_fresh(shared: &Shared, ended: &AtomicBool) {
    let mut conn = None;
    while !ended.load(Relaxed) && !shared.is_lost() {
        if conn.is_none() {
            conn = shared.connect().ok();
        }
        if let Some(c) = conn.as_mut()
            && refresh(c, &shared.prefix).is_err()
        {
            conn = None;
        }
        sleep_unless(ended, REFRESH_EVERY);
    }
}

/// A stage process's side: looks every [`REFRESH_EVERY`] until `ended`
/// whether its run's coordinator still lives, and stops the run, saying
/// so, once it is gone (a broker that does not answer is the workers' to
/// notice).
pub(crate) fn watch_coordinator(
    shared: &Shared,
    run: &pipeline_core::Run,
    ended: &AtomicBool,
) {
    let mut conn = None;
    while !ended.load(Relaxed) && !run.probes().is_stopped() {
        if conn.is_none() {
            conn = shared.connect().ok();
        }
        match conn.as_mut().map(|c| is_alive(c, &shared.prefix)) {
            Some(Ok(false)) => {
                run.process_failed(
                    &format!("run {}", shared.prefix),
                    &format!(
                        "its coordinator stopped renewing it on the broker \
                         at {} (it was killed, or ended), so nothing would \
                         collect this stage's work",
                        shared.broker.shown()
                    ),
                );
                return;
            }
            Some(Err(_)) => conn = None,
            _ => {}
        }
        sleep_unless(ended, REFRESH_EVERY);
    }
}

/// Sleeps for `span`, or less once `ended`.
fn sleep_unless(ended: &AtomicBool, span: Duration) {
    let until = Instant::now() + span;
    while !ended.load(Relaxed) && Instant::now() < until {
        thread::sleep(Duration::from_millis(20));
    }
}
