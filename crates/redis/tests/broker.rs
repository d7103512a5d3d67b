//! The endings only a broker has: one that is not there, one that dies in the
//! middle of a run, and a run's keys removed when it ends.

use std::sync::Arc;
#[cfg(unix)]
use std::thread;
use std::time::Duration;

use pipeline_core::testkit::within;
use pipeline_core::{BrokerUrl, OnBroker, Role};
use pipeline_core::{
    Config, ConfigError, PipelineError, Probes, Scenario, Stage,
};
use pipeline_redis::server;
#[cfg(unix)]
use pipeline_redis::server::Server;
use pipeline_redis::{BACKEND, Broker};

/// Far longer than any of these runs takes on a loaded machine, far shorter
/// than a hang.
const WATCHDOG: Duration = Duration::from_secs(60);

/// `config` on `broker`, in the role `role`.
fn on(broker: &Broker, role: Role, config: Config) -> Config {
    Config {
        broker: Some(OnBroker {
            url: Some(BrokerUrl::new(broker.url.clone())),
            role,
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

#[test]
fn a_broker_that_does_not_answer_is_refused_before_any_thread_starts() {
    // Port 1 on loopback: nothing listens there.
    let nowhere = Broker {
        url: "redis://127.0.0.1:1".into(),
        private: false,
        ca_cert: None,
    };
    let probes = Arc::new(Probes::new(&config(10)));
    let theirs = Arc::clone(&probes);
    let outcome = within("a run on no broker", WATCHDOG, move || {
        BACKEND.run_with(&on(&nowhere, Role::Whole, config(10)), theirs)
    });
    match outcome {
        Err(PipelineError::Config(ConfigError::Broker(message))) => {
            assert!(message.contains("redis://127.0.0.1:1"), "{message}");
            assert!(!message.contains('\n'), "one line: {message}");
        }
        other => panic!("a run on no broker gave {other:?}"),
    }
    assert_eq!(
        probes.input_of(Stage::Download).puts(),
        0,
        "no item was put"
    );
    for stage in Stage::ALL {
        assert_eq!(probes.got_by(stage), 0, "no worker took an item");
    }
}

#[test]
fn a_bad_url_or_a_closed_port_is_one_line_naming_the_broker() {
    for url in ["not a url", "redis://127.0.0.1:1"] {
        let error = Broker::at(url).expect_err(url).to_string();
        assert!(error.contains(url), "{error}");
        assert!(!error.contains('\n'), "{error}");
    }
}

/// A private server: Unix only (Redis has no Windows build).
#[cfg(unix)]
#[test]
fn a_server_killed_mid_run_ends_it_within_seconds_with_what_was_done() {
    if !server::available_for_tests() {
        return;
    }
    let mut server = Server::start().expect("a private server starts");
    let broker = server.broker().clone();
    let config = Config {
        resize_ms: 1.0,
        ..config(5_000)
    };
    let probes = Arc::new(Probes::new(&config));
    let watched = Arc::clone(&probes);
    let outcome = within("a run whose broker is killed", WATCHDOG, move || {
        let run = thread::spawn(move || {
            BACKEND.run_with(&on(&broker, Role::Whole, config), watched)
        });
        while probes.got_by(Stage::Upload) < 20 && !run.is_finished() {
            thread::sleep(Duration::from_millis(5));
        }
        server.stop();
        run.join().expect("the run's thread ends")
    });
    match outcome {
        Err(PipelineError::BrokerLost {
            broker,
            reason,
            report,
        }) => {
            assert!(broker.starts_with("redis+unix://"), "{broker}");
            assert!(!reason.is_empty());
            assert_eq!(report.outcome, "stopped: lost the broker");
            assert!(
                report.items_out >= 1,
                "the receipts before the kill count"
            );
            assert!(report.items_out < 5_000);
            assert_eq!(
                report.items_out + report.failed + report.unfinished,
                report.items_in,
                "every item put is out, failed or unfinished"
            );
        }
        other => panic!("a run whose broker died gave {other:?}"),
    }
}

#[cfg(unix)]
#[test]
fn a_run_leaves_no_key_behind() {
    if !server::available_for_tests() {
        return;
    }
    let server = Server::start().expect("a private server starts");
    let broker = server.broker().clone();
    for capacity in [None, Some(4)] {
        let config = Config {
            capacity,
            workers: [2, 3, 2],
            ..config(300)
        };
        let report = BACKEND
            .run(&on(&broker, Role::Whole, config.clone()))
            .unwrap();
        assert_eq!(report.items_out, 300);
        assert_eq!(report.duplicates, 0);
    }
    let mut conn = broker.client().unwrap().get_connection().unwrap();
    let size: u64 = redis::cmd("DBSIZE").query(&mut conn).unwrap();
    assert_eq!(
        size, 0,
        "every stream, group, slot list and flag was removed"
    );
}

/// What a fake server on loopback does with each command it reads.
#[derive(Clone, Copy)]
enum Fake {
    /// Answers as Redis `version` would: `PING`, `INFO server`, `+OK` to the rest.
    Redis(&'static str),
    /// Answers the first command, then nothing more (and keeps the connection).
    AnswersThenStalls,
}

/// A fake server on a loopback port, serving each connection on a thread of its
/// own for as long as the test process lives; gives its URL.
fn fake_server(fake: Fake) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                let mut answered = 0;
                loop {
                    // One command: `*N` then N bulk strings (`$len`, the bytes).
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let count: usize = line
                        .trim_start_matches('*')
                        .trim()
                        .parse()
                        .unwrap_or(0);
                    let mut words = Vec::new();
                    for _ in 0..count {
                        let mut len = String::new();
                        reader.read_line(&mut len).unwrap();
                        let mut word = String::new();
                        reader.read_line(&mut word).unwrap();
                        words.push(word.trim_end().to_ascii_uppercase());
                    }
                    let reply = match fake {
                        Fake::AnswersThenStalls if answered > 0 => {
                            std::thread::sleep(Duration::from_secs(3600));
                            return;
                        }
                        Fake::AnswersThenStalls => "+PONG\r\n".to_string(),
                        Fake::Redis(_)
                            if words.first().is_some_and(|w| w == "PING") =>
                        {
                            "+PONG\r\n".to_string()
                        }
                        Fake::Redis(version)
                            if words.first().is_some_and(|w| w == "INFO") =>
                        {
                            let info = format!(
                                "# Server\r\nredis_version:{version}\r\n"
                            );
                            format!("${}\r\n{info}\r\n", info.len())
                        }
                        Fake::Redis(_) => "+OK\r\n".to_string(),
                    };
                    answered += 1;
                    if writer.write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("redis://127.0.0.1:{port}")
}

/// A server older than the pipeline needs is refused in one line naming its
/// version and the one needed, before anything runs; a new enough one passes
/// the check.
#[test]
fn an_old_redis_is_refused_in_one_line() {
    for old in ["6.0.16", "6.2.14"] {
        let url = fake_server(Fake::Redis(old));
        let error =
            within("an old server's check", WATCHDOG, move || Broker::at(&url))
                .expect_err("refused");
        let message = error.to_string();
        assert!(message.contains(&format!("is Redis {old}")), "{message}");
        assert!(message.contains("needs Redis 7.0 or newer"), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }
    let url = fake_server(Fake::Redis("7.2.4"));
    within("a new server's check", WATCHDOG, move || Broker::at(&url))
        .expect("accepted");
}

/// A server that answers the handshake and then nothing more is refused within
/// seconds, not waited for.
#[test]
fn a_server_that_stalls_after_the_handshake_is_refused() {
    let url = fake_server(Fake::AnswersThenStalls);
    let error = within("a stalled server's check", WATCHDOG, move || {
        Broker::at(&url)
    })
    .expect_err("refused");
    assert!(
        matches!(error, server::BrokerError::Unreachable { .. }),
        "{error}"
    );
}

/// A password is never shown: not in an error, not in a URL printed.
#[test]
fn a_password_is_never_printed() {
    use pipeline_redis::server::redacted;
    assert_eq!(
        redacted("redis://:s3cr3t-PW@127.0.0.1:6391/0"),
        "redis://:***@127.0.0.1:6391/0"
    );
    assert_eq!(
        redacted("rediss://ops:s3cr3t-PW@cache.example:6380"),
        "rediss://ops:***@cache.example:6380"
    );
    assert_eq!(redacted("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
    assert_eq!(
        redacted("redis+unix:///tmp/x/redis.sock"),
        "redis+unix:///tmp/x/redis.sock"
    );
    // Port 1: nothing listens; the error names the broker, not its password.
    let error = Broker::at("redis://:s3cr3t-PW@127.0.0.1:1")
        .expect_err("nothing there")
        .to_string();
    assert!(!error.contains("s3cr3t"), "{error}");
    assert!(error.contains("redis://:***@127.0.0.1:1"), "{error}");
}

/// A worker whose work takes longer than the claim's idle time keeps its entry:
/// it is touched while worked on, so the stage's other worker takes nothing
/// from it, and nothing is done twice.
#[test]
fn a_slow_live_worker_keeps_its_entry() {
    if !server::available_for_tests() {
        return;
    }
    let config = Config {
        items: 4,
        workers: [1, 2, 1],
        resize_ms: 2_600.0,
        ..Scenario::BOOK.config()
    };
    let report =
        within("a slow resize", WATCHDOG, move || BACKEND.run(&config))
            .expect("the run completes");
    assert_eq!(report.items_out, 4);
    assert_eq!(report.duplicates, 0);
    for stage in &report.stages {
        assert_eq!(stage.redelivered, 0, "{}: {report:?}", stage.name);
    }
}

/// A stage process that keeps failing (here a program that exits 1 at once,
/// in place of `lab worker`) is started again a few times, then the run stops
/// with an error that names the process and how it ended: not a thread the
/// system refused.
#[cfg(unix)]
#[test]
fn a_stage_process_that_keeps_failing_stops_the_run_and_says_how() {
    if !server::available_for_tests() {
        return;
    }
    let spawn = pipeline_redis::processes::Spawn {
        program: "/bin/false".into(),
        args: Vec::new(),
        kill: None,
        announce: |_| {},
    };
    let config = config(20);
    let outcome = within("a failing stage process", WATCHDOG, move || {
        BACKEND.run(&Config {
            broker: Some(OnBroker {
                url: None,
                role: Role::Coordinator(spawn),
            }),
            ..config
        })
    });
    match outcome {
        Err(PipelineError::ProcessFailed {
            process,
            reason,
            report,
        }) => {
            assert_eq!(process, "the download process");
            assert!(reason.contains("exit code 1"), "{reason}");
            assert!(report.outcome.stopped(), "{}", report.outcome);
            assert_eq!(
                report.items_in,
                report.items_out + report.failed + report.unfinished
            );
            let message = PipelineError::ProcessFailed {
                process,
                reason,
                report,
            }
            .to_string();
            assert!(!message.contains("fewer workers"), "{message}");
        }
        other => panic!("a failing stage process gave {other:?}"),
    }
}

/// A server that fails to start is refused at once with the last line of its
/// log, not after a wait with a generic message; and the next run tries again.
#[cfg(unix)]
#[test]
fn a_server_that_fails_to_start_says_why_from_its_log() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("redis-server");
    std::fs::write(
        &fake,
        "#!/bin/sh\n\
         while [ $# -gt 0 ]; do [ \"$1\" = --logfile ] && log=\"$2\"; shift; done\n\
         echo \"1:M 07 Dec 2026 16:00:00.000 # Fatal error, can't open the socket\" > \"$log\"\n\
         exit 1\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755))
        .unwrap();
    let error = within("a server that fails", WATCHDOG, move || {
        Server::start_binary(&fake).expect_err("it fails")
    });
    let message = error.to_string();
    assert!(
        message.contains("Fatal error, can't open the socket"),
        "{message}"
    );
    assert!(!message.contains('\n'), "{message}");
}

/// A stage of thousands of idle readers, each asking the server every block,
/// would keep it answering polls and never end: refused in one line before any
/// thread starts, in a stage process as in a whole run.
#[test]
fn a_stage_of_more_readers_than_the_broker_can_answer_is_refused() {
    if !server::available_for_tests() {
        return;
    }
    let crowd = Config {
        workers: [1, pipeline_redis::MOST_READERS + 1, 1],
        ..config(10)
    };
    let outcome =
        within("a crowd of readers", WATCHDOG, move || BACKEND.run(&crowd));
    match outcome {
        Err(PipelineError::Config(ConfigError::Broker(message))) => {
            assert!(
                message.contains("1001 workers of the resize stage"),
                "{message}"
            );
            assert!(!message.contains('\n'), "{message}");
        }
        other => panic!("a crowd of readers gave {other:?}"),
    }
    let fits = Config {
        workers: [1, pipeline_redis::MOST_READERS, 1],
        ..config(10)
    };
    let report =
        within("a thousand readers", WATCHDOG, move || BACKEND.run(&fits));
    assert_eq!(report.unwrap().items_out, 10);
}
