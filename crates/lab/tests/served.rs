//! `lab run --processes` on a broker with a password, served over TCP by a
//! `redis-server` each test starts on a loopback port of its own: the password
//! is in no output and on no process's command line, a broker that stops
//! answering ends the run while it is still stopped with one line for the run,
//! and a worker for a run whose coordinator was killed is refused. Each test
//! skips, saying why once, where `redis-server` is missing (unless
//! `PIPELINE_REQUIRE_REDIS=1`).
//!
//! Unix only: the tests stop and kill processes with signals, and Windows has
//! no `redis-server` to start.
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Far above what any of these runs takes on a loaded 2-core machine.
const WATCHDOG: Duration = Duration::from_secs(120);

/// The password of every server these tests start.
const PASSWORD: &str = "s3cr3t-PW-lab-91";

fn lab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lab"))
}

/// The `redis-server` on the `PATH` (or `PIPELINE_REDIS_SERVER`'s), or `None`
/// after one line naming the package (a panic under `PIPELINE_REQUIRE_REDIS=1`).
fn redis_server() -> Option<std::path::PathBuf> {
    let named = std::env::var_os("PIPELINE_REDIS_SERVER").filter(|v| !v.is_empty());
    let found = match named {
        Some(path) => Some(std::path::PathBuf::from(path)).filter(|p| p.is_file()),
        None => std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("redis-server"))
                .find(|path| path.is_file())
        }),
    };
    if found.is_none() {
        let required = std::env::var("PIPELINE_REQUIRE_REDIS").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "PIPELINE_REQUIRE_REDIS=1: redis-server not found"
        );
        static SAID: std::sync::Once = std::sync::Once::new();
        SAID.call_once(|| {
            use std::io::Write;
            let line = "skipped: redis-server not found: install Debian's `redis-server` package\n";
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        });
    }
    found
}

/// A `redis-server` with a password on a loopback port; killed when dropped.
struct Served {
    child: Child,
    _dir: tempfile::TempDir,
    port: u16,
}

impl Served {
    fn start() -> Option<Served> {
        let binary = redis_server()?;
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(binary)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--requirepass",
                PASSWORD,
            ])
            .arg("--dir")
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        let served = Served {
            child,
            _dir: dir,
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while redis::Client::open(served.url().as_str())
            .and_then(|client| client.get_connection())
            .and_then(|mut conn| redis::cmd("PING").query::<String>(&mut conn))
            .is_err()
        {
            assert!(Instant::now() < deadline, "the server did not start");
            thread::sleep(Duration::from_millis(50));
        }
        Some(served)
    }

    fn url(&self) -> String {
        format!("redis://:{PASSWORD}@127.0.0.1:{}", self.port)
    }

    fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on our own child, not yet reaped.
        unsafe { libc::kill(self.child.id() as i32, signal) };
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.signal(libc::SIGCONT);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `command` with no input and its output and errors piped.
fn started(command: &mut Command) -> Child {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("lab starts")
}

/// Waits for `child` to end (its stdout read by `out`, its stderr by `err`),
/// killing it if it outlives the watchdog.
fn to_its_end(
    mut child: Child,
    out: thread::JoinHandle<Vec<u8>>,
    err: thread::JoinHandle<Vec<u8>>,
) -> Output {
    let pid = child.id() as i32;
    let (done, finished) = std::sync::mpsc::channel();
    let watchdog = thread::spawn(move || {
        if finished.recv_timeout(WATCHDOG).is_err() {
            // SAFETY: kill(2) on our own child, not yet reaped.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    });
    let status = child.wait().unwrap();
    let _ = done.send(());
    watchdog.join().unwrap();
    assert_ne!(
        status.signal(),
        Some(libc::SIGKILL),
        "watchdog: lab ran longer than {WATCHDOG:?}"
    );
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// Reads `reader` to its end on a thread of its own.
fn read_all(mut reader: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = reader.read_to_end(&mut bytes);
        bytes
    })
}

/// The pids of `parent`'s children, from `/proc`.
#[cfg(target_os = "linux")]
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                // `pid (comm) state ppid …`: the comm may hold spaces.
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
                    == Some(parent)
            })
        })
        .collect()
}

/// A coordinator of a long run on `served`, with stage processes, after its
/// announcement: the child, the announcement, and readers of the rest of its
/// output.
fn coordinator(
    served: &Served,
) -> (
    Child,
    String,
    thread::JoinHandle<Vec<u8>>,
    thread::JoinHandle<Vec<u8>>,
) {
    let mut command = lab();
    command.args(["run", "--backend", "redis", "--processes"]);
    command.args(["--items", "100000", "--resize-ms", "1", "--json"]);
    command.args(["--broker", &served.url()]);
    let mut child = started(&mut command);
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut announcement = String::new();
    stderr.read_line(&mut announcement).unwrap();
    let out = read_all(child.stdout.take().unwrap());
    let err = read_all(stderr);
    (child, announcement, out, err)
}

/// The password is in no output of the run, on no stage process's command
/// line; a broker that stops answering for five seconds (SIGSTOP, then
/// SIGCONT) ends the run while it is still stopped, exit code 1, with one line
/// for the run that says so (not one per process, none cut into another), and
/// no stage process says the coordinator's SIGTERM.
#[test]
fn a_broker_with_a_password_that_stops_answering_ends_the_run_in_one_line() {
    let Some(served) = Served::start() else {
        return;
    };
    let (child, announcement, out, err) = coordinator(&served);
    assert!(announcement.starts_with("run pipeline:"), "{announcement}");
    assert!(!announcement.contains(PASSWORD), "{announcement}");
    // Until the stage processes are at work.
    thread::sleep(Duration::from_secs(2));
    #[cfg(target_os = "linux")]
    {
        let stages = children_of(child.id());
        let workers: Vec<String> = stages
            .iter()
            .filter_map(|pid| std::fs::read(format!("/proc/{pid}/cmdline")).ok())
            .map(|bytes| String::from_utf8_lossy(&bytes).replace('\0', " "))
            .filter(|cmdline| cmdline.contains("worker"))
            .collect();
        assert_eq!(workers.len(), 3, "three stage processes: {workers:?}");
        for cmdline in &workers {
            assert!(!cmdline.contains(PASSWORD), "{cmdline}");
        }
    }
    served.signal(libc::SIGSTOP);
    let stopped_at = Instant::now();
    let continued = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let pause = {
        let continued = std::sync::Arc::clone(&continued);
        let pid = served.child.id() as i32;
        thread::spawn(move || {
            thread::sleep(Duration::from_secs(5));
            continued.store(true, std::sync::atomic::Ordering::SeqCst);
            // SAFETY: kill(2) on the test's own child.
            unsafe { libc::kill(pid, libc::SIGCONT) };
        })
    };
    let output = to_its_end(child, out, err);
    let waited = stopped_at.elapsed();
    assert!(
        !continued.load(std::sync::atomic::Ordering::SeqCst),
        "the run ended only once the broker went on, {waited:.1?} after it stopped: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    pause.join().unwrap();
    eprintln!("the run ended {waited:.1?} after its broker stopped");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stdout.contains(PASSWORD) && !stderr.contains(PASSWORD));
    let lost: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("lost the broker"))
        .collect();
    assert_eq!(lost.len(), 1, "one line for the run: {stderr}");
    assert!(lost[0].starts_with("error: lost the broker at redis://:***@127.0.0.1"));
    assert!(lost[0].contains("stopped answering"), "{stderr}");
    for line in stderr.lines() {
        assert!(
            line.starts_with("error: "),
            "a whole line of its own: {line:?}"
        );
        assert!(!line.contains("SIGTERM"), "{stderr}");
    }
    let report: pipeline_core::Report = serde_json::from_str(&stdout).expect("the report");
    assert_eq!(report.outcome, "stopped: lost the broker");
}

/// A wrong password is refused in one line that does not show it.
#[test]
fn a_wrong_password_is_refused_without_showing_it() {
    let Some(served) = Served::start() else {
        return;
    };
    let wrong = format!("redis://:wrong-PW-lab-5e@127.0.0.1:{}", served.port);
    let mut command = lab();
    command.args([
        "run",
        "--backend",
        "redis",
        "--items",
        "10",
        "--broker",
        &wrong,
    ]);
    let mut child = started(&mut command);
    let stdout = read_all(child.stdout.take().unwrap());
    let stderr = read_all(child.stderr.take().unwrap());
    let out = to_its_end(child, stdout, stderr);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("wrong-PW-lab-5e"), "{stderr}");
    assert!(stderr.contains("redis://:***@127.0.0.1"), "{stderr}");
}

/// A worker for a run whose coordinator was killed (SIGKILL: no exit handler
/// removed its keys) ends with one line saying so instead of working for no
/// collector; the run's keys all expire.
#[test]
fn a_worker_for_a_run_whose_coordinator_was_killed_ends_in_one_line() {
    let Some(served) = Served::start() else {
        return;
    };
    let (mut child, announcement, out, err) = coordinator(&served);
    let run = announcement
        .split_whitespace()
        .nth(1)
        .and_then(|id| id.strip_suffix(':'))
        .unwrap_or_else(|| panic!("the announcement names the run: {announcement}"))
        .to_string();
    thread::sleep(Duration::from_secs(2));
    child.kill().unwrap();
    let _ = child.wait();
    drop((out, err));
    let mut worker = lab();
    worker.env("REDIS_URL", served.url());
    // Its line of the report on stdout: stderr has only what went wrong.
    worker.args(["worker", "--run", &run, "--stage", "resize", "--json"]);
    let mut worker_child = started(&mut worker);
    let wout = read_all(worker_child.stdout.take().unwrap());
    let werr = read_all(worker_child.stderr.take().unwrap());
    let output = to_its_end(worker_child, wout, werr);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        matches!(output.status.code(), Some(1 | 2)),
        "{:?}: {stderr}",
        output.status
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("coordinator"), "{stderr}");
    assert!(stderr.contains(&run), "{stderr}");
    assert!(!stderr.contains(PASSWORD), "{stderr}");
    // Every key the run left has a time to live.
    let mut conn = redis::Client::open(served.url().as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{run}:*"))
        .query(&mut conn)
        .unwrap();
    for key in keys {
        let ttl: i64 = redis::cmd("PTTL").arg(&key).query(&mut conn).unwrap();
        assert!(ttl != -1, "{key} never expires");
    }
}

/// A certificate authority (`ca.pem`) and a server certificate for 127.0.0.1
/// that it signed (`server.pem`, `server.key`), in `dir`.
fn make_certificates(dir: &std::path::Path) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server_params = CertificateParams::new(vec!["127.0.0.1".into()]).unwrap();
    let server_cert = server_params.signed_by(&server_key, &ca).unwrap();
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    std::fs::write(dir.join("server.pem"), server_cert.pem()).unwrap();
    std::fs::write(dir.join("server.key"), server_key.serialize_pem()).unwrap();
}

/// `lab run --processes --broker rediss://…` on a server that speaks TLS
/// only, its certificate signed by an authority `REDIS_CA_CERT` names: every
/// stage process reaches it too, and every item comes out.
#[test]
fn stage_processes_run_on_a_broker_over_tls() {
    let Some(binary) = redis_server() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    make_certificates(dir.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let file = |name: &str| dir.path().join(name);
    let child = Command::new(binary)
        .args(["--port", "0", "--tls-port", &port.to_string()])
        .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .args(["--requirepass", PASSWORD, "--tls-auth-clients", "no"])
        .arg("--tls-cert-file")
        .arg(file("server.pem"))
        .arg("--tls-key-file")
        .arg(file("server.key"))
        .arg("--tls-ca-cert-file")
        .arg(file("ca.pem"))
        .arg("--dir")
        .arg(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server starts");
    let ca = file("ca.pem");
    let served = Served {
        child,
        _dir: dir,
        port,
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        thread::sleep(Duration::from_millis(50));
    }
    let url = format!("rediss://:{PASSWORD}@127.0.0.1:{}", served.port);
    let mut command = lab();
    command.env("REDIS_CA_CERT", &ca);
    command.args(["run", "--backend", "redis", "--processes", "--broker", &url]);
    command.args(["--scenario", "camera", "--items", "300", "--json"]);
    let mut child = started(&mut command);
    let out = read_all(child.stdout.take().unwrap());
    let err = read_all(child.stderr.take().unwrap());
    let output = to_its_end(child, out, err);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains(PASSWORD), "{stderr}");
    let report: pipeline_core::Report = serde_json::from_slice(&output.stdout).expect("the report");
    assert_eq!((report.items_in, report.items_out), (300, 300));
    assert_eq!(report.processes.len(), 4, "{:?}", report.processes);
    // Without the authority, the server's certificate is refused before any
    // run: exit code 2, one line.
    let mut untrusted = lab();
    untrusted.env_remove("REDIS_CA_CERT");
    untrusted.args([
        "run",
        "--backend",
        "redis",
        "--items",
        "10",
        "--broker",
        &url,
    ]);
    let mut child = started(&mut untrusted);
    let out = read_all(child.stdout.take().unwrap());
    let err = read_all(child.stderr.take().unwrap());
    let output = to_its_end(child, out, err);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!stderr.contains(PASSWORD), "{stderr}");
}
