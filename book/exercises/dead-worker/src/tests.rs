//! The tests of the exercise; they run against `exercise.rs` or `solution.rs`.
//! Those that need Redis start a private `redis-server` each, on a Unix socket
//! in a temporary directory, with nothing saved; where there is none, they say
//! so in one line and pass, unless `PIPELINE_REQUIRE_REDIS=1`.

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

/// Why a worker may never end.
const WORKER_CAUSES: &str = "a worker that never claims what the dead one \
     held (those entries stay pending, so the queue is never finished), one \
     that claims with an idle time of its own instead of `idle`, or one that \
     does not ack an entry after uploading it";

/// Runs `f` in its own thread; fails the test if it is not done within
/// [`WATCHDOG`], naming `what` and the likely `causes`.
fn within<T: Send + 'static>(
    what: &str,
    causes: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    pipeline_core::testkit::within_or_name_causes(what, causes, WATCHDOG, f)
}

/// A private `redis-server`, stopped and its directory removed when dropped.
struct Server {
    child: Child,
    client: redis::Client,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts one, or says in one line why it cannot and gives `None`
    /// (a panic instead with `PIPELINE_REQUIRE_REDIS=1`).
    fn start() -> Option<Server> {
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
            let line = "redis-server not found: install Debian's \
                        `redis-server` package";
            let required =
                std::env::var("PIPELINE_REQUIRE_REDIS").is_ok_and(|v| v == "1");
            assert!(!required, "PIPELINE_REQUIRE_REDIS=1: {line}");
            // Once, and past the harness's capture of a passing test's
            // output, so that the skip is seen.
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                use std::io::Write;
                let _ = writeln!(std::io::stderr().lock(), "skipped: {line}");
            });
            return None;
        };
        let url = format!("redis+unix://{}", socket.display());
        let client = redis::Client::open(url).expect("a client");
        let server = Server {
            child,
            client,
            _dir: dir,
        };
        let deadline = Instant::now() + WATCHDOG;
        while server.connect().is_err() {
            assert!(Instant::now() < deadline, "redis-server does not answer");
            thread::sleep(Duration::from_millis(10));
        }
        Some(server)
    }

    /// A connection of its own.
    fn connect(&self) -> RedisResult<Connection> {
        let mut conn = self.client.get_connection()?;
        redis::cmd("PING").query::<String>(&mut conn)?;
        Ok(conn)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A queue holding `items`.
fn queue_of(conn: &mut Connection, name: &str, items: u64) -> Queue {
    let queue = Queue::create(conn, name).expect("the queue is made");
    for item in 0..items {
        queue.put(conn, item).expect("a put");
    }
    queue
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

#[test]
fn claim_takes_only_what_another_consumer_held_long_enough() {
    let Some(server) = Server::start() else {
        return;
    };
    let mut conn = server.connect().unwrap();
    let claimed = within(
        "claim",
        "a claim that blocks, or never returns",
        move || {
            let queue = queue_of(&mut conn, "claim", 4);
            // The dead worker takes items 0 and 1, and never acks them.
            for _ in 0..2 {
                assert!(queue.get(&mut conn, "dead").unwrap().is_some());
            }
            let early = queue.claim(&mut conn, "live", IDLE).unwrap();
            thread::sleep(IDLE * 2);
            let late = queue.claim(&mut conn, "live", IDLE).unwrap();
            let again = queue.claim(&mut conn, "live", IDLE).unwrap();
            (early, late, again)
        },
    );
    let (early, late, again) = claimed;
    assert!(
        early.is_empty(),
        "nothing was held for `idle` yet, so nothing should be claimed, got \
         {early:?}"
    );
    let items: Vec<u64> = late.iter().map(|e| e.item).collect();
    assert_eq!(
        items,
        [0, 1],
        "once held for `idle`, what the dead worker took is claimed (and \
         only that: items 2 and 3 were never delivered)"
    );
    assert!(
        again.is_empty(),
        "a claimed entry is the claimer's, and idle no more: {again:?}"
    );
}

#[test]
fn a_dead_worker_loses_nothing() {
    let Some(server) = Server::start() else {
        return;
    };
    let mut conn = server.connect().unwrap();
    let (gallery, finished) =
        within("the live worker", WORKER_CAUSES, move || {
            let queue = queue_of(&mut conn, "dead", 20);
            // The dead worker takes five items and dies holding them.
            for _ in 0..5 {
                assert!(queue.get(&mut conn, "dead").unwrap().is_some());
            }
            let gallery = Mutex::new(Gallery::default());
            worker(&mut conn, &queue, "live", &gallery, IDLE).unwrap();
            let finished = queue.finished(&mut conn).unwrap();
            (gallery.into_inner().unwrap(), finished)
        });
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
    let Some(server) = Server::start() else {
        return;
    };
    let mut conn = server.connect().unwrap();
    let client = server.client.clone();
    let gallery =
        within("a live and a slow worker", WORKER_CAUSES, move || {
            let queue = queue_of(&mut conn, "slow", 10);
            let gallery = Mutex::new(Gallery::default());
            // The slow worker takes item 0 and is not dead: it uploads it once
            // the other has (it was too slow, so the other claimed it), then
            // acks it.
            let held = queue.get(&mut conn, "slow").unwrap().expect("item 0");
            thread::scope(|s| {
                let live = s.spawn(|| {
                    let mut conn = client.get_connection().unwrap();
                    worker(&mut conn, &queue, "live", &gallery, IDLE).unwrap();
                });
                while !gallery.lock().unwrap().photos.contains_key(&held.item)
                    && !live.is_finished()
                {
                    thread::sleep(Duration::from_millis(5));
                }
                gallery.lock().unwrap().upload(held.item);
                queue.ack(&mut conn, &held.id).unwrap();
            });
            gallery.into_inner().unwrap()
        });
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
