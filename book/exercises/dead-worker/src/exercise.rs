//! Claim what a dead worker held, and upload nothing twice: fill in the
//! `todo!()`s, then run
//! `cargo test -p workshop-dead-worker --no-default-features`.

// Until the `todo!()`s are filled in, some arguments and imports go unused and
// the code after them is unreachable; these allowances keep the stubs free of
// warnings.
#![allow(unused_variables, unused_imports, unreachable_code)]

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use redis::streams::{StreamAutoClaimReply, StreamId, StreamReadReply};
use redis::{Connection, RedisResult, Value};

/// How long a `get` waits in the server for an entry.
pub const BLOCK: Duration = Duration::from_millis(50);
/// The consumer group the upload workers read in.
const GROUP: &str = "upload";
/// The most entries one `XAUTOCLAIM` takes (its `COUNT`): a claim of more
/// takes several, each starting where the last one's cursor says.
pub const CLAIM_COUNT: usize = 10;

/// An entry of the queue: the id Redis gave it (to ack) and the item it
/// carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The stream id, e.g. `1733234567890-0`.
    pub id: String,
    /// The item.
    pub item: u64,
}

// ANCHOR: queue
/// The upload stage's input: a stream read by one consumer group.
pub struct Queue {
    /// The stream's key.
    pub key: String,
}

impl Queue {
    /// Makes the stream and its group.
    pub fn create(conn: &mut Connection, key: &str) -> RedisResult<Queue> {
        redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(key)
            .arg(GROUP)
            .arg("0")
            .arg("MKSTREAM")
            .query::<()>(conn)?;
        Ok(Queue {
            key: key.to_string(),
        })
    }

    /// `put`: adds `item` at the end of the stream.
    pub fn put(&self, conn: &mut Connection, item: u64) -> RedisResult<()> {
        redis::cmd("XADD")
            .arg(&self.key)
            .arg("*")
            .arg("item")
            .arg(item)
            .query(conn)
    }

    /// `get`: the next entry no consumer of the group has had, waiting up to
    /// [`BLOCK`]. It stays pending, held by `consumer`, until acked.
    pub fn get(
        &self,
        conn: &mut Connection,
        consumer: &str,
    ) -> RedisResult<Option<Entry>> {
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
        Ok(entry.as_ref().and_then(entry_of))
    }

    /// `task_done`: the entry `id` is handled, and leaves the pending list.
    pub fn ack(&self, conn: &mut Connection, id: &str) -> RedisResult<()> {
        redis::cmd("XACK")
            .arg(&self.key)
            .arg(GROUP)
            .arg(id)
            .query(conn)
    }

    /// `join`: every entry delivered to a consumer, and every one acked.
    pub fn finished(&self, conn: &mut Connection) -> RedisResult<bool> {
        let groups: Vec<std::collections::HashMap<String, Value>> =
            redis::cmd("XINFO")
                .arg("GROUPS")
                .arg(&self.key)
                .query(conn)?;
        let group = groups.into_iter().next().unwrap_or_default();
        let zero =
            |field: &str| matches!(group.get(field), Some(Value::Int(0)));
        Ok(zero("pending") && zero("lag"))
    }
    // ANCHOR_END: queue

    // ANCHOR: claim
    /// Takes over every entry another consumer of the group has held for at
    /// least `idle` without acking it (a worker that died, or a slow one):
    /// they are `consumer`'s from now on. One `XAUTOCLAIM` takes at most
    /// [`CLAIM_COUNT`] and gives a cursor to start the next one from; the
    /// claim is done when the cursor comes back as `0-0`.
    pub fn claim(
        &self,
        conn: &mut Connection,
        consumer: &str,
        idle: Duration,
    ) -> RedisResult<Vec<Entry>> {
        todo!(
            "XAUTOCLAIM key group consumer min-idle-time start COUNT \
             CLAIM_COUNT, read as a StreamAutoClaimReply, from start 0-0 and \
             then from each reply's next_stream_id until it is 0-0 again; \
             gather every reply's `claimed` entries, made Entries by entry_of"
        )
    }
    // ANCHOR_END: claim
}

fn entry_of(entry: &StreamId) -> Option<Entry> {
    Some(Entry {
        id: entry.id.clone(),
        item: entry.get("item")?,
    })
}

// ANCHOR: gallery
/// The online gallery: one photo per item, however many times it is sent.
#[derive(Debug, Default)]
pub struct Gallery {
    /// Each item's photo, by item.
    pub photos: BTreeMap<u64, String>,
    /// Uploads of an item the gallery already had, dropped.
    pub duplicates: u64,
}

impl Gallery {
    /// Stores the photo of `item`, unless the gallery has it already: then
    /// counts a duplicate and keeps the first. `true` if it was stored.
    pub fn upload(&mut self, item: u64) -> bool {
        todo!(
            "if the gallery has a photo of `item`, count a duplicate and keep \
             the first; else store photo-ITEM.png"
        )
    }
}
// ANCHOR_END: gallery

// ANCHOR: worker
/// An upload worker: gets an entry, uploads its item, then acks it; when the
/// queue has nothing new, claims what another consumer held for `idle`, and
/// ends once nothing is left to claim and the queue is finished.
pub fn worker(
    conn: &mut Connection,
    queue: &Queue,
    consumer: &str,
    gallery: &Mutex<Gallery>,
    idle: Duration,
) -> RedisResult<()> {
    loop {
        todo!(
            "get an entry, or claim what another consumer held for `idle` \
             (return once nothing is claimed and the queue is finished); \
             upload each entry's item, then ack it"
        )
    }
}
// ANCHOR_END: worker
