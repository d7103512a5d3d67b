//! Where the broker is: the server `REDIS_URL` names, or a private
//! `redis-server` started for this process.
//!
//! The private server listens on a Unix socket in a temporary directory, with
//! persistence off, and is stopped (its directory removed) when the process
//! exits; if the process dies without exiting, the server dies too
//! ([`pipeline_core::platform::child::foreign`]). Redis has no Windows build:
//! there, the broker is the server `REDIS_URL` names (one in WSL, in Docker or
//! on another machine), and no private one is started.

use std::io;
#[cfg(unix)]
use std::path::Path;
use std::path::PathBuf;
#[cfg(unix)]
use std::process::{Child, Stdio};
use std::sync::{Mutex, PoisonError};
#[cfg(unix)]
use std::thread;
use std::time::Duration;
#[cfg(unix)]
use std::time::Instant;

use thiserror::Error;

/// The environment variable that names an existing server to use instead of a
/// private one: `redis://host:port` or `redis+unix:///path/to/socket`.
pub const URL_ENV: &str = "REDIS_URL";
/// The environment variable that names a file of PEM certificates to trust
/// for a `rediss://` broker (TLS) in place of the system's roots: the
/// certificate authority of a server whose certificate no public one signed.
/// Stage processes inherit it with the rest of the environment.
pub const CA_ENV: &str = "REDIS_CA_CERT";
/// The environment variable that names the `redis-server` binary (default:
/// `redis-server` on the `PATH`).
pub const SERVER_ENV: &str = "PIPELINE_REDIS_SERVER";
/// The environment variable that makes a missing `redis-server` fail the tests
/// instead of skipping them.
pub const REQUIRE_ENV: &str = "PIPELINE_REQUIRE_REDIS";
/// The Debian package that provides `redis-server` (and `redis-benchmark`).
pub const PACKAGE: &str = "redis-server";

/// How to get `redis-server` on this platform.
#[cfg(target_os = "linux")]
pub const INSTALL: &str = "install Debian's `redis-server` package";
/// How to get `redis-server` on this platform.
#[cfg(target_os = "macos")]
pub const INSTALL: &str = "install it with Homebrew (`brew install redis`)";
/// How to get `redis-server` on this platform.
#[cfg(windows)]
pub const INSTALL: &str = "Redis has no Windows build: run one in WSL (`sudo apt install redis-server`) or Docker";

/// The private server's log, in its directory.
#[cfg(unix)]
const LOG: &str = "redis.log";

/// The last line of the log at `path` that says something, if any: why a
/// server did not start.
#[cfg(unix)]
fn log_tail(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().rev().find(|line| !line.trim().is_empty())?;
    // `PID:M 07 Dec 2026 16:00:00.000 # Fatal error, …`: the words after `# `.
    let words = line.split_once(" # ").map_or(line, |(_, words)| words);
    Some(words.trim().to_string())
}

/// How long a private server may take to answer its first `PING`.
#[cfg(unix)]
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// Why there is no broker to use.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum BrokerError {
    /// No `REDIS_URL`, and no `redis-server` to start.
    #[error(
        "redis-server not found: {INSTALL}, or set {URL_ENV} to a running server"
    )]
    NotInstalled,
    /// The URL does not parse.
    #[error("bad broker URL {url}: {reason}")]
    BadUrl {
        /// The URL given.
        url: String,
        /// What the client said.
        reason: String,
    },
    /// Nothing answers at the URL.
    #[error("cannot reach the broker at {url}: {reason}")]
    Unreachable {
        /// The URL tried.
        url: String,
        /// What the client said.
        reason: String,
    },
    /// The certificates to trust for TLS cannot be read.
    #[error(
        "cannot read the certificates to trust for {url} ({CA_ENV}) from {path}: {reason}"
    )]
    BadCaCert {
        /// The URL given, its password hidden.
        url: String,
        /// The file named.
        path: String,
        /// What the system said.
        reason: String,
    },
    /// The server is older than the commands the pipeline needs.
    #[error(
        "the broker at {url} is Redis {found}: the pipeline needs Redis \
         {MIN_VERSION_TEXT} or newer (XAUTOCLAIM, BLMOVE, XINFO's lag)"
    )]
    TooOld {
        /// The URL tried, its password hidden.
        url: String,
        /// The version the server says it is.
        found: String,
    },
    /// The private server did not start.
    #[error("cannot start redis-server: {0}")]
    Start(String),
}

/// The oldest Redis the pipeline runs on: 7.0, the first whose `XINFO GROUPS`
/// gives a group's `lag`.
pub const MIN_VERSION: (u32, u32) = (7, 0);
const MIN_VERSION_TEXT: &str = "7.0";

/// How long the checks of a server may wait for a reply: a server that
/// answers the handshake and then nothing more is refused, not waited for.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// `url` with its password hidden (`redis://user:***@host:6379`), to be
/// printed, logged or reported: the URL itself is only given to the client.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or("", |(user, _)| user);
            format!("{scheme}://{user}:***@{host}{path}")
        }
        None => url.to_string(),
    }
}

/// The `major.minor` of a `redis_version:7.0.15` line of `INFO server`.
fn version_of(info: &str) -> Option<(String, (u32, u32))> {
    let found = info
        .lines()
        .find_map(|line| line.strip_prefix("redis_version:"))?
        .trim()
        .to_string();
    let mut parts = found.split('.').map(|part| part.parse::<u32>().ok());
    let major = parts.next()??;
    let minor = parts.next().flatten().unwrap_or(0);
    Some((found, (major, minor)))
}

/// A server to connect to. Its `Debug` shows the URL with its password
/// hidden, as every message does.
#[derive(Clone, PartialEq, Eq)]
pub struct Broker {
    /// Its URL, as given to the client.
    pub url: String,
    /// Whether it was started for this process (and dies with it).
    pub private: bool,
    /// For a `rediss://` URL: a PEM file of the certificates to trust in
    /// place of the system's roots ([`CA_ENV`]).
    pub ca_cert: Option<PathBuf>,
}

impl std::fmt::Debug for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broker")
            .field("url", &self.shown())
            .field("private", &self.private)
            .field("ca_cert", &self.ca_cert)
            .finish()
    }
}

/// The file [`CA_ENV`] names, if it is set.
fn ca_cert_from_env() -> Option<PathBuf> {
    std::env::var_os(CA_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Whether `url` asks for TLS.
fn is_tls(url: &str) -> bool {
    url.get(..9)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("rediss://"))
}

impl Broker {
    /// The broker at `url`, checked: the URL parses, the server answers
    /// `PING` within [`CHECK_TIMEOUT`], and it is Redis [`MIN_VERSION`] or
    /// newer.
    /// A `rediss://` URL is reached over TLS, trusting the certificates of
    /// the file [`CA_ENV`] names if set, else the system's.
    pub fn at(url: &str) -> Result<Broker, BrokerError> {
        Broker::trusting(url, ca_cert_from_env())
    }

    /// [`Broker::at`], trusting the certificates of the PEM file `ca_cert`
    /// (if given) for a `rediss://` URL instead of the system's roots.
    pub fn trusting(
        url: &str,
        ca_cert: Option<PathBuf>,
    ) -> Result<Broker, BrokerError> {
        let broker = Broker {
            url: url.to_string(),
            private: false,
            ca_cert,
        };
        if let (Some(path), true) = (&broker.ca_cert, is_tls(url))
            && let Err(e) = std::fs::read(path)
        {
            return Err(BrokerError::BadCaCert {
                url: redacted(url),
                path: path.display().to_string(),
                reason: e.to_string(),
            });
        }
        let client = broker.client().map_err(|e| BrokerError::BadUrl {
            url: redacted(url),
            reason: e.to_string(),
        })?;
        let unreachable = |e: redis::RedisError| BrokerError::Unreachable {
            url: redacted(url),
            reason: e.to_string(),
        };
        let mut conn = client
            .get_connection_with_timeout(CHECK_TIMEOUT)
            .map_err(unreachable)?;
        // The client drops its connect timeout once connected: without these,
        // a server that stalls after the handshake would hang the check.
        conn.set_read_timeout(Some(CHECK_TIMEOUT))
            .map_err(unreachable)?;
        conn.set_write_timeout(Some(CHECK_TIMEOUT))
            .map_err(unreachable)?;
        redis::cmd("PING")
            .query::<String>(&mut conn)
            .map_err(unreachable)?;
        let info: String = redis::cmd("INFO")
            .arg("server")
            .query(&mut conn)
            .map_err(unreachable)?;
        match version_of(&info) {
            Some((_, version)) if version >= MIN_VERSION => {}
            Some((found, _)) => {
                return Err(BrokerError::TooOld {
                    url: redacted(url),
                    found,
                });
            }
            None => {
                return Err(BrokerError::Unreachable {
                    url: redacted(url),
                    reason: "it does not say which Redis it is (INFO server)"
                        .into(),
                });
            }
        }
        Ok(broker)
    }

    /// A client of this broker: over TLS for a `rediss://` URL, trusting
    /// [`Broker::ca_cert`]'s certificates if given, else the system's.
    pub fn client(&self) -> redis::RedisResult<redis::Client> {
        if !is_tls(&self.url) {
            return redis::Client::open(self.url.as_str());
        }
        // The process's TLS cryptography, once: ring, as for every other
        // TLS client of the workspace (a second install is refused, and
        // harmless).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let Some(path) = &self.ca_cert else {
            return redis::Client::open(self.url.as_str());
        };
        let root_cert = std::fs::read(path).map_err(|e| {
            redis::RedisError::from((
                redis::ErrorKind::InvalidClientConfig,
                "cannot read the certificates to trust",
                format!("{}: {e}", path.display()),
            ))
        })?;
        redis::Client::build_with_tls(
            self.url.as_str(),
            redis::TlsCertificates {
                client_tls: None,
                root_cert: Some(root_cert),
            },
        )
    }

    /// Its URL as it may be shown: the password hidden ([`redacted`]).
    pub fn shown(&self) -> String {
        redacted(&self.url)
    }
}

/// The broker of this process: `REDIS_URL`'s server if set, else a private
/// `redis-server`, started on first use and shared by every later run.
pub fn broker() -> Result<Broker, BrokerError> {
    if let Ok(url) = std::env::var(URL_ENV)
        && !url.is_empty()
    {
        return Broker::at(&url);
    }
    // A server once started is shared; a failed start is tried again by the
    // next run (what failed, a full disk say, may be fixed by then).
    static PRIVATE: Mutex<Option<Broker>> = Mutex::new(None);
    let mut private = PRIVATE.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(broker) = private.as_ref() {
        return Ok(broker.clone());
    }
    let broker = start_private()?;
    *private = Some(broker.clone());
    Ok(broker)
}

/// The `redis-server` binary this process would start, if there is one.
pub fn server_binary() -> Option<PathBuf> {
    let named = std::env::var_os(SERVER_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    match named {
        Some(path) => path.is_file().then_some(path),
        None => std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("redis-server"))
                .find(|path| path.is_file())
        }),
    }
}

/// Whether the tests that need a broker can run here. Where they cannot, says
/// why in one line (naming the package to install) and gives `false`, unless
/// `PIPELINE_REQUIRE_REDIS=1`, which turns the skip into a panic.
pub fn available_for_tests() -> bool {
    match broker() {
        Ok(_) => true,
        Err(error) => {
            let required = std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1");
            assert!(!required, "{REQUIRE_ENV}=1: {error}");
            // Once per test binary, and past the harness's capture of a
            // passing test's output, so that the skip is seen.
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                use std::io::Write;
                let _ = writeln!(io::stderr().lock(), "skipped: {error}");
            });
            false
        }
    }
}

#[cfg(unix)]
/// A private `redis-server`: on a Unix socket in a temporary directory of its
/// own, with nothing saved; stopped, and its directory removed, when dropped.
/// It dies too if the thread that started it ends without dropping it (on
/// Linux, `PR_SET_PDEATHSIG`) or its process dies (elsewhere, the end of a
/// pipe), so a test's server never outlives the test.
#[derive(Debug)]
pub struct Server {
    child: Child,
    dir: PathBuf,
    broker: Broker,
}

#[cfg(unix)]
impl Server {
    /// Starts a server and waits until it answers `PING`.
    pub fn start() -> Result<Server, BrokerError> {
        let binary = server_binary().ok_or(BrokerError::NotInstalled)?;
        Server::start_binary(&binary)
    }

    /// Starts the `redis-server` at `binary` and waits until it answers
    /// `PING`; one that fails to start is refused with the last line of its
    /// log, at once if it exits.
    pub fn start_binary(binary: &Path) -> Result<Server, BrokerError> {
        let binary = binary.to_path_buf();
        remove_stale_dirs();
        let dir = tempfile::Builder::new()
            .prefix("pipeline-redis-")
            .tempdir()
            .map_err(|e| {
                BrokerError::Start(format!("temporary directory: {e}"))
            })?
            .keep();
        let socket = dir.join("redis.sock");
        let child = match spawn_server(&binary, &dir, &socket) {
            Ok(child) => child,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(BrokerError::Start(format!(
                    "{}: {e}",
                    binary.display()
                )));
            }
        };
        let url = format!("redis+unix://{}", socket.display());
        let mut server = Server {
            child,
            dir,
            broker: Broker {
                url,
                private: true,
                ca_cert: None,
            },
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            // A server that exited has said why in its log: no need to wait.
            let exited = server.child.try_wait().ok().flatten();
            match Broker::at(&server.broker.url) {
                Ok(_) => return Ok(server),
                Err(error) if exited.is_some() || Instant::now() > deadline => {
                    let log = log_tail(&server.dir.join(LOG));
                    server.stop();
                    return Err(BrokerError::Start(match log {
                        Some(log) => format!("{error}; its log ends: {log}"),
                        None => error.to_string(),
                    }));
                }
                Err(_) => thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    /// The broker this server is.
    pub fn broker(&self) -> &Broker {
        &self.broker
    }

    /// Kills the server at once (`SIGKILL`), as a crash would, and removes its
    /// directory.
    pub fn stop(&mut self) {
        pipeline_core::platform::child::end_foreign(&mut self.child);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(unix)]
impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(unix)]
/// The process's own server, stopped at exit.
static PROCESS_SERVER: Mutex<Option<Server>> = Mutex::new(None);

#[cfg(unix)]
/// Stops the process's server and removes its directory (at process exit).
extern "C" fn stop_process_server() {
    let mut running = PROCESS_SERVER
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(mut server) = running.take() {
        server.stop();
    }
}

/// File descriptors a private server keeps beside its clients' (Redis
/// reserves 32 for itself, and this process needs some of its own).
const FD_MARGIN: u64 = 64;
/// Redis's own default `maxclients`, the most a private server is given.
const MAX_CLIENTS: u64 = 10_000;

/// The `maxclients` of a private server under an open-file limit of
/// `nofile` (`ulimit -n`; `None` if unknown): the limit less
/// [`FD_MARGIN`], at most Redis's default. Each connection is a file
/// descriptor in the server and one in this process, which has the same
/// limit: a server allowed more clients than that fails them with
/// "Connection reset by peer".
pub fn maxclients_for(nofile: Option<u64>) -> u64 {
    match nofile {
        Some(limit) => limit.saturating_sub(FD_MARGIN).clamp(1, MAX_CLIENTS),
        None => 4096,
    }
}

/// This process's soft limit on open files, if it has one.
#[cfg(unix)]
fn open_file_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit(2) writes the limit into the struct it is given.
    let got = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    // `rlim_t` is not 64 bits on every Unix.
    #[allow(clippy::unnecessary_cast)]
    let soft = limit.rlim_cur as u64;
    (got == 0 && limit.rlim_cur != libc::RLIM_INFINITY).then_some(soft)
}

/// Connections a run opens besides one per worker: the camera, the
/// collector, the watches and their renewals, in every process of the run.
pub const CONNECTIONS_BESIDES_WORKERS: u64 = 16;

/// Refuses, in one line, a run that needs `needed` connections to a server
/// that takes fewer clients than that (`maxclients`, less those connected
/// now); a server that does not say (`CONFIG` renamed away) is not refused.
pub fn check_room(
    conn: &mut redis::Connection,
    needed: u64,
    shown: &str,
) -> Result<(), String> {
    let Ok(config) = redis::cmd("CONFIG")
        .arg("GET")
        .arg("maxclients")
        .query::<Vec<String>>(conn)
    else {
        return Ok(());
    };
    let Some(maxclients) = config.get(1).and_then(|n| n.parse::<u64>().ok())
    else {
        return Ok(());
    };
    let info: String = redis::cmd("INFO")
        .arg("clients")
        .query(conn)
        .unwrap_or_default();
    let connected = info
        .lines()
        .find_map(|line| line.strip_prefix("connected_clients:"))
        .and_then(|n| n.trim().parse::<u64>().ok())
        .unwrap_or(1);
    // This connection is closed before the run opens its own.
    let room = maxclients.saturating_sub(connected.saturating_sub(1));
    if needed <= room {
        return Ok(());
    }
    Err(format!(
        "the run needs {needed} connections to the broker at {shown}, which \
         takes {room} more (maxclients {maxclients}, {connected} connected): \
         use fewer workers, or a server that takes more clients"
    ))
}

/// Redis has no Windows build: no private server there.
#[cfg(windows)]
fn start_private() -> Result<Broker, BrokerError> {
    Err(BrokerError::NotInstalled)
}

/// Starts the process's server from a thread that lives as long as the
/// process: Linux's parent-death signal follows the thread that started the
/// child, and a test's thread ends with its test.
#[cfg(unix)]
fn start_private() -> Result<Broker, BrokerError> {
    let (tx, rx) = std::sync::mpsc::channel();
    thread::Builder::new()
        .name("redis-server keeper".into())
        .spawn(move || {
            let started = Server::start();
            let failed = started.is_err();
            let _ = tx.send(started);
            if !failed {
                loop {
                    thread::park();
                }
            }
        })
        .map_err(|e| BrokerError::Start(format!("the keeper thread: {e}")))?;
    let server = rx
        .recv()
        .map_err(|_| BrokerError::Start("the keeper thread ended".into()))??;
    let broker = server.broker.clone();
    *PROCESS_SERVER
        .lock()
        .unwrap_or_else(PoisonError::into_inner) = Some(server);
    // SAFETY: `stop_process_server` is an `extern "C" fn()` that never unwinds
    // (it ignores every error), as `atexit` requires.
    unsafe {
        libc::atexit(stop_process_server);
    }
    Ok(broker)
}

#[cfg(unix)]
/// Removes the directories of private servers that died with their process
/// (killed, so that it never ran its exit handler): a socket nothing listens
/// on. A directory without a socket yet is a server still starting: kept.
fn remove_stale_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let ours = entry
            .file_name()
            .to_str()
            .is_some_and(|name| name.starts_with("pipeline-redis-"));
        let socket = path.join("redis.sock");
        if ours && socket.exists() {
            let refused = std::os::unix::net::UnixStream::connect(&socket)
                .is_err_and(|e| e.kind() == io::ErrorKind::ConnectionRefused);
            if refused {
                let _ = std::fs::remove_dir_all(&path);
            }
        }
    }
}

#[cfg(unix)]
/// Starts `redis-server` on `socket` only (no TCP port), with nothing saved.
fn spawn_server(binary: &Path, dir: &Path, socket: &Path) -> io::Result<Child> {
    let mut command = pipeline_core::platform::child::foreign(binary);
    command
        .arg("--port")
        .arg("0")
        .arg("--unixsocket")
        .arg(socket)
        .arg("--unixsocketperm")
        .arg("700")
        .arg("--save")
        .arg("")
        .arg("--appendonly")
        .arg("no")
        .arg("--dir")
        .arg(dir)
        // As many clients as a file descriptor each allows, in the server
        // and in this process.
        .arg("--maxclients")
        .arg(maxclients_for(open_file_limit()).to_string())
        // Its own words, where a failed start can be read from.
        .arg("--logfile")
        .arg(dir.join(LOG))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command.spawn()
}
