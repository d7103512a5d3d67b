//! The pipeline on a broker served over TCP by a `redis-server` each test
//! starts on a loopback port of its own: TLS with a certificate authority made
//! for the test, a password that is never shown, run keys that expire, and a
//! server that stops answering. Each test skips, saying why in one line, where
//! `redis-server` is missing (unless `PIPELINE_REQUIRE_REDIS=1`).
//!
//! Unix only: Redis has no Windows build.
#![cfg(unix)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::time::{Duration, Instant};

use pipeline_core::testkit::within;
use pipeline_core::{BrokerUrl, OnBroker, Role};
use pipeline_core::{Config, Scenario};
use pipeline_redis::server::{self, BrokerError};
use pipeline_redis::{BACKEND, Broker};

/// Far longer than any of these runs takes on a loaded machine, far shorter
/// than a hang.
const WATCHDOG: Duration = Duration::from_secs(90);

/// The password of every server these tests start.
const PASSWORD: &str = "s3cr3t-PW-7d1";

/// The URL of `broker`, trusting its authorities if it has its own.
fn url_of(broker: &Broker) -> BrokerUrl {
    let url = BrokerUrl::new(broker.url.clone());
    match &broker.ca_cert {
        Some(ca) => url.trusting(ca),
        None => url,
    }
}

/// `config`, run whole on `broker`.
fn on(broker: &Broker, config: Config) -> Config {
    Config {
        broker: Some(OnBroker {
            url: Some(url_of(broker)),
            role: Role::Whole,
        }),
        ..config
    }
}

fn config(items: u64) -> Config {
    Config {
        items,
        ..Scenario::BOOK.config()
    }
}

/// The `redis-server` to start, or `None` after one line saying how to get
/// it (a panic instead under `PIPELINE_REQUIRE_REDIS=1`).
fn binary() -> Option<PathBuf> {
    let found = server::server_binary();
    if found.is_none() {
        let required =
            std::env::var(server::REQUIRE_ENV).is_ok_and(|v| v == "1");
        let missing = BrokerError::NotInstalled;
        assert!(!required, "{}=1: {missing}", server::REQUIRE_ENV);
        static SAID: std::sync::Once = std::sync::Once::new();
        SAID.call_once(|| {
            let line = format!("skipped: {missing}\n");
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        });
    }
    found
}

/// A `redis-server` on a loopback port, with a password and nothing saved;
/// killed, and its directory removed, when dropped.
struct Served {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
    tls: bool,
}

impl Served {
    /// Starts one, over TLS if `tls` (its certificate signed by a certificate
    /// authority made here, `ca.pem` in its directory), and waits until it
    /// answers.
    fn start(tls: bool) -> Option<Served> {
        Served::start_with(tls, &[])
    }

    /// [`Served::start`], with `extra` arguments for the server.
    fn start_with(tls: bool, extra: &[&str]) -> Option<Served> {
        let binary = binary()?;
        let dir = tempfile::tempdir().unwrap();
        // A port nothing listens on now.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = pipeline_core::platform::child::foreign(&binary);
        command
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(["--requirepass", PASSWORD])
            .arg("--dir")
            .arg(dir.path())
            .arg("--logfile")
            .arg(dir.path().join("redis.log"))
            .args(extra);
        if tls {
            make_certificates(dir.path());
            let file = |name: &str| dir.path().join(name);
            command
                .args(["--port", "0", "--tls-port", &port.to_string()])
                .arg("--tls-cert-file")
                .arg(file("server.pem"))
                .arg("--tls-key-file")
                .arg(file("server.key"))
                .arg("--tls-ca-cert-file")
                .arg(file("ca.pem"))
                .args(["--tls-auth-clients", "no"]);
        } else {
            command.args(["--port", &port.to_string()]);
        }
        let child = command
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("redis-server starts");
        let served = Served {
            child,
            dir,
            port,
            tls,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match served.broker() {
                Ok(_) => return Some(served),
                Err(error) if Instant::now() > deadline => {
                    let log = std::fs::read_to_string(
                        served.dir.path().join("redis.log"),
                    );
                    panic!("the server did not start: {error}; log: {log:?}")
                }
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// Its URL, with `password`.
    fn url_with(&self, password: &str) -> String {
        let scheme = if self.tls { "rediss" } else { "redis" };
        format!("{scheme}://:{password}@127.0.0.1:{}", self.port)
    }

    /// The certificate authority's certificate (TLS only).
    fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The broker it is, checked, trusting its certificate authority.
    fn broker(&self) -> Result<Broker, BrokerError> {
        let ca = self.tls.then(|| self.ca());
        Broker::trusting(&self.url_with(PASSWORD), ca)
    }

    fn pid(&self) -> i32 {
        self.child.id() as i32
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        // SAFETY: kill(2) on our own child; a stopped one is continued first.
        unsafe {
            libc::kill(self.pid(), libc::SIGCONT);
        }
        pipeline_core::platform::child::end_foreign(&mut self.child);
    }
}

/// A certificate authority (`ca.pem`) and a server certificate for 127.0.0.1
/// and localhost that it signed (`server.pem`, `server.key`), in `dir`.
fn make_certificates(dir: &Path) {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa,
        KeyPair,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "pipeline-lab test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca =
        CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap())
            .unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server_params =
        CertificateParams::new(vec!["127.0.0.1".into(), "localhost".into()])
            .unwrap();
    let server_cert = server_params.signed_by(&server_key, &ca).unwrap();
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    std::fs::write(dir.join("server.pem"), server_cert.pem()).unwrap();
    std::fs::write(dir.join("server.key"), server_key.serialize_pem()).unwrap();
}

/// The whole pipeline on a `rediss://` broker with a password, its
/// certificate checked against the test's own certificate authority: every
/// item comes out, and the password shows in no message, `Debug` or URL
/// shown; a wrong password, and a server whose authority is not trusted, are
/// refused in one line without it.
#[test]
fn a_rediss_broker_with_a_password_runs_the_whole_pipeline() {
    let Some(served) = Served::start(true) else {
        return;
    };
    let broker = served.broker().expect("the TLS broker is accepted");
    assert!(broker.url.starts_with("rediss://"));
    for shown in [broker.shown(), format!("{broker:?}")] {
        assert!(!shown.contains(PASSWORD), "{shown}");
    }
    let run_on = broker.clone();
    let config = Config {
        workers: [2, 2, 2],
        ..config(300)
    };
    let report = within("a run over TLS", WATCHDOG, move || {
        BACKEND.run(&on(&run_on, config))
    })
    .expect("the run completes");
    assert_eq!(report.items_out, 300);
    assert_eq!(report.failed, 0);
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains(PASSWORD));

    let wrong = served.url_with("wrong-PW-4c2");
    let refused = Broker::trusting(&wrong, Some(served.ca()))
        .expect_err("a wrong password is refused");
    for message in [refused.to_string(), format!("{refused:?}")] {
        assert!(!message.contains("wrong-PW-4c2"), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }
    assert!(refused.to_string().contains(":***@127.0.0.1"), "{refused}");

    // The system's roots know nothing of the test's authority: refused.
    let untrusted = Broker::trusting(&served.url_with(PASSWORD), None)
        .expect_err("a certificate no trusted authority signed is refused");
    for message in [untrusted.to_string(), format!("{untrusted:?}")] {
        assert!(!message.contains(PASSWORD), "{message}");
    }
}

/// A file of certificates that cannot be read is refused in one line naming
/// it, before any connection.
#[test]
fn an_unreadable_ca_file_is_refused_naming_it() {
    let error = Broker::trusting(
        &format!("rediss://:{PASSWORD}@127.0.0.1:1"),
        Some("/nonexistent/ca.pem".into()),
    )
    .expect_err("refused");
    let message = error.to_string();
    assert!(message.contains("/nonexistent/ca.pem"), "{message}");
    assert!(message.contains("REDIS_CA_CERT"), "{message}");
    assert!(!message.contains(PASSWORD), "{message}");
    assert!(!message.contains('\n'), "{message}");
}

/// A connection of the test's own to `served`.
fn connection(served: &Served) -> redis::Connection {
    let broker = served.broker().expect("the broker answers");
    broker.client().unwrap().get_connection().unwrap()
}

/// Every key of the run under way on `conn`'s server, with its time to
/// live in ms (-1: none).
fn run_keys(conn: &mut redis::Connection) -> Vec<(String, i64)> {
    let keys: Vec<String> =
        redis::cmd("KEYS").arg("pipeline:*").query(conn).unwrap();
    keys.into_iter()
        .filter_map(|key| {
            let ttl: i64 = redis::cmd("PTTL").arg(&key).query(conn).unwrap();
            // -2: gone since the listing.
            (ttl != -2).then_some((key, ttl))
        })
        .collect()
}

/// Every key of a run gets a time to live within two renewals and keeps
/// one while the run lives (so a coordinator killed without its exit leaves
/// nothing on the server for long), and the run's `alive` key has the short
/// one.
#[test]
fn every_key_of_a_run_expires_unless_its_coordinator_renews_it() {
    use pipeline_redis::expiry::{ALIVE_TTL, REFRESH_EVERY, RUN_TTL};
    let Some(served) = Served::start(false) else {
        return;
    };
    let broker = served.broker().unwrap();
    let mut conn = connection(&served);
    let config = Config {
        capacity: Some(8),
        resize_ms: 2.0,
        ..config(2_000)
    };
    let run = std::thread::spawn(move || BACKEND.run(&on(&broker, config)));
    let keys = within("a run's keys", WATCHDOG, move || {
        // Until the run is under way: its streams and its alive key.
        let deadline = Instant::now() + Duration::from_secs(30);
        while run_keys(&mut conn).len() < 5 {
            assert!(Instant::now() < deadline, "the run started");
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(REFRESH_EVERY * 2);
        let first = run_keys(&mut conn);
        std::thread::sleep(REFRESH_EVERY * 2);
        let second = run_keys(&mut conn);
        (first, second)
    });
    let report = run.join().unwrap().expect("the run completes");
    assert_eq!(report.items_out, 2_000);
    let (first, second) = keys;
    for (key, ttl) in &first {
        assert!(
            *ttl <= RUN_TTL.as_millis() as i64,
            "{key}: {ttl} ms to live"
        );
        if key.ends_with(":alive") {
            assert!(*ttl > 0 && *ttl <= ALIVE_TTL.as_millis() as i64);
        }
        // A key made since the last renewal has none yet: by the next
        // listing, two renewals later, it has one (unless it is gone).
        // (A putter's list of the slot it took lives from its BLMOVE to its
        // MULTI: a new one each put.)
        if *ttl == -1 && !key.contains(":taken:") {
            let later = second.iter().find(|(k, _)| k == key);
            assert!(
                later.is_none_or(|(_, ttl)| *ttl > 0),
                "{key} has no time to live after two renewals: {second:?}"
            );
        }
    }
    for name in ["download", "resize", "upload", "done", "alive"] {
        assert!(
            first.iter().any(
                |(key, ttl)| key.ends_with(&format!(":{name}")) && *ttl > 0
            ),
            "{name} has a time to live: {first:?}"
        );
    }
    let mut conn = connection(&served);
    assert!(
        run_keys(&mut conn).is_empty(),
        "the ended run removed its keys"
    );
}

/// A stage process asked to join a run whose coordinator is gone (its keys
/// still there, waiting to expire, but no `alive` key) is refused in one
/// line saying so, before it works for no collector.
#[test]
fn a_worker_for_a_run_without_its_coordinator_is_refused() {
    use pipeline_redis::processes::{Assignment, config_of};
    let Some(served) = Served::start(false) else {
        return;
    };
    let broker = served.broker().unwrap();
    let mut conn = connection(&served);
    let run = "pipeline:1-2-3";
    let json = serde_json::to_string(&config(10)).unwrap();
    redis::cmd("SET")
        .arg(format!("{run}:config"))
        .arg(json)
        .query::<()>(&mut conn)
        .unwrap();
    let assignment = Assignment {
        run: run.into(),
        stage: pipeline_core::Stage::Resize,
        workers: 1,
    };
    let refused = config_of(Some(&url_of(&broker)), &assignment)
        .expect_err("no coordinator");
    let message = refused.to_string();
    assert!(message.contains("no coordinator any more"), "{message}");
    assert!(!message.contains('\n'), "{message}");
    assert!(!message.contains(PASSWORD), "{message}");
    // With its coordinator's alive key, the same run is joined.
    redis::cmd("SET")
        .arg(pipeline_redis::expiry::alive_key(run))
        .arg(1)
        .query::<()>(&mut conn)
        .unwrap();
    let config = config_of(Some(&url_of(&broker)), &assignment).unwrap();
    assert_eq!(config.items, 10);
}

/// A server that stops answering for five seconds (SIGSTOP, then SIGCONT: a
/// hung broker) ends the run while it is still stopped, saying so, with what
/// was done: the run does not hang until the server goes on.
#[test]
fn a_broker_that_stops_answering_ends_the_run_while_it_is_stopped() {
    let Some(served) = Served::start(false) else {
        return;
    };
    let broker = served.broker().unwrap();
    let config = Config {
        resize_ms: 1.0,
        ..config(5_000)
    };
    let probes = std::sync::Arc::new(pipeline_core::Probes::new(&config));
    let watched = std::sync::Arc::clone(&probes);
    let pid = served.pid();
    let (outcome, waited) = within(
        "a run on a stopped broker",
        WATCHDOG,
        move || {
            let run = std::thread::spawn(move || {
                BACKEND.run_with(&on(&broker, config), watched)
            });
            while probes.got_by(pipeline_core::Stage::Upload) < 20
                && !run.is_finished()
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            // SAFETY: kill(2) on the test's own child; continued when dropped.
            unsafe { libc::kill(pid, libc::SIGSTOP) };
            let stopped_at = Instant::now();
            let continued = std::sync::Arc::new(AtomicBool::new(false));
            let pause = {
                let continued = std::sync::Arc::clone(&continued);
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_secs(5));
                    continued.store(true, SeqCst);
                    // SAFETY: kill(2) on the test's own child.
                    unsafe { libc::kill(pid, libc::SIGCONT) };
                })
            };
            let outcome = run.join().expect("the run's thread ends");
            let waited = stopped_at.elapsed();
            assert!(
                !continued.load(SeqCst),
                "the run ended only once the broker went on, {waited:.1?} after \
             it stopped: {outcome:?}"
            );
            pause.join().unwrap();
            (outcome, waited)
        },
    );
    eprintln!("the run ended {waited:.1?} after its broker stopped");
    match outcome {
        Err(pipeline_core::PipelineError::BrokerLost {
            broker,
            reason,
            report,
        }) => {
            assert!(broker.contains(":***@127.0.0.1"), "{broker}");
            assert!(reason.contains("stopped answering"), "{reason}");
            assert_eq!(report.outcome, "stopped: lost the broker");
            assert_eq!(
                report.items_out + report.failed + report.unfinished,
                report.items_in
            );
        }
        other => panic!("a run on a stopped broker gave {other:?}"),
    }
}

/// A private server takes as many clients as the open-file limit allows,
/// less a margin, and never more than Redis's default.
#[test]
fn a_private_server_takes_the_clients_the_open_file_limit_allows() {
    use pipeline_redis::server::maxclients_for;
    assert_eq!(maxclients_for(Some(1024)), 960);
    assert_eq!(maxclients_for(Some(4096)), 4032);
    assert_eq!(maxclients_for(Some(1_048_576)), 10_000);
    assert_eq!(maxclients_for(Some(10)), 1);
    assert_eq!(maxclients_for(None), 4096);
}

/// A run that needs more connections than the server takes is refused
/// before any thread starts, in one line that says so, instead of having its
/// connections reset in the middle.
#[test]
fn a_run_needing_more_connections_than_the_server_takes_is_refused() {
    let Some(served) = Served::start_with(false, &["--maxclients", "40"])
    else {
        return;
    };
    let broker = served.broker().unwrap();
    let crowd = Config {
        workers: [10, 10, 10],
        ..config(10)
    };
    let refused = BACKEND.run(&on(&broker, crowd));
    match refused {
        Err(pipeline_core::PipelineError::Config(error)) => {
            let message = error.to_string();
            assert!(message.contains("needs 46 connections"), "{message}");
            assert!(message.contains("maxclients 40"), "{message}");
            assert!(!message.contains('\n'), "{message}");
            assert!(!message.contains(PASSWORD), "{message}");
        }
        other => panic!("a crowd too large for the server gave {other:?}"),
    }
    let fits = Config {
        workers: [2, 2, 2],
        ..config(10)
    };
    let report = BACKEND.run(&on(&broker, fits)).unwrap();
    assert_eq!(report.items_out, 10);
}
