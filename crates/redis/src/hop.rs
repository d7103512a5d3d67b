//! One hop through the broker, timed on its own: what crossing a process
//! costs an item, without the pipeline around it.
//!
//! A producer thread puts `items` entries on one stream and a consumer thread
//! of one consumer group takes them, each on its own connection, in one of two
//! ways ([`hop`]):
//!
//! - **unbatched** (`batch` 1): one `XADD` per item, one `XREADGROUP … COUNT 1`
//!   per item and one `XACK` per item, as the pipeline's workers do: three
//!   round trips per item;
//! - **batched** (`batch` n): `n` `XADD`s pipelined in one round trip, one
//!   `XREADGROUP … COUNT n`, and one `XACK` of the ids it read.
//!
//! [`ceiling`] asks `redis-benchmark` (Debian's `redis-server` package installs
//! it beside the server) how many of the same commands the same server answers
//! per second, pipelined and from many clients at once: the server's own
//! ceiling, which a hop is measured against.
//!
//! Every key lives under a prefix of its own and is deleted afterwards.
//!
//! ```
//! if let Ok(broker) = pipeline_redis::server::broker() {
//!     let timing = pipeline_redis::hop::hop(&broker, 200, 16)?;
//!     assert_eq!((timing.items, timing.batch), (200, 16));
//!     assert!(timing.wall_s > 0.0);
//! }
//! # Ok::<(), pipeline_redis::hop::HopError>(())
//! ```

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use redis::streams::StreamRangeReply;
use redis::{Connection, RedisResult, Value};
use thiserror::Error;

use crate::server;
pub use crate::server::{Broker, broker};

/// The consumer group the consumer reads with.
const GROUP: &str = "hop";

/// How long one `XREADGROUP` blocks in the server before it returns empty.
const BLOCK_MS: u64 = 1_000;

/// How long a whole hop may take before it is given up.
const DEADLINE: Duration = Duration::from_secs(60);

/// Requests `redis-benchmark` sends per round trip ([`ceiling`]).
pub const PIPELINED: u32 = 16;

/// How long a reply may take: a lost server ends a hop, it never hangs it.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a hop or a ceiling could not be measured.
#[derive(Debug, Error)]
pub enum HopError {
    /// The broker refused a command, or went away.
    #[error("the broker at {url}: {source}")]
    Redis {
        /// The broker's URL.
        url: String,
        /// What the client said.
        source: redis::RedisError,
    },
    /// The consumer had not taken every item by the deadline.
    #[error("the hop took {got} of {items} items in {DEADLINE:?}")]
    Stalled {
        /// Items taken.
        got: u64,
        /// Items put.
        items: u64,
    },
    /// No `redis-benchmark` beside the server or on the `PATH`.
    #[error(
        "redis-benchmark not found: it comes with Debian's `{}` package",
        server::PACKAGE
    )]
    NoBenchmark,
    /// `redis-benchmark` did not run, failed, or printed no rate.
    #[error("redis-benchmark: {0}")]
    Benchmark(String),
}

/// What one hop measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timing {
    /// Items put and taken.
    pub items: u64,
    /// Items per round trip (1: unbatched).
    pub batch: usize,
    /// Seconds from the first put to the last ack.
    pub wall_s: f64,
}

impl Timing {
    /// Seconds per item.
    pub fn per_item_s(&self) -> f64 {
        self.wall_s / self.items.max(1) as f64
    }
}

/// A key prefix no other hop of any process uses.
fn prefix() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "pipeline-hop:{}:{nanos}:{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A connection to `broker` whose replies time out.
fn connect(broker: &Broker) -> RedisResult<Connection> {
    let conn = broker.client()?.get_connection()?;
    conn.set_read_timeout(Some(READ_TIMEOUT))?;
    Ok(conn)
}

/// Puts `items` entries on a stream and takes them with a consumer group,
/// `batch` at a time (1: one command per item and step), on `broker`: a
/// producer thread and a consumer thread, a connection each. Times from the
/// moment both are connected to the last ack.
pub fn hop(
    broker: &Broker,
    items: u64,
    batch: usize,
) -> Result<Timing, HopError> {
    let failed = |source| HopError::Redis {
        url: broker.url.clone(),
        source,
    };
    let batch = batch.max(1);
    let key = format!("{}:stream", prefix());
    let mut setup = connect(broker).map_err(failed)?;
    redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(&key)
        .arg(GROUP)
        .arg("0")
        .arg("MKSTREAM")
        .query::<()>(&mut setup)
        .map_err(failed)?;
    let result = timed(broker, &key, items, batch);
    // Deleted whatever happened; a broker that went away takes the key with it.
    let _ = redis::cmd("DEL").arg(&key).query::<()>(&mut setup);
    let (wall_s, got) = result.map_err(failed)?;
    if got < items {
        return Err(HopError::Stalled { got, items });
    }
    Ok(Timing {
        items,
        batch,
        wall_s,
    })
}

/// The producer and the consumer on `key`: the seconds they took, and the
/// items the consumer acked.
fn timed(
    broker: &Broker,
    key: &str,
    items: u64,
    batch: usize,
) -> RedisResult<(f64, u64)> {
    let mut producer = connect(broker)?;
    let mut consumer = connect(broker)?;
    let start = Arc::new(Barrier::new(2));
    thread::scope(|s| {
        let ready = Arc::clone(&start);
        let put = s.spawn(move || -> RedisResult<()> {
            ready.wait();
            put_all(&mut producer, key, items, batch)
        });
        start.wait();
        let started = Instant::now();
        let got = take_all(&mut consumer, key, items, batch, started);
        let wall_s = started.elapsed().as_secs_f64();
        put.join().expect("the producer panicked")?;
        Ok((wall_s, got?))
    })
}

// ANCHOR: put
/// The producer: `items` entries, one `XADD` per item, or `batch` of them
/// pipelined in one round trip.
fn put_all(
    conn: &mut Connection,
    key: &str,
    items: u64,
    batch: usize,
) -> RedisResult<()> {
    let mut id = 0;
    while id < items {
        let end = (id + batch as u64).min(items);
        if batch == 1 {
            redis::cmd("XADD")
                .arg(key)
                .arg("*")
                .arg("i")
                .arg(id)
                .query::<()>(conn)?;
        } else {
            let mut pipe = redis::pipe();
            for item in id..end {
                pipe.cmd("XADD")
                    .arg(key)
                    .arg("*")
                    .arg("i")
                    .arg(item)
                    .ignore();
            }
            pipe.query::<()>(conn)?;
        }
        id = end;
    }
    Ok(())
}
// ANCHOR_END: put

// ANCHOR: take
/// The consumer: reads up to `batch` entries at a time and acks them, until
/// it has acked `items` or the deadline passed. Unbatched, one `XACK` per
/// entry after its read; batched, one `XACK` for all it read, sent in the
/// same round trip as the next read.
fn take_all(
    conn: &mut Connection,
    key: &str,
    items: u64,
    batch: usize,
    started: Instant,
) -> RedisResult<u64> {
    let mut got = 0;
    let mut unacked: Vec<String> = Vec::new();
    while got < items && started.elapsed() < DEADLINE {
        let mut read = redis::cmd("XREADGROUP");
        read.arg("GROUP")
            .arg(GROUP)
            .arg("consumer")
            .arg("COUNT")
            .arg(batch)
            .arg("BLOCK")
            .arg(BLOCK_MS)
            .arg("STREAMS")
            .arg(key)
            .arg(">");
        let reply: Value = if unacked.is_empty() {
            read.query(conn)?
        } else {
            let mut pipe = redis::pipe();
            pipe.cmd("XACK")
                .arg(key)
                .arg(GROUP)
                .arg(&unacked)
                .ignore()
                .add_command(read);
            let (reply,): (Value,) = pipe.query(conn)?;
            got += unacked.len() as u64;
            unacked.clear();
            reply
        };
        let ids = entry_ids(&reply);
        if batch == 1 {
            for id in &ids {
                redis::cmd("XACK")
                    .arg(key)
                    .arg(GROUP)
                    .arg(id)
                    .query::<()>(conn)?;
            }
            got += ids.len() as u64;
        } else if got + ids.len() as u64 >= items {
            // The last batch: acked on its own, as there is no next read.
            redis::cmd("XACK")
                .arg(key)
                .arg(GROUP)
                .arg(&ids)
                .query::<()>(conn)?;
            got += ids.len() as u64;
        } else {
            unacked = ids;
        }
    }
    Ok(got)
}
// ANCHOR_END: take

/// The ids of the entries an `XREADGROUP` of one stream gave (its fields
/// are there, and not looked at: the hop times the hand-off alone).
fn entry_ids(reply: &Value) -> Vec<String> {
    let streams: &[Value] = match reply {
        Value::Array(streams) => streams,
        Value::Map(pairs) => {
            return pairs
                .iter()
                .flat_map(|(_, entries)| ids_of(entries))
                .collect();
        }
        _ => return Vec::new(),
    };
    streams
        .iter()
        .filter_map(|stream| match stream {
            Value::Array(pair) => pair.get(1),
            _ => None,
        })
        .flat_map(ids_of)
        .collect()
}

/// The ids of a stream's entries, `[[id, [field, value, …]], …]`.
fn ids_of(entries: &Value) -> Vec<String> {
    let Value::Array(entries) = entries else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|entry| match entry {
            Value::Array(entry) => match entry.first() {
                Some(Value::BulkString(id)) => {
                    String::from_utf8(id.clone()).ok()
                }
                Some(Value::SimpleString(id)) => Some(id.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}
// ANCHOR_END: take

/// What `redis-benchmark` measured for the commands of a hop, on one server:
/// requests per second of each, pipelined and from many clients at once.
#[derive(Clone, Debug, PartialEq)]
pub struct Ceiling {
    /// Items per batch in the batched commands.
    pub batch: usize,
    /// `XADD` of one entry.
    pub xadd: f64,
    /// `XREADGROUP … COUNT 1` (each request takes one new entry).
    pub read_one: f64,
    /// `XACK` of one id.
    pub ack_one: f64,
    /// `XREADGROUP … COUNT batch`.
    pub read_batch: f64,
    /// `XACK` of `batch` ids.
    pub ack_batch: f64,
    /// `XADD` from one client waiting for each reply: the round trip a hop
    /// item by item waits for three times per item.
    pub xadd_serial: f64,
}

impl Ceiling {
    /// Items per second the server could hand over if it did nothing but the
    /// commands of an unbatched hop (an `XADD`, an `XREADGROUP … COUNT 1` and an
    /// `XACK` per item), at the rates it reached for each.
    pub fn unbatched_items_per_s(&self) -> f64 {
        1.0 / (1.0 / self.xadd + 1.0 / self.read_one + 1.0 / self.ack_one)
    }

    /// The same for a batched hop: an `XADD` per item, and a read and an ack per
    /// `batch` items.
    pub fn batched_items_per_s(&self) -> f64 {
        let per_batch = 1.0 / self.read_batch + 1.0 / self.ack_batch;
        1.0 / (1.0 / self.xadd + per_batch / self.batch.max(1) as f64)
    }
}

/// The `redis-benchmark` beside the `redis-server` this process would start,
/// else the one on the `PATH`.
pub fn benchmark_binary() -> Option<PathBuf> {
    let beside = server::server_binary()
        .map(|server| server.with_file_name("redis-benchmark"))
        .filter(|path| path.is_file());
    beside.or_else(|| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("redis-benchmark"))
                .find(|path| path.is_file())
        })
    })
}

/// `redis-benchmark`'s arguments that reach the server at `url`: `-s SOCKET`
/// for a Unix socket, `-h HOST -p PORT` for TCP.
pub fn target_args(url: &str) -> Option<Vec<String>> {
    if let Some(path) = url
        .strip_prefix("redis+unix://")
        .or_else(|| url.strip_prefix("unix://"))
    {
        let path = path.split(['?', '#']).next().unwrap_or(path);
        return (!path.is_empty()).then(|| vec!["-s".into(), path.into()]);
    }
    let rest = url.strip_prefix("redis://")?;
    // Credentials and a database number are not a hop's: a plain host and port.
    let host_port = rest.rsplit('@').next()?.split('/').next()?;
    let (host, port) = match host_port.rsplit_once(':') {
        Some((host, port)) => (host, port),
        None => (host_port, "6379"),
    };
    let host = if host.is_empty() { "127.0.0.1" } else { host };
    Some(vec!["-h".into(), host.into(), "-p".into(), port.into()])
}

/// The requests per second in `redis-benchmark --csv`'s output: the `rps`
/// column of its first row of results.
pub fn parse_csv(output: &str) -> Option<f64> {
    let mut lines = output.lines().map(str::trim).filter(|l| !l.is_empty());
    let header: Vec<String> = fields(lines.next()?);
    let at = header.iter().position(|h| h == "rps")?;
    let row = fields(lines.next()?);
    let rps: f64 = row.get(at)?.parse().ok()?;
    (rps.is_finite() && rps > 0.0).then_some(rps)
}

/// The fields of one CSV line whose fields are quoted and hold no quote.
fn fields(line: &str) -> Vec<String> {
    line.split("\",\"")
        .map(|f| f.trim_matches('"').to_string())
        .collect()
}

/// Runs `redis-benchmark` on the server at `target` for one command,
/// `requests` times, [`PIPELINED`] to a round trip from its default 50
/// clients: its requests per second.
fn bench_one(
    binary: &Path,
    target: &[String],
    requests: u64,
    command: &[&str],
) -> Result<f64, HopError> {
    let pipelined = PIPELINED.to_string();
    bench_with(binary, target, requests, &["-P", &pipelined], command)
}

/// [`bench_one`] with `options` instead of its pipelining.
fn bench_with(
    binary: &Path,
    target: &[String],
    requests: u64,
    options: &[&str],
    command: &[&str],
) -> Result<f64, HopError> {
    let spawned = Command::new(binary)
        .args(target)
        .arg("-n")
        .arg(requests.max(1).to_string())
        .args(options)
        .arg("--csv")
        .args(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let started = |e: std::io::Error| {
        HopError::Benchmark(format!("{}: {e}", binary.display()))
    };
    let mut child = spawned.map_err(started)?;
    // It retries a server it cannot reach for ever: a deadline ends it.
    let until = Instant::now() + DEADLINE;
    while child.try_wait().map_err(started)?.is_none() {
        if Instant::now() >= until {
            let _ = child.kill();
            let _ = child.wait();
            return Err(HopError::Benchmark(format!(
                "{}: no answer within {DEADLINE:?}",
                command[0]
            )));
        }
        thread::sleep(Duration::from_millis(10));
    }
    let output = child.wait_with_output().map_err(started)?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(HopError::Benchmark(format!(
            "{} ({}): {}",
            command[0],
            output.status,
            stderr.trim()
        )));
    }
    parse_csv(&stdout).ok_or_else(|| {
        HopError::Benchmark(format!(
            "{}: no rate in {:?}",
            command[0],
            stdout.trim()
        ))
    })
}

/// The server's own rate for every command of a hop ([`Ceiling`]), measured
/// by `redis-benchmark` on `broker` with `requests` requests of each: first
/// `XADD`s (which fill a stream, with at least `batch × 2,500` entries, so
/// that the batched reads last long enough to be timed), then reads of it by
/// two consumer groups, one a request per entry, the other `batch` entries
/// per request (as many requests as there are batches), and acks (of ids the group holds, again and
/// again: a lookup in its pending entries each time, as a first ack is); last,
/// `XADD`s from one client that waits for each reply: the round trip itself.
pub fn ceiling(
    broker: &Broker,
    requests: u64,
    batch: usize,
) -> Result<Ceiling, HopError> {
    let binary = benchmark_binary().ok_or(HopError::NoBenchmark)?;
    let target = target_args(&broker.url).ok_or_else(|| {
        HopError::Benchmark(format!("cannot reach {} with it", broker.url))
    })?;
    let failed = |source| HopError::Redis {
        url: broker.url.clone(),
        source,
    };
    let batch = batch.max(1);
    let key = format!("{}:bench", prefix());
    let mut conn = connect(broker).map_err(failed)?;
    let measured = (|| {
        // Enough entries for the batched reads to last as long as a tenth of
        // a second or so, not one burst of the benchmark's clients.
        let fill = requests.max(batch as u64 * 2_500);
        let xadd =
            bench_one(&binary, &target, fill, &["XADD", &key, "*", "f", "v"])?;
        let mut groups = Vec::new();
        for group in ["one", "batch"] {
            redis::cmd("XGROUP")
                .arg("CREATE")
                .arg(&key)
                .arg(group)
                .arg("0")
                .query::<()>(&mut conn)
                .map_err(failed)?;
            groups.push(group);
        }
        let read = |group: &str, count: usize, requests: u64| {
            let n = count.to_string();
            let command = [
                "XREADGROUP",
                "GROUP",
                group,
                "c",
                "COUNT",
                &n,
                "STREAMS",
                &key,
                ">",
            ];
            bench_one(&binary, &target, requests, &command)
        };
        let read_one = read(groups[0], 1, requests)?;
        let read_batch = read(groups[1], batch, fill / batch as u64)?;
        // Ids the groups hold: the stream's first `batch`.
        let first: StreamRangeReply = redis::cmd("XRANGE")
            .arg(&key)
            .arg("-")
            .arg("+")
            .arg("COUNT")
            .arg(batch)
            .query(&mut conn)
            .map_err(failed)?;
        let ids: Vec<&str> =
            first.ids.iter().map(|entry| entry.id.as_str()).collect();
        let Some(&one) = ids.first() else {
            return Err(HopError::Benchmark(
                "the XADDs left an empty stream".into(),
            ));
        };
        let ack_one = bench_one(
            &binary,
            &target,
            requests,
            &["XACK", &key, groups[0], one],
        )?;
        let mut ack = vec!["XACK", key.as_str(), groups[1]];
        ack.extend(&ids);
        let ack_batch = bench_one(&binary, &target, requests, &ack)?;
        // One client, one request per round trip: what a hop item by item
        // waits for (a twentieth of the requests: each takes a round trip).
        let xadd_serial = bench_with(
            &binary,
            &target,
            (requests / 20).max(100),
            &["-c", "1", "-P", "1"],
            &["XADD", &key, "*", "f", "v"],
        )?;
        Ok(Ceiling {
            batch,
            xadd,
            read_one,
            ack_one,
            read_batch,
            ack_batch,
            xadd_serial,
        })
    })();
    let _ = redis::cmd("DEL").arg(&key).query::<()>(&mut conn);
    measured
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_read_from_the_csv_row() {
        let output = "\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\"\n\
                      \"XADD k * f v\",\"1000000.00\",\"0.729\",\"0.264\"\n";
        assert_eq!(parse_csv(output), Some(1_000_000.0));
        let spaced = "\n  \"rps\",\"test\"\n\"98039.22\",\"XACK k g 0-1\"\n";
        assert_eq!(parse_csv(spaced), Some(98_039.22));
        assert_eq!(parse_csv(""), None);
        assert_eq!(parse_csv("\"test\",\"rps\"\n"), None);
        assert_eq!(parse_csv("\"test\",\"rps\"\n\"XADD\",\"0.00\"\n"), None);
        assert_eq!(parse_csv("XADD: 1000.00 requests per second\n"), None);
    }

    #[test]
    fn the_benchmark_reaches_the_server_the_url_names() {
        let socket = target_args("redis+unix:///tmp/x/redis.sock");
        assert_eq!(socket, Some(vec!["-s".into(), "/tmp/x/redis.sock".into()]));
        let tcp = target_args("redis://127.0.0.1:6380/0");
        assert_eq!(
            tcp,
            Some(vec![
                "-h".into(),
                "127.0.0.1".into(),
                "-p".into(),
                "6380".into()
            ])
        );
        let default = target_args("redis://user:pw@db.example");
        assert_eq!(
            default,
            Some(vec![
                "-h".into(),
                "db.example".into(),
                "-p".into(),
                "6379".into()
            ])
        );
        assert_eq!(target_args("nats://x"), None);
    }

    #[test]
    fn a_ceiling_is_the_server_time_of_one_item_s_commands() {
        let ceiling = Ceiling {
            batch: 10,
            xadd: 100.0,
            read_one: 100.0,
            ack_one: 100.0,
            read_batch: 50.0,
            ack_batch: 50.0,
            xadd_serial: 10.0,
        };
        assert!((ceiling.unbatched_items_per_s() - 100.0 / 3.0).abs() < 1e-9);
        // An XADD (0.01 s) and a fifth of a read and an ack (0.04 s / 10).
        assert!((ceiling.batched_items_per_s() - 1.0 / 0.014).abs() < 1e-9);
    }

    #[test]
    fn a_hop_hands_every_item_over_and_leaves_no_key() {
        if !server::available_for_tests() {
            return;
        }
        let broker = server::broker().unwrap();
        for batch in [1, 7] {
            let timing = hop(&broker, 50, batch).unwrap();
            assert_eq!((timing.items, timing.batch), (50, batch));
            assert!(timing.wall_s > 0.0 && timing.per_item_s() > 0.0);
        }
        let mut conn = connect(&broker).unwrap();
        let left: Vec<String> = redis::cmd("KEYS")
            .arg(format!("pipeline-hop:{}:*:stream", std::process::id()))
            .query(&mut conn)
            .unwrap();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn the_benchmark_gives_a_rate_for_every_command() {
        if !server::available_for_tests() || benchmark_binary().is_none() {
            return;
        }
        let broker = server::broker().unwrap();
        let ceiling = ceiling(&broker, 2_000, 8).unwrap();
        for rate in [
            ceiling.xadd,
            ceiling.read_one,
            ceiling.ack_one,
            ceiling.read_batch,
            ceiling.ack_batch,
            ceiling.xadd_serial,
        ] {
            assert!(rate > 0.0, "{ceiling:?}");
        }
        assert!(
            ceiling.batched_items_per_s() > ceiling.unbatched_items_per_s()
        );
    }
}
