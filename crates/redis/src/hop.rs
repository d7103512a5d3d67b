//! One hop through the broker, as the benches time it: the operations of a
//! hop alone (what crossing a process costs an item, without the pipeline
//! around it), and the steps of `redis-benchmark`'s measurement of the same
//! commands on the same server.
//!
//! A hop's queue ([`queue`]) is one stream read by one consumer group, a
//! connection for its producer and one for its consumer, used in one of two
//! ways:
//!
//! - **unbatched** (`batch` 1): one `XADD` per item, one `XREADGROUP … COUNT 1`
//!   per item and one `XACK` per item, as the pipeline's workers do: three
//!   round trips per item;
//! - **batched** (`batch` n): `n` `XADD`s pipelined in one round trip, one
//!   `XREADGROUP … COUNT n`, and one `XACK` of the ids it read, sent with the
//!   next read.
//!
//! [`BENCHMARK`] plans `redis-benchmark`'s runs (Debian's `redis-server`
//! package installs it beside the server): how many of the same commands the
//! same server answers per second, pipelined and from many clients at once,
//! the ceiling a hop is measured against. The benches run the program and time
//! the hop; this module knows only Redis.
//!
//! Every key lives under a prefix of its own and is deleted afterwards.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use redis::streams::StreamRangeReply;
use redis::{
    Connection, ConnectionAddr, IntoConnectionInfo, RedisResult, Value,
};

use pipeline_core::{
    BenchmarkPlan, BenchmarkStep, BrokerFailure, BrokerUrl, HopConsumer,
    HopProducer, HopQueue, ServerBenchmark,
};

use crate::server::{self, Broker};

/// The consumer group the consumer reads with.
const GROUP: &str = "hop";

/// How long one `XREADGROUP` blocks in the server before it returns empty.
const BLOCK_MS: u64 = 1_000;

/// Requests `redis-benchmark` sends per round trip.
pub const PIPELINED: u32 = 16;

/// How long a reply may take: a lost server ends a hop, it never hangs it.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

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

/// How one hand-off of a hop is made, in a table's words.
pub fn hand_off(batch: Option<usize>) -> String {
    match batch {
        None => "one at a time: XADD, XREADGROUP COUNT 1, XACK".into(),
        Some(n) => format!(
            "batches of {n}: {n} XADDs pipelined, XREADGROUP COUNT {n}, one XACK"
        ),
    }
}

/// A stream and its consumer group on one broker, for one hop; deleted when
/// dropped.
struct Queue {
    broker: Broker,
    key: String,
    setup: Connection,
}

/// A new hop's stream and group on the broker at `url`.
pub fn queue(url: &BrokerUrl) -> Result<Box<dyn HopQueue>, BrokerFailure> {
    let broker = crate::broker_at(Some(url))?;
    let key = format!("{}:stream", prefix());
    let mut setup = connect(&broker)?;
    redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(&key)
        .arg(GROUP)
        .arg("0")
        .arg("MKSTREAM")
        .query::<()>(&mut setup)?;
    Ok(Box::new(Queue { broker, key, setup }))
}

impl HopQueue for Queue {
    fn producer(&self) -> Result<Box<dyn HopProducer>, BrokerFailure> {
        Ok(Box::new(End {
            conn: connect(&self.broker)?,
            key: self.key.clone(),
        }))
    }

    fn consumer(&self) -> Result<Box<dyn HopConsumer>, BrokerFailure> {
        Ok(Box::new(End {
            conn: connect(&self.broker)?,
            key: self.key.clone(),
        }))
    }
}

impl Drop for Queue {
    fn drop(&mut self) {
        // A broker that went away takes the key with it.
        let _ = redis::cmd("DEL")
            .arg(&self.key)
            .query::<()>(&mut self.setup);
    }
}

/// One end of a hop's stream: its connection and the stream's key.
struct End {
    conn: Connection,
    key: String,
}

impl HopProducer for End {
    fn put(&mut self, ids: Range<u64>) -> Result<(), BrokerFailure> {
        Ok(put(&mut self.conn, &self.key, ids)?)
    }
}

impl HopConsumer for End {
    fn take(
        &mut self,
        done: &[String],
        max: usize,
    ) -> Result<Vec<String>, BrokerFailure> {
        Ok(take(&mut self.conn, &self.key, done, max)?)
    }

    fn ack(&mut self, done: &[String]) -> Result<(), BrokerFailure> {
        Ok(ack(&mut self.conn, &self.key, done)?)
    }
}

// ANCHOR: put
/// The producer's round trip: one `XADD` for one item, or one `XADD` per item
/// pipelined.
fn put(conn: &mut Connection, key: &str, ids: Range<u64>) -> RedisResult<()> {
    if ids.end - ids.start == 1 {
        return redis::cmd("XADD")
            .arg(key)
            .arg("*")
            .arg("i")
            .arg(ids.start)
            .query::<()>(conn);
    }
    let mut pipe = redis::pipe();
    for item in ids {
        pipe.cmd("XADD")
            .arg(key)
            .arg("*")
            .arg("i")
            .arg(item)
            .ignore();
    }
    pipe.query::<()>(conn)
}
// ANCHOR_END: put

// ANCHOR: take
/// The consumer's round trip: an `XACK` of what it finished, if anything, and
/// an `XREADGROUP` of up to `max` new entries, in one pipeline.
fn take(
    conn: &mut Connection,
    key: &str,
    done: &[String],
    max: usize,
) -> RedisResult<Vec<String>> {
    let mut read = redis::cmd("XREADGROUP");
    read.arg("GROUP")
        .arg(GROUP)
        .arg("consumer")
        .arg("COUNT")
        .arg(max.max(1))
        .arg("BLOCK")
        .arg(BLOCK_MS)
        .arg("STREAMS")
        .arg(key)
        .arg(">");
    let reply: Value = if done.is_empty() {
        read.query(conn)?
    } else {
        let mut pipe = redis::pipe();
        pipe.cmd("XACK")
            .arg(key)
            .arg(GROUP)
            .arg(done)
            .ignore()
            .add_command(read);
        let (reply,): (Value,) = pipe.query(conn)?;
        reply
    };
    Ok(entry_ids(&reply))
}

/// An `XACK` of `done` alone.
fn ack(conn: &mut Connection, key: &str, done: &[String]) -> RedisResult<()> {
    if done.is_empty() {
        return Ok(());
    }
    redis::cmd("XACK").arg(key).arg(GROUP).arg(done).query(conn)
}
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

/// `redis-benchmark`, as the benches run it: where it is, the steps of a
/// measurement, and the rate in its CSV output.
pub const BENCHMARK: ServerBenchmark = ServerBenchmark {
    program: "redis-benchmark",
    pipelined: PIPELINED,
    find: || {
        benchmark_binary().ok_or_else(|| {
            format!(
                "redis-benchmark not found: it comes with Debian's `{}` package",
                server::PACKAGE
            )
        })
    },
    plan: |url, requests, batch| {
        Ok(Box::new(Plan::new(url, requests, batch)?)
            as Box<dyn BenchmarkPlan>)
    },
    rate: parse_csv,
};

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
/// for a Unix socket, `-h HOST -p PORT` for TCP (its password is not a
/// hop's: the private server has none, and a command line is no place for it).
pub fn target_args(url: &str) -> Option<Vec<String>> {
    match url.into_connection_info().ok()?.addr() {
        ConnectionAddr::Tcp(host, port) => Some(vec![
            "-h".into(),
            host.clone(),
            "-p".into(),
            port.to_string(),
        ]),
        #[cfg(unix)]
        ConnectionAddr::Unix(path) => {
            Some(vec!["-s".into(), path.to_string_lossy().into_owned()])
        }
        _ => None,
    }
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

/// One measurement of a hop's commands by `redis-benchmark` ([`BENCHMARK`]):
/// first `XADD`s (which fill a stream, with at least `batch × 2,500` entries,
/// so that the batched reads last long enough to be timed), then reads of it
/// by two consumer groups, one a request per entry, the other `batch` entries
/// per request (as many requests as there are batches), and acks (of ids the
/// group holds, again and again: a lookup in its pending entries each time, as
/// a first ack is); last, `XADD`s from one client that waits for each reply:
/// the round trip itself.
struct Plan {
    target: Vec<String>,
    conn: Connection,
    key: String,
    requests: u64,
    batch: usize,
    fill: u64,
    done: usize,
}

impl Plan {
    fn new(
        url: &BrokerUrl,
        requests: u64,
        batch: usize,
    ) -> Result<Plan, BrokerFailure> {
        let target = target_args(url.secret())
            .ok_or_else(|| format!("redis-benchmark cannot reach {url}"))?;
        let broker = crate::broker_at(Some(url))?;
        let batch = batch.max(1);
        Ok(Plan {
            target,
            conn: connect(&broker)?,
            key: format!("{}:bench", prefix()),
            requests: requests.max(1),
            batch,
            // Enough entries for the batched reads to last as long as a
            // tenth of a second or so, not one burst of the clients.
            fill: requests.max(batch as u64 * 2_500),
            done: 0,
        })
    }

    /// A step of `requests` requests of `command`, [`PIPELINED`] to a round
    /// trip from the benchmark's default 50 clients.
    fn step(
        &self,
        label: String,
        requests: u64,
        command: &[&str],
        per_item: [f64; 2],
    ) -> BenchmarkStep {
        let mut args = self.target.clone();
        args.extend(["-n".into(), requests.max(1).to_string()]);
        args.extend(["-P".into(), PIPELINED.to_string(), "--csv".into()]);
        args.extend(command.iter().map(|a| a.to_string()));
        BenchmarkStep {
            command: label,
            args,
            per_item,
            round_trip: false,
        }
    }

    /// The ids the groups hold: the stream's first `batch`.
    fn first_ids(&mut self) -> Result<Vec<String>, BrokerFailure> {
        let first: StreamRangeReply = redis::cmd("XRANGE")
            .arg(&self.key)
            .arg("-")
            .arg("+")
            .arg("COUNT")
            .arg(self.batch)
            .query(&mut self.conn)?;
        let ids: Vec<String> = first.ids.into_iter().map(|e| e.id).collect();
        if ids.is_empty() {
            return Err("the XADDs left an empty stream".into());
        }
        Ok(ids)
    }
}

impl BenchmarkPlan for Plan {
    fn next_step(&mut self) -> Result<Option<BenchmarkStep>, BrokerFailure> {
        let (key, batch, n) =
            (self.key.clone(), self.batch, self.batch.to_string());
        let per_batch = 1.0 / batch as f64;
        let step = match self.done {
            0 => self.step(
                "XADD".into(),
                self.fill,
                &["XADD", &key, "*", "f", "v"],
                [1.0, 1.0],
            ),
            1 => {
                for group in ["one", "batch"] {
                    redis::cmd("XGROUP")
                        .arg("CREATE")
                        .arg(&key)
                        .arg(group)
                        .arg("0")
                        .arg("MKSTREAM")
                        .query::<()>(&mut self.conn)?;
                }
                self.step(
                    "XREADGROUP COUNT 1".into(),
                    self.requests,
                    &[
                        "XREADGROUP",
                        "GROUP",
                        "one",
                        "c",
                        "COUNT",
                        "1",
                        "STREAMS",
                        &key,
                        ">",
                    ],
                    [1.0, 0.0],
                )
            }
            2 => self.step(
                format!("XREADGROUP COUNT {batch}"),
                self.fill / batch as u64,
                &[
                    "XREADGROUP",
                    "GROUP",
                    "batch",
                    "c",
                    "COUNT",
                    &n,
                    "STREAMS",
                    &key,
                    ">",
                ],
                [0.0, per_batch],
            ),
            3 => {
                let ids = self.first_ids()?;
                self.step(
                    "XACK of one id".into(),
                    self.requests,
                    &["XACK", &key, "one", &ids[0]],
                    [1.0, 0.0],
                )
            }
            4 => {
                let ids = self.first_ids()?;
                let mut ack = vec!["XACK", key.as_str(), "batch"];
                ack.extend(ids.iter().map(String::as_str));
                self.step(
                    format!("XACK of {batch} ids"),
                    self.requests,
                    &ack,
                    [0.0, per_batch],
                )
            }
            5 => {
                // One client, one request per round trip: what a hop item by
                // item waits for (a twentieth of the requests: each takes a
                // round trip).
                let mut args = self.target.clone();
                let serial = (self.requests / 20).max(100).to_string();
                args.extend(["-n".into(), serial, "-c".into(), "1".into()]);
                args.extend(["-P".into(), "1".into(), "--csv".into()]);
                args.extend(
                    ["XADD", &key, "*", "f", "v"].iter().map(|a| a.to_string()),
                );
                BenchmarkStep {
                    command: "XADD".into(),
                    args,
                    per_item: [0.0, 0.0],
                    round_trip: true,
                }
            }
            _ => return Ok(None),
        };
        self.done += 1;
        Ok(Some(step))
    }
}

impl Drop for Plan {
    fn drop(&mut self) {
        let _ = redis::cmd("DEL").arg(&self.key).query::<()>(&mut self.conn);
    }
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
        #[cfg(unix)]
        {
            let socket = target_args("redis+unix:///tmp/x/redis.sock");
            assert_eq!(
                socket,
                Some(vec!["-s".into(), "/tmp/x/redis.sock".into()])
            );
        }
        let tcp = target_args("redis://127.0.0.1:6380/0");
        let expected = ["-h", "127.0.0.1", "-p", "6380"].map(String::from);
        assert_eq!(tcp, Some(expected.to_vec()));
        let default = target_args("redis://user:pw@db.example");
        let expected = ["-h", "db.example", "-p", "6379"].map(String::from);
        assert_eq!(default, Some(expected.to_vec()));
        assert_eq!(target_args("nats://x"), None);
    }

    #[test]
    fn a_hop_queue_hands_items_over_and_leaves_no_key() {
        if !server::available_for_tests() {
            return;
        }
        let url = BrokerUrl::new(server::broker().unwrap().url);
        let queue = queue(&url).unwrap();
        let (mut producer, mut consumer) =
            (queue.producer().unwrap(), queue.consumer().unwrap());
        producer.put(0..1).unwrap();
        producer.put(1..10).unwrap();
        let first = consumer.take(&[], 1).unwrap();
        assert_eq!(first.len(), 1);
        let rest = consumer.take(&first, 100).unwrap();
        assert_eq!(rest.len(), 9);
        consumer.ack(&rest).unwrap();
        drop((producer, consumer, queue));
        let broker = Broker::at(url.secret()).unwrap();
        let mut conn = connect(&broker).unwrap();
        let left: Vec<String> = redis::cmd("KEYS")
            .arg(format!("pipeline-hop:{}:*", std::process::id()))
            .query(&mut conn)
            .unwrap();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn the_benchmark_plan_has_every_command_of_a_hop() {
        if !server::available_for_tests() {
            return;
        }
        let Ok(program) = (BENCHMARK.find)() else {
            return;
        };
        let url = BrokerUrl::new(server::broker().unwrap().url);
        let mut plan = (BENCHMARK.plan)(&url, 5_000, 8).unwrap();
        let mut steps = Vec::new();
        while let Some(step) = plan.next_step().unwrap() {
            // Each step runs before the next is planned: the acks need the
            // entries the XADDs made.
            let output = std::process::Command::new(&program)
                .args(&step.args)
                .output()
                .unwrap();
            let rate =
                (BENCHMARK.rate)(&String::from_utf8_lossy(&output.stdout));
            assert!(
                rate.is_some_and(|r| r > 0.0),
                "{}: {output:?}",
                step.command
            );
            steps.push(step);
        }
        let commands: Vec<&str> =
            steps.iter().map(|s| s.command.as_str()).collect();
        assert_eq!(
            commands,
            [
                "XADD",
                "XREADGROUP COUNT 1",
                "XREADGROUP COUNT 8",
                "XACK of one id",
                "XACK of 8 ids",
                "XADD"
            ]
        );
        // Item by item: an XADD, a read and an ack; in batches, an XADD and
        // an eighth of a read and of an ack.
        let per_item = |i: usize| -> f64 {
            steps
                .iter()
                .filter(|s| !s.round_trip)
                .map(|s| s.per_item[i])
                .sum()
        };
        assert_eq!(per_item(0), 3.0);
        assert_eq!(per_item(1), 1.25);
        assert!(steps[5].round_trip);
    }
}
