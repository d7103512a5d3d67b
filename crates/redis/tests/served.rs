//! The pipeline on a broker served over TCP by a `redis-server` each test
//! starts on a loopback port of its own: TLS with a certificate authority made
//! for the test, and a password that is never shown. Each test skips, saying
//! why in one line, where `redis-server` is missing (unless
//! `PIPELINE_REQUIRE_REDIS=1`).
//!
//! Unix only: Redis has no Windows build.
#![cfg(unix)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use pipeline_core::testkit::within;
use pipeline_core::{Config, Scenario};
use pipeline_redis::server::{self, BrokerError};
use pipeline_redis::{BACKEND, Broker, on_broker};

/// Far longer than any of these runs takes on a loaded machine, far shorter
/// than a hang.
const WATCHDOG: Duration = Duration::from_secs(90);

/// The password of every server these tests start.
const PASSWORD: &str = "s3cr3t-PW-7d1";

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
            .arg(dir.path().join("redis.log"));
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
        on_broker(&run_on, || BACKEND.run(&config))
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
