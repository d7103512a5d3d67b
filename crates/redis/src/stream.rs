//! One queue of the pipeline on Redis: a stream with a consumer group, a list
//! of free slots when it is bounded, and a flag that says no more will come.
//!
//! | `queue.Queue`  | here |
//! |---|---|
//! | `put`          | take a free slot (`BLMOVE`, if bounded), then `XADD` |
//! | `get`          | `XREADGROUP … BLOCK`, then give the slot back |
//! | `task_done`    | `XACK`, once the result is put downstream |
//! | `join`         | closed, nothing undelivered (`lag`), nothing pending |
//! | a dead worker  | what it held stays pending; `XAUTOCLAIM` takes it over |
//!
//! Each step that moves a slot is safe against a process that dies in the
//! middle of it. A slot taken for a put moves to a list of the putter's own
//! (`BLMOVE`) and leaves it in the same `MULTI` as the `XADD`: a putter that
//! dies in between leaves it there, for [`Stream::return_slots_of`] to give
//! back. A slot is given back for an entry by a script that notes the entry's
//! id, so that it comes back once: from the consumer that read the entry, or,
//! if that one died first, from the one that claims it.

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use redis::streams::{StreamAutoClaimReply, StreamId, StreamReadReply};
use redis::{Connection, RedisResult, Value};

use pipeline_core::{DeadLetter, Job};

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
    /// The ids of the entries read and not yet acked whose slot is free again.
    freed: String,
    /// The run's dead letters: entries set aside, never to be delivered again.
    dead: String,
}

/// How many times an entry is delivered before it is set aside as a dead
/// letter, unless the run's config says otherwise (the lab's
/// `--max-deliveries`): each delivery after the first is a claim from a consumer that held
/// it too long, most often because the worker died on it.
pub const MAX_DELIVERIES: u64 = 3;

/// An entry read from a stream: its stream id (to ack) and its job.
#[derive(Debug)]
pub struct Entry<T> {
    /// The id Redis gave the entry.
    pub id: String,
    /// The job it carries.
    pub job: Result<Job<T>, WireError>,
    /// Whether it was claimed from another consumer (redelivered).
    pub claimed: bool,
    /// How many times it has been delivered, this time included.
    pub deliveries: u64,
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
            freed: format!("{key}:freed"),
            dead: dead_letters_key(prefix),
            key,
        }
    }

    /// Sets the entry `id` aside as a dead letter, saying `why`, and acks it,
    /// in one `MULTI`: it leaves the queue for good, and the run goes on.
    pub fn dead_letter(
        &self,
        conn: &mut Connection,
        id: &str,
        why: &str,
        deliveries: u64,
    ) -> RedisResult<()> {
        let mut set_aside = redis::pipe();
        set_aside
            .atomic()
            .cmd("XADD")
            .arg(&self.dead)
            .arg("*")
            .arg("queue")
            .arg(&self.key)
            .arg("entry")
            .arg(id)
            .arg("why")
            .arg(why)
            .arg("deliveries")
            .arg(deliveries)
            .ignore()
            .cmd("PEXPIRE")
            .arg(&self.dead)
            .arg(ttl_ms())
            .ignore();
        self.done_with(&mut set_aside, id);
        in_one_go(conn, &set_aside)
    }

    /// Every key this queue may have made but its putters' taken slots.
    #[cfg(test)]
    pub fn keys(&self) -> Vec<String> {
        let mut keys = vec![
            self.key.clone(),
            self.closed.clone(),
            self.freed.clone(),
            self.dead.clone(),
        ];
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

    /// The list where `putter` keeps the slot it took for the put it is making.
    fn taken_by(&self, putter: &str) -> Option<String> {
        self.slots
            .as_ref()
            .map(|_| format!("{}:taken:{putter}", self.key))
    }

    // ANCHOR: put
    /// Puts `job` on the stream, first waiting for a free slot if bounded;
    /// `false` if `stopped()`, asked after each [`BLOCK`] without a slot, said
    /// to give up. `putter` names the thread (a consumer name, or `camera`).
    pub fn put<T: Wire>(
        &self,
        conn: &mut Connection,
        putter: &str,
        job: &Job<T>,
        epoch: Instant,
        stopped: impl Fn() -> bool,
    ) -> RedisResult<bool> {
        let taken = self.taken_by(putter);
        if let (Some(slots), Some(taken)) = (&self.slots, &taken) {
            // The server holds the call until a slot is free: no polling.
            loop {
                let slot: Option<Vec<u8>> = redis::cmd("BLMOVE")
                    .arg(slots)
                    .arg(taken)
                    .arg("LEFT")
                    .arg("RIGHT")
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
        let mut add = redis::pipe();
        add.atomic()
            .cmd("XADD")
            .arg(&self.key)
            .arg("*")
            .arg("id")
            .arg(job.id)
            .arg("t")
            .arg(entered.as_nanos() as u64)
            .arg("v")
            .arg(payload)
            .ignore();
        if let Some(taken) = &taken {
            add.cmd("LPOP").arg(taken).ignore();
        }
        in_one_go(conn, &add)?;
        Ok(true)
    }
    // ANCHOR_END: put

    /// Gives back the slots `putter` took for puts it never made: it died
    /// between taking a slot and adding its entry.
    pub fn return_slots_of(
        &self,
        conn: &mut Connection,
        putter: &str,
    ) -> RedisResult<u64> {
        let (Some(slots), Some(taken)) = (&self.slots, self.taken_by(putter))
        else {
            return Ok(0);
        };
        let mut returned = 0;
        loop {
            let moved: Option<Vec<u8>> = redis::cmd("LMOVE")
                .arg(&taken)
                .arg(slots)
                .arg("LEFT")
                .arg("RIGHT")
                .query(conn)?;
            if moved.is_none() {
                return Ok(returned);
            }
            returned += 1;
            // A list emptied and made again has lost its time to live.
            redis::cmd("PEXPIRE")
                .arg(slots)
                .arg(ttl_ms())
                .query::<()>(conn)?;
        }
    }

    // ANCHOR: get
    /// Takes the next entry no consumer of the group has had, waiting up to
    /// [`BLOCK`]; gives its slot back (the item has left the queue).
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
        self.free_slot_of(conn, &entry.id)?;
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
        // One call scans at most ten times COUNT entries of the pending list,
        // from the cursor: follow the cursor until it wraps around to 0-0.
        let mut claimed: Vec<Entry<T>> = Vec::new();
        let mut cursor = "0-0".to_string();
        loop {
            let reply: StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
                .arg(&self.key)
                .arg(GROUP)
                .arg(consumer)
                .arg(idle.as_millis() as u64)
                .arg(&cursor)
                .arg("COUNT")
                .arg(count - claimed.len())
                .query(conn)?;
            claimed.extend(
                reply.claimed.iter().map(|entry| decode(entry, epoch, true)),
            );
            cursor = reply.next_stream_id;
            if cursor == "0-0" || claimed.len() >= count {
                break;
            }
        }
        for entry in &mut claimed {
            entry.deliveries = self.deliveries_of(conn, &entry.id)?;
        }
        // The consumer that died may have died before it gave the slot back.
        for entry in &claimed {
            self.free_slot_of(conn, &entry.id)?;
        }
        Ok(claimed)
    }

    /// Keeps the entries `ids`, which `consumer` holds and works on, from
    /// looking idle: claimed again by the same consumer (`XCLAIM … JUSTID`,
    /// which resets an entry's idle time and leaves its delivery count
    /// alone), so that a claim takes only what a dead consumer held, however
    /// long the work takes.
    pub fn keep_alive(
        &self,
        conn: &mut Connection,
        consumer: &str,
        ids: &[String],
    ) -> RedisResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        redis::cmd("XCLAIM")
            .arg(&self.key)
            .arg(GROUP)
            .arg(consumer)
            .arg(0)
            .arg(ids)
            .arg("JUSTID")
            .query::<Vec<String>>(conn)
            .map(|_| ())
    }

    /// How many times the pending entry `id` has been delivered
    /// (`XPENDING`'s count; 1 if it is no longer pending).
    fn deliveries_of(
        &self,
        conn: &mut Connection,
        id: &str,
    ) -> RedisResult<u64> {
        let pending: Vec<(String, String, u64, u64)> = redis::cmd("XPENDING")
            .arg(&self.key)
            .arg(GROUP)
            .arg(id)
            .arg(id)
            .arg(1)
            .query(conn)?;
        Ok(pending
            .first()
            .map_or(1, |(_, _, _, deliveries)| *deliveries))
    }

    /// Gives back the slot of the entry `id`, unless it was given back
    /// already: the set of freed ids says so, in the same script. The set
    /// and the list, which come and go as they empty and fill, get the
    /// run's time to live each time.
    fn free_slot_of(&self, conn: &mut Connection, id: &str) -> RedisResult<()> {
        static FREE: LazyLock<redis::Script> = LazyLock::new(|| {
            redis::Script::new(
                "if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then \
                     redis.call('RPUSH', KEYS[2], 1) \
                 end \
                 redis.call('PEXPIRE', KEYS[1], ARGV[2]) \
                 redis.call('PEXPIRE', KEYS[2], ARGV[2])",
            )
        });
        let Some(slots) = &self.slots else {
            return Ok(());
        };
        FREE.key(&self.freed)
            .key(slots)
            .arg(id)
            .arg(ttl_ms())
            .invoke::<()>(conn)
    }
    // ANCHOR_END: claim

    // ANCHOR: ack
    /// `task_done`: the entry `id` is handled. It is deleted in the same
    /// `MULTI` as its ack (and its id leaves the set of freed slots' ids), so
    /// that the server holds only what the queue holds: entries waiting, and
    /// entries a worker has and has not acked.
    pub fn ack(&self, conn: &mut Connection, id: &str) -> RedisResult<()> {
        let mut ack = redis::pipe();
        in_one_go(conn, self.done_with(ack.atomic(), id))
    }

    /// Adds to `pipe` what acks and deletes the entry `id`.
    fn done_with<'p>(
        &self,
        pipe: &'p mut redis::Pipeline,
        id: &str,
    ) -> &'p mut redis::Pipeline {
        pipe.cmd("XACK")
            .arg(&self.key)
            .arg(GROUP)
            .arg(id)
            .ignore()
            .cmd("XDEL")
            .arg(&self.key)
            .arg(id)
            .ignore();
        if self.slots.is_some() {
            pipe.cmd("SREM").arg(&self.freed).arg(id).ignore();
        }
        pipe
    }
    // ANCHOR_END: ack

    /// No more entries will be added (the camera is done, or the stage that
    /// feeds this queue has handled all of its own input).
    pub fn close(&self, conn: &mut Connection) -> RedisResult<()> {
        redis::cmd("SET")
            .arg(&self.closed)
            .arg(1)
            .arg("PX")
            .arg(ttl_ms())
            .query::<()>(conn)
    }

    // ANCHOR: finished
    /// `join`: closed, nothing pending, and no entry after the last one the
    /// group was given. Exact on every Redis the pipeline accepts and after
    /// deletions (`XINFO GROUPS`'s `lag` is an estimate that deletions can
    /// leave unknown): an entry deleted or trimmed by someone else before it
    /// was delivered is gone, and the queue is finished without it.
    pub fn finished(&self, conn: &mut Connection) -> RedisResult<bool> {
        let closed: bool =
            redis::cmd("EXISTS").arg(&self.closed).query(conn)?;
        if !closed {
            return Ok(false);
        }
        let group = self.group(conn)?;
        if group.pending != 0 {
            return Ok(false);
        }
        let after: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
            .arg(&self.key)
            .arg(format!("({}", group.last_delivered))
            .arg("+")
            .arg("COUNT")
            .arg(1)
            .query(conn)?;
        Ok(after.ids.is_empty())
    }
    // ANCHOR_END: finished

    /// The group's line of `XINFO GROUPS`: what it holds unacked, and the id
    /// of the last entry it was given.
    fn group(&self, conn: &mut Connection) -> RedisResult<Group> {
        let groups: Vec<std::collections::HashMap<String, Value>> =
            redis::cmd("XINFO")
                .arg("GROUPS")
                .arg(&self.key)
                .query(conn)?;
        let group = groups.into_iter().next().unwrap_or_default();
        let pending = match group.get("pending") {
            Some(Value::Int(n)) => u64::try_from(*n).unwrap_or(0),
            _ => 0,
        };
        let last_delivered = match group.get("last-delivered-id") {
            Some(Value::BulkString(bytes)) => {
                String::from_utf8_lossy(bytes).into_owned()
            }
            Some(Value::SimpleString(text)) => text.clone(),
            _ => "0-0".to_string(),
        };
        Ok(Group {
            pending,
            last_delivered,
        })
    }

    /// The item of each entry on the stream, and whether a consumer holds it
    /// (delivered, not acked): where a stopped run left its items. An entry
    /// that does not say its item is left out.
    pub fn items(
        &self,
        conn: &mut Connection,
    ) -> RedisResult<Vec<(u64, bool)>> {
        let range: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
            .arg(&self.key)
            .arg("-")
            .arg("+")
            .query(conn)?;
        let pending: redis::streams::StreamPendingCountReply =
            redis::cmd("XPENDING")
                .arg(&self.key)
                .arg(GROUP)
                .arg("-")
                .arg("+")
                .arg(range.ids.len().max(1))
                .query(conn)?;
        let held: std::collections::HashSet<&str> =
            pending.ids.iter().map(|p| p.id.as_str()).collect();
        Ok(range
            .ids
            .iter()
            .filter_map(|e| {
                Some((e.get::<u64>("id")?, held.contains(e.id.as_str())))
            })
            .collect())
    }

    /// How many entries wait in the queue, and how many are held unacked:
    /// exact, since an acked entry is deleted (`XLEN` counts the two).
    pub fn depth(&self, conn: &mut Connection) -> RedisResult<(u64, u64)> {
        let length: u64 = redis::cmd("XLEN").arg(&self.key).query(conn)?;
        let pending = self.group(conn)?.pending;
        Ok((length.saturating_sub(pending), pending))
    }
}

/// How long each reply of a pipeline may take. A server sends a `MULTI`
/// block's replies together, but the client reads them one by one, each
/// with the connection's timeout: a server that stopped answering would hold
/// a block of five replies five times as long as one command.
pub const STEP_TIMEOUT: Duration = Duration::from_millis(500);

/// Sends `pipe` and reads its replies with [`STEP_TIMEOUT`] each, then puts
/// back the connection's timeout for a reply ([`BLOCK`] and the client's
/// own time).
pub fn in_one_go(
    conn: &mut Connection,
    pipe: &redis::Pipeline,
) -> RedisResult<()> {
    conn.set_read_timeout(Some(STEP_TIMEOUT))?;
    let done = pipe.query::<()>(conn);
    conn.set_read_timeout(Some(BLOCK + crate::TIMEOUT))?;
    done
}

/// The run's time to live in ms, for a key made in the middle of a run (the
/// coordinator renews it: see [`crate::expiry`]).
fn ttl_ms() -> u64 {
    crate::expiry::RUN_TTL.as_millis() as u64
}

/// A consumer group's state, from `XINFO GROUPS`.
struct Group {
    pending: u64,
    last_delivered: String,
}

/// The memory the server uses now, in bytes (`INFO memory`'s `used_memory`):
/// the whole server's, every key of every client.
pub fn server_memory(conn: &mut Connection) -> RedisResult<Option<u64>> {
    let info: String = redis::cmd("INFO").arg("memory").query(conn)?;
    Ok(info
        .lines()
        .find_map(|line| line.strip_prefix("used_memory:"))
        .and_then(|bytes| bytes.trim().parse().ok()))
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
        deliveries: 1,
    }
}

/// The key of the dead-letter stream of the run whose keys start with `prefix`.
pub fn dead_letters_key(prefix: &str) -> String {
    format!("{prefix}:dead")
}

/// Every dead letter of the run whose keys start with `prefix`, oldest first.
pub fn dead_letters(
    conn: &mut Connection,
    prefix: &str,
) -> RedisResult<Vec<DeadLetter>> {
    let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg(dead_letters_key(prefix))
        .arg("-")
        .arg("+")
        .query(conn)?;
    Ok(reply
        .ids
        .iter()
        .map(|entry| {
            let text =
                |name: &str| entry.get::<String>(name).unwrap_or_default();
            let queue = text("queue");
            DeadLetter {
                queue: queue.rsplit(':').next().unwrap_or(&queue).to_string(),
                entry: text("entry"),
                why: text("why"),
                deliveries: entry.get::<u64>("deliveries").unwrap_or(0),
            }
        })
        .collect())
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
                    .put(&mut conn, "p", &job(id, epoch), epoch, || false)
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
    fn a_bounded_put_waits_for_a_slot_that_a_get_gives_back_once() {
        let Some((mut conn, prefix)) = connection() else {
            return;
        };
        let epoch = Instant::now();
        let queue = Stream::named(&prefix, "b", true);
        queue.create(&mut conn, Some(2)).unwrap();
        let len = |conn: &mut Connection| -> u64 {
            redis::cmd("XLEN").arg(&queue.key).query(conn).unwrap()
        };
        let free = |conn: &mut Connection| -> u64 {
            redis::cmd("LLEN").arg(&queue.slots).query(conn).unwrap()
        };
        for id in 0..2 {
            assert!(
                queue
                    .put(&mut conn, "p", &job(id, epoch), epoch, || false)
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
        let put = queue.put(
            &mut conn,
            "p",
            &job(2, epoch),
            epoch,
            stop_after_two_waits,
        );
        assert!(!put.unwrap(), "no slot was free");
        assert_eq!(len(&mut conn), 2);
        // A get gives its slot back: the item has left the queue.
        let Got::Entry(entry) =
            queue.get::<u64>(&mut conn, "c", epoch).unwrap()
        else {
            panic!("an entry was there");
        };
        assert_eq!(free(&mut conn), 1);
        // A consumer that claims it (the reader died) gives back no second.
        std::thread::sleep(Duration::from_millis(20));
        let idle = Duration::from_millis(10);
        let claimed = queue.claim::<u64>(&mut conn, "d", idle, 16, epoch);
        assert_eq!(claimed.unwrap().len(), 1);
        assert_eq!(free(&mut conn), 1);
        queue.ack(&mut conn, &entry.id).unwrap();
        assert!(
            queue
                .put(&mut conn, "p", &job(2, epoch), epoch, || true)
                .unwrap()
        );
        // The acked entry is deleted with its ack: the server keeps what the
        // queue holds, no more.
        assert_eq!(len(&mut conn), 2);
        assert_eq!(free(&mut conn), 0);
        redis::cmd("DEL")
            .arg(queue.keys())
            .query::<()>(&mut conn)
            .unwrap();
    }

    /// A claim follows `XAUTOCLAIM`'s cursor: the idle entries a dead
    /// consumer left behind are found past many more pending entries than one
    /// call scans (ten times its count), and an entry kept alive is not taken.
    #[test]
    fn a_claim_finds_idle_entries_past_many_live_ones() {
        let Some((mut conn, prefix)) = connection() else {
            return;
        };
        let epoch = Instant::now();
        let queue = Stream::named(&prefix, "c", false);
        queue.create(&mut conn, None).unwrap();
        for id in 0..400 {
            queue
                .put(&mut conn, "p", &job(id, epoch), epoch, || false)
                .unwrap();
        }
        // Every entry delivered to one consumer, which then "dies" holding them.
        redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg(GROUP)
            .arg("dead")
            .arg("COUNT")
            .arg(400)
            .arg("STREAMS")
            .arg(&queue.key)
            .arg(">")
            .query::<Value>(&mut conn)
            .unwrap();
        // Idle for longer than the claim asks, by a margin: the live ones are
        // touched just before the claim, which has two seconds to come.
        std::thread::sleep(Duration::from_millis(2_200));
        // The first 390 are kept alive by a live consumer: only the last ten
        // are idle, past 390 live ones (one call of COUNT 16 scans 160).
        let ids: Vec<String> = redis::cmd("XRANGE")
            .arg(&queue.key)
            .arg("-")
            .arg("+")
            .query::<redis::streams::StreamRangeReply>(&mut conn)
            .unwrap()
            .ids
            .into_iter()
            .map(|entry| entry.id)
            .collect();
        queue.keep_alive(&mut conn, "live", &ids[..390]).unwrap();
        let idle = Duration::from_secs(2);
        let claimed = queue
            .claim::<u64>(&mut conn, "claimer", idle, 16, epoch)
            .unwrap();
        let got: Vec<u64> = claimed
            .iter()
            .map(|entry| entry.job.as_ref().unwrap().id)
            .collect();
        assert_eq!(got, (390..400).collect::<Vec<_>>());
        assert!(claimed.iter().all(|entry| entry.deliveries == 2));
        redis::cmd("DEL")
            .arg(queue.keys())
            .query::<()>(&mut conn)
            .unwrap();
    }

    #[test]
    fn a_reader_that_died_before_it_gave_the_slot_back_has_it_given_back_by_its_claimer()
     {
        let Some((mut conn, prefix)) = connection() else {
            return;
        };
        let epoch = Instant::now();
        let queue = Stream::named(&prefix, "r", true);
        queue.create(&mut conn, Some(1)).unwrap();
        assert!(
            queue
                .put(&mut conn, "p", &job(0, epoch), epoch, || false)
                .unwrap()
        );
        // The first half of a get: the entry read, and then the reader died.
        redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg(GROUP)
            .arg("dead")
            .arg("COUNT")
            .arg(1)
            .arg("STREAMS")
            .arg(&queue.key)
            .arg(">")
            .query::<Value>(&mut conn)
            .unwrap();
        std::thread::sleep(Duration::from_millis(20));
        let idle = Duration::from_millis(10);
        let claimed = queue.claim::<u64>(&mut conn, "live", idle, 16, epoch);
        assert_eq!(claimed.unwrap().len(), 1);
        assert!(
            queue
                .put(&mut conn, "p", &job(1, epoch), epoch, || true)
                .unwrap(),
            "the slot is free again"
        );
        redis::cmd("DEL")
            .arg(queue.keys())
            .query::<()>(&mut conn)
            .unwrap();
    }

    #[test]
    fn a_slot_taken_by_a_putter_that_died_before_its_add_is_given_back() {
        let Some((mut conn, prefix)) = connection() else {
            return;
        };
        let queue = Stream::named(&prefix, "d", true);
        queue.create(&mut conn, Some(1)).unwrap();
        // The first half of a put: the slot moved to the putter's own list,
        // and then the putter died.
        let taken = queue.taken_by("dead").unwrap();
        redis::cmd("LMOVE")
            .arg(&queue.slots)
            .arg(&taken)
            .arg("LEFT")
            .arg("RIGHT")
            .query::<()>(&mut conn)
            .unwrap();
        assert_eq!(queue.return_slots_of(&mut conn, "dead").unwrap(), 1);
        assert_eq!(queue.return_slots_of(&mut conn, "dead").unwrap(), 0);
        let epoch = Instant::now();
        assert!(
            queue
                .put(&mut conn, "live", &job(0, epoch), epoch, || true)
                .unwrap(),
            "the slot is free again"
        );
        redis::cmd("DEL")
            .arg(queue.keys())
            .query::<()>(&mut conn)
            .unwrap();
    }
}
