//! The tests of the exercise; they run against `exercise.rs` or `solution.rs`.
//! Those that need Redis start a private `redis-server` each, on a Unix socket
//! in a temporary directory, with nothing saved, or use the server `REDIS_URL`
//! names. Where there is none, or it is older than 7.0, they fail, each with
//! one line saying how to get one: an exercise never passes because its
//! server was missing.

use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use redis::{Connection, RedisResult};

use super::*;

/// How long a test may take before it counts as stuck (a worker that never
/// ends).
const WATCHDOG: Duration = Duration::from_secs(10);
/// How long an entry must be held unacked before another worker claims it.
const IDLE: Duration = Duration::from_millis(100);

/// How to get a server, on this platform.
#[cfg(all(unix, not(target_os = "macos")))]
const INSTALL: &str = "install it (`sudo apt install redis-server` on Debian \
     or Ubuntu), or set REDIS_URL to a running Redis 7.0 or newer";
/// How to get a server, on this platform.
#[cfg(target_os = "macos")]
const INSTALL: &str = "install it (`brew install redis`), or set REDIS_URL to \
     a running Redis 7.0 or newer";
/// How to get a server, on this platform.
#[cfg(windows)]
const INSTALL: &str = "Redis has no Windows build: run Redis 7.0 or newer in \
     WSL (`sudo apt install redis-server`) or Docker, and set \
     REDIS_URL=redis://127.0.0.1:6379";

/// Runs `f` in its own thread; fails the test if it is not done within
/// [`WATCHDOG`], naming `what` and the likely `causes`. `f` returns the
/// server's errors rather than panicking on them, so that a run the watchdog
/// gave up on ends quietly when its server is stopped.
fn within<T: Send + 'static>(
    what: &str,
    causes: &str,
    f: impl FnOnce() -> RedisResult<T> + Send + 'static,
) -> T {
    pipeline_core::watchdog::within_or_name_causes(what, causes, WATCHDOG, f)
        .unwrap_or_else(|error| panic!("{what}: Redis said: {error}"))
}

/// A Redis server for one test: a private `redis-server`, stopped and its
/// directory removed when dropped, or the one `REDIS_URL` names.
struct Server {
    child: Option<Child>,
    client: redis::Client,
    /// What this test's keys start with, distinct on a shared server.
    prefix: String,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    /// Starts one (or connects to `REDIS_URL`'s), or fails the test with one
    /// line saying how to get one.
    fn start(test: &str) -> Server {
        let prefix = format!("dead-worker:{}:{test}", std::process::id());
        let server = match std::env::var("REDIS_URL") {
            Ok(url) => Server {
                child: None,
                client: redis::Client::open(url.as_str()).unwrap_or_else(
                    |error| {
                        panic!("REDIS_URL={url} is not a Redis URL: {error}")
                    },
                ),
                prefix,
                _dir: None,
            },
            Err(_) => Server::private(prefix),
        };
        let deadline = Instant::now() + WATCHDOG;
        let mut conn = loop {
            match server.connect() {
                Ok(conn) => break conn,
                Err(error) => assert!(
                    Instant::now() < deadline,
                    "Redis does not answer: {error}; {INSTALL}"
                ),
            }
            thread::sleep(Duration::from_millis(10));
        };
        let info: String = redis::cmd("INFO")
            .arg("server")
            .query(&mut conn)
            .expect("INFO server");
        let version = info
            .lines()
            .find_map(|line| line.strip_prefix("redis_version:"))
            .unwrap_or("unknown")
            .trim()
            .to_string();
        let major: u32 = version
            .split('.')
            .next()
            .and_then(|major| major.parse().ok())
            .unwrap_or(0);
        assert!(
            major >= 7,
            "Redis {version} is too old: this exercise needs 7.0 or newer \
             (XINFO GROUPS reports a group's lag from 7.0 on); {INSTALL}"
        );
        server
    }

    /// A private `redis-server`, or the test fails saying how to get one.
    fn private(prefix: String) -> Server {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let socket = dir.path().join("redis.sock");
        let started = Command::new("redis-server")
            .args(["--port", "0", "--save", "", "--appendonly", "no"])
            .arg("--unixsocket")
            .arg(&socket)
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let Ok(child) = started else {
            panic!("redis-server not found: {INSTALL}");
        };
        let url = format!("redis+unix://{}", socket.display());
        Server {
            child: Some(child),
            client: redis::Client::open(url).expect("a client"),
            prefix,
            _dir: Some(dir),
        }
    }

    /// A connection of its own.
    fn connect(&self) -> RedisResult<Connection> {
        let mut conn = self.client.get_connection()?;
        redis::cmd("PING").query::<String>(&mut conn)?;
        Ok(conn)
    }

    /// This test's key for `name`.
    fn key(&self, name: &str) -> String {
        format!("{}:{name}", self.prefix)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A queue holding `items`.
fn queue_of(
    conn: &mut Connection,
    key: &str,
    items: u64,
) -> RedisResult<Queue> {
    let queue = Queue::create(conn, key)?;
    for item in 0..items {
        queue.put(conn, item)?;
    }
    Ok(queue)
}

#[test]
fn a_second_upload_of_the_same_item_is_dropped() {
    let mut gallery = Gallery::default();
    assert!(gallery.upload(7), "the first upload of item 7 is stored");
    assert!(gallery.upload(8));
    assert!(!gallery.upload(7), "a second upload of item 7 is dropped");
    assert_eq!(gallery.photos.len(), 2, "one photo per item");
    assert_eq!(gallery.duplicates, 1, "the dropped upload is counted");
}

/// More than one `XAUTOCLAIM` takes: a claim must follow its cursor.
const HELD: u64 = 3 * CLAIM_COUNT as u64 - 5;

#[test]
fn claim_takes_everything_another_consumer_held_long_enough() {
    let server = Server::start("claim");
    let mut conn = server.connect().expect("a connection");
    let key = server.key("claim");
    let (early, late, again) = within(
        "the claims",
        "a claim that loops for good: it should stop once XAUTOCLAIM's \
         cursor comes back as 0-0",
        move || {
            let queue = queue_of(&mut conn, &key, HELD + 2)?;
            // The dead worker takes all but two items, and never acks them.
            for _ in 0..HELD {
                assert!(queue.get(&mut conn, "dead")?.is_some());
            }
            let early = queue.claim(&mut conn, "live", IDLE)?;
            thread::sleep(IDLE * 2);
            let late = queue.claim(&mut conn, "live", IDLE)?;
            let again = queue.claim(&mut conn, "live", IDLE)?;
            Ok((early, late, again))
        },
    );
    assert!(
        early.is_empty(),
        "nothing was held for `idle` yet, so nothing should be claimed, got \
         {early:?}"
    );
    let items: Vec<u64> = late.iter().map(|e| e.item).collect();
    assert_eq!(
        items,
        (0..HELD).collect::<Vec<_>>(),
        "once held for `idle`, all {HELD} entries the dead worker took are \
         claimed, in one call of claim: one XAUTOCLAIM takes at most \
         CLAIM_COUNT = {CLAIM_COUNT}, so follow its cursor (and only those: \
         the last two items were never delivered)"
    );
    assert!(
        again.is_empty(),
        "a claimed entry is the claimer's, and idle no more: {again:?}"
    );
}

#[test]
fn a_dead_worker_loses_nothing() {
    let server = Server::start("dead");
    let mut conn = server.connect().expect("a connection");
    let key = server.key("dead");
    let (gallery, finished) = within(
        "the live worker",
        "a worker that never claims what the dead one held (those entries \
         stay pending, so the queue is never finished), or one that does not \
         ack an entry after uploading it",
        move || {
            let queue = queue_of(&mut conn, &key, 20)?;
            // The dead worker takes five items and dies holding them.
            for _ in 0..5 {
                assert!(queue.get(&mut conn, "dead")?.is_some());
            }
            let gallery = Mutex::new(Gallery::default());
            worker(&mut conn, &queue, "live", &gallery, IDLE)?;
            let finished = queue.finished(&mut conn)?;
            Ok((gallery.into_inner().unwrap(), finished))
        },
    );
    let items: Vec<u64> = gallery.photos.keys().copied().collect();
    assert_eq!(
        items,
        (0..20).collect::<Vec<_>>(),
        "every item should be uploaded, the dead worker's five included"
    );
    assert_eq!(gallery.duplicates, 0, "nothing was uploaded twice");
    assert!(
        finished,
        "the worker should end only once every entry is acked"
    );
}

#[test]
fn a_slow_worker_uploads_nothing_twice() {
    let server = Server::start("slow");
    let mut conn = server.connect().expect("a connection");
    let client = server.client.clone();
    let key = server.key("slow");
    let gallery = within(
        "a live and a slow worker",
        "a live worker that never claims the slow one's item 0 (the slow one \
         uploads it only once the live one has), or one that claims with an \
         idle time of its own instead of `idle`",
        move || {
            let queue = queue_of(&mut conn, &key, 10)?;
            let gallery = Mutex::new(Gallery::default());
            // The slow worker takes item 0 and is not dead: it uploads it once
            // the other has (it was too slow, so the other claimed it), then
            // acks it.
            let held = queue.get(&mut conn, "slow")?.expect("item 0");
            thread::scope(|s| {
                let live = s.spawn(|| -> RedisResult<()> {
                    let mut conn = client.get_connection()?;
                    worker(&mut conn, &queue, "live", &gallery, IDLE)
                });
                while !gallery.lock().unwrap().photos.contains_key(&held.item)
                    && !live.is_finished()
                {
                    thread::sleep(Duration::from_millis(5));
                }
                gallery.lock().unwrap().upload(held.item);
                queue.ack(&mut conn, &held.id)?;
                match live.join() {
                    Ok(result) => result,
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            })?;
            Ok(gallery.into_inner().unwrap())
        },
    );
    assert_eq!(
        gallery.photos.len(),
        10,
        "every item should be uploaded once, the slow worker's included: \
         the live worker claims it"
    );
    assert_eq!(
        gallery.duplicates, 1,
        "the slow worker's late upload of item 0 is the one duplicate, \
         dropped by the gallery"
    );
}
