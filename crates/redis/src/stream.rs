//! One queue of the pipeline on Redis: a stream with a consumer group, a list
//! of free slots when it is bounded, and a flag that says no more will come.
//!
//! | `queue.Queue`  | here |
//! |---|---|
//! | `put`          | take a free slot (`BLPOP`, if bounded), then `XADD` |
//! | `get`          | `XREADGROUP … BLOCK`, then give the slot back (`RPUSH`) |
//! | `task_done`    | `XACK`, once the result is put downstream |
//! | `join`         | closed, nothing undelivered (`lag`), nothing pending |
//! | a dead worker  | what it held stays pending; `XAUTOCLAIM` takes it over |

use std::time::{Duration, Instant};

use redis::streams::{StreamAutoClaimReply, StreamId, StreamReadReply};
use redis::{Connection, RedisResult, Value};

use pipeline_core::Job;

use crate::wire::{Wire, WireError};

/// How long one blocking call waits before it looks at the stop flag again.
pub const BLOCK: Duration = Duration::from_millis(100);
/// The consumer group every worker of a stage reads in.
const GROUP: &str = "workers";

/// The keys of one queue of one run.
#[derive(Debug, Clone)]
pub struct Stream {
    /// The stream.
    key: String,
    /// The list of free slots, when bounded.
    slots: Option<String>,
    /// Set once no more entries will be added.
    closed: String,
}

/// An entry read from a stream: its stream id (to ack) and its job.
#[derive(Debug)]
pub struct Entry<T> {
    /// The id Redis gave the entry.
    pub id: String,
    /// The job it carries.
    pub job: Result<Job<T>, WireError>,
    /// Whether it was claimed from another consumer (redelivered).
    pub claimed: bool,
}

/// What a `get` gave.
#[derive(Debug)]
pub enum Got<T> {
    /// An entry.
    Entry(Entry<T>),
    /// Nothing within [`BLOCK`]: a poll that found the queue empty.
    Empty,
}

impl Stream {
    /// The queue `name` of the run whose keys start with `prefix`.
    pub fn named(prefix: &str, name: &str, bounded: bool) -> Stream {
        let key = format!("{prefix}:{name}");
        Stream {
            slots: bounded.then(|| format!("{key}:slots")),
            closed: format!("{key}:closed"),
            key,
        }
    }

    /// Every key this queue may have made, to remove at the end of a run.
    pub fn keys(&self) -> Vec<String> {
        let mut keys = vec![self.key.clone(), self.closed.clone()];
        keys.extend(self.slots.clone());
        keys
    }

    /// Makes the stream and its group, and `capacity` free slots if bounded.
    pub fn create(
        &self,
        conn: &mut Connection,
        capacity: Option<usize>,
    ) -> RedisResult<()> {
        redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(&self.key)
            .arg(GROUP)
            .arg("0")
            .arg("MKSTREAM")
            .query::<()>(conn)?;
        if let (Some(slots), Some(n)) = (&self.slots, capacity) {
            redis::cmd("RPUSH")
                .arg(slots)
                .arg(vec!["1"; n])
                .query::<()>(conn)?;
        }
        Ok(())
    }

    // ANCHOR: put
    /// Puts `job` on the stream, first waiting for a free slot if bounded;
    /// `false` if `stopped()`, asked after each [`BLOCK`] without a slot, said
    /// to give up.
    pub fn put<T: Wire>(
        &self,
        conn: &mut Connection,
        job: &Job<T>,
        epoch: Instant,
        stopped: impl Fn() -> bool,
    ) -> RedisResult<bool> {
        if let Some(slots) = &self.slots {
            loop {
                let slot: Option<(String, Vec<u8>)> = redis::cmd("BLPOP")
                    .arg(slots)
                    .arg(BLOCK.as_secs_f64())
                    .query(conn)?;
                if slot.is_some() {
                    break;
                }
                if stopped() {
                    return Ok(false);
                }
            }
        }
        let mut payload = Vec::new();
        job.item.encode(&mut payload);
        let entered = job.entered.saturating_duration_since(epoch);
        redis::cmd("XADD")
            .arg(&self.key)
            .arg("*")
            .arg("id")
            .arg(job.id)
            .arg("t")
            .arg(entered.as_nanos() as u64)
            .arg("v")
            .arg(payload)
            .query::<String>(conn)?;
        Ok(true)
    }
    // ANCHOR_END: put

    // ANCHOR: get
    /// Takes the next entry no consumer of the group has had, waiting up to
    /// [`BLOCK`]; gives its slot back at once (the item has left the queue).
    pub fn get<T: Wire>(
        &self,
        conn: &mut Connection,
        consumer: &str,
        epoch: Instant,
    ) -> RedisResult<Got<T>> {
        let reply: Option<StreamReadReply> = redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg(GROUP)
            .arg(consumer)
            .arg("COUNT")
            .arg(1)
            .arg("BLOCK")
            .arg(BLOCK.as_millis() as u64)
            .arg("STREAMS")
            .arg(&self.key)
            .arg(">")
            .query(conn)?;
        let entry = reply
            .into_iter()
            .flat_map(|reply| reply.keys)
            .flat_map(|key| key.ids)
            .next();
        let Some(entry) = entry else {
            return Ok(Got::Empty);
        };
        self.give_back_slot(conn)?;
        Ok(Got::Entry(decode(&entry, epoch, false)))
    }
    // ANCHOR_END: get

    // ANCHOR: claim
    /// Takes over entries another consumer of the group has held for at least
    /// `idle` without acking them (a worker that died), up to `count`.
    pub fn claim<T: Wire>(
        &self,
        conn: &mut Connection,
        consumer: &str,
        idle: Duration,
        count: usize,
        epoch: Instant,
    ) -> RedisResult<Vec<Entry<T>>> {
        let reply: StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
            .arg(&self.key)
            .arg(GROUP)
            .arg(consumer)
            .arg(idle.as_millis() as u64)
            .arg("0-0")
            .arg("COUNT")
            .arg(count)
            .query(conn)?;
        Ok(reply
            .claimed
            .iter()
            .map(|entry| decode(entry, epoch, true))
            .collect())
    }
    // ANCHOR_END: claim

    // ANCHOR: ack
    /// `task_done`: the entry `id` is handled.
    pub fn ack(&self, conn: &mut Connection, id: &str) -> RedisResult<()> {
        redis::cmd("XACK")
            .arg(&self.key)
            .arg(GROUP)
            .arg(id)
            .query::<()>(conn)
    }
    // ANCHOR_END: ack

    /// No more entries will be added (the camera is done, or the stage that
    /// feeds this queue has handled all of its own input).
    pub fn close(&self, conn: &mut Connection) -> RedisResult<()> {
        redis::cmd("SET").arg(&self.closed).arg(1).query::<()>(conn)
    }

    // ANCHOR: finished
    /// `join`: closed, every entry delivered to a consumer, and every
    /// delivered entry acked.
    pub fn finished(&self, conn: &mut Connection) -> RedisResult<bool> {
        let closed: bool =
            redis::cmd("EXISTS").arg(&self.closed).query(conn)?;
        if !closed {
            return Ok(false);
        }
        let groups: Vec<std::collections::HashMap<String, Value>> =
            redis::cmd("XINFO")
                .arg("GROUPS")
                .arg(&self.key)
                .query(conn)?;
        let group = groups.into_iter().next().unwrap_or_default();
        let count = |field: &str| match group.get(field) {
            Some(Value::Int(n)) => Some(*n),
            _ => None,
        };
        // `lag` is nil only when Redis cannot tell; then it is not finished.
        Ok(count("pending") == Some(0) && count("lag") == Some(0))
    }
    // ANCHOR_END: finished

    fn give_back_slot(&self, conn: &mut Connection) -> RedisResult<()> {
        match &self.slots {
            Some(slots) => redis::cmd("RPUSH").arg(slots).arg(1).query(conn),
            None => Ok(()),
        }
    }
}

fn decode<T: Wire>(
    entry: &StreamId,
    epoch: Instant,
    claimed: bool,
) -> Entry<T> {
    let field = |name: &str| entry.get::<Vec<u8>>(name);
    let number = |name: &str| entry.get::<u64>(name);
    let job = match (number("id"), number("t"), field("v")) {
        (Some(id), Some(t), Some(v)) => T::decode(&v)
            .map(|item| Job::new(id, epoch + Duration::from_nanos(t), item)),
        _ => Err(WireError("an entry lacks id, t or v")),
    };
    Entry {
        id: entry.id.clone(),
        job,
        claimed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server;

    fn connection() -> Option<(Connection, String)> {
        if !server::available_for_tests() {
            return None;
        }
        let broker = server::broker().expect("available");
        let conn = broker.client().unwrap().get_connection().unwrap();
        let prefix =
            format!("test:{}:{:?}", std::process::id(), Instant::now());
        Some((conn, prefix))
    }

    fn job(id: u64, epoch: Instant) -> Job<u64> {
        Job::new(id, epoch, id)
    }

    #[test]
    fn what_a_dead_consumer_held_is_claimed_and_only_then_is_the_queue_done() {
        let Some((mut conn, prefix)) = connection() else {
            return;
        };
        let epoch = Instant::now();
        let queue = Stream::named(&prefix, "q", false);
        queue.create(&mut conn, None).unwrap();
        for id in 0..10 {
            assert!(
                queue
                    .put(&mut conn, &job(id, epoch), epoch, || false)
                    .unwrap()
            );
        }
        queue.close(&mut conn).unwrap();
        // A consumer takes three entries and dies without acking them.
        for _ in 0..3 {
            let got = queue.get::<u64>(&mut conn, "dead", epoch).unwrap();
            assert!(matches!(got, Got::Entry(_)));
        }
        let mut handled = Vec::new();
        while let Got::Entry(entry) =
            queue.get::<u64>(&mut conn, "live", epoch).unwrap()
        {
            handled.push(entry.job.unwrap().id);
            queue.ack(&mut conn, &entry.id).unwrap();
        }
        assert_eq!(handled, (3..10).collect::<Vec<_>>());
        assert!(!queue.finished(&mut conn).unwrap(), "three are pending");
        let idle = Duration::from_millis(50);
        std::thread::sleep(idle * 2);
        let claimed = queue
            .claim::<u64>(&mut conn, "live", idle, 16, epoch)
            .unwrap();
        assert_eq!(claimed.len(), 3);
        for entry in claimed {
            assert!(entry.claimed);
            handled.push(entry.job.unwrap().id);
            queue.ack(&mut conn, &entry.id).unwrap();
        }
        handled.sort_unstable();
        assert_eq!(handled, (0..10).collect::<Vec<_>>(), "nothing lost");
        assert!(queue.finished(&mut conn).unwrap());
        let keys: Vec<String> = queue.keys();
        redis::cmd("DEL").arg(keys).query::<()>(&mut conn).unwrap();
    }

    #[test]
    fn a_bounded_put_waits_for_a_slot_that_a_get_gives_back() {
        let Some((mut conn, prefix)) = connection() else {
            return;
        };
        let epoch = Instant::now();
        let queue = Stream::named(&prefix, "b", true);
        queue.create(&mut conn, Some(2)).unwrap();
        for id in 0..2 {
            assert!(
                queue
                    .put(&mut conn, &job(id, epoch), epoch, || false)
                    .unwrap()
            );
        }
        // Full: a put that is told to stop while it waits gives up, and adds
        // nothing.
        let asked = std::cell::Cell::new(0);
        let stop_after_two_waits = || {
            asked.set(asked.get() + 1);
            asked.get() >= 2
        };
        let put =
            queue.put(&mut conn, &job(2, epoch), epoch, stop_after_two_waits);
        assert!(!put.unwrap(), "no slot was free");
        let len: u64 =
            redis::cmd("XLEN").arg(&queue.key).query(&mut conn).unwrap();
        assert_eq!(len, 2);
        // A get gives its slot back: the next put goes in at once.
        assert!(matches!(
            queue.get::<u64>(&mut conn, "c", epoch).unwrap(),
            Got::Entry(_)
        ));
        assert!(
            queue
                .put(&mut conn, &job(2, epoch), epoch, || true)
                .unwrap()
        );
        let len: u64 =
            redis::cmd("XLEN").arg(&queue.key).query(&mut conn).unwrap();
        assert_eq!(len, 3);
        let keys: Vec<String> = queue.keys();
        redis::cmd("DEL").arg(keys).query::<()>(&mut conn).unwrap();
    }
}
