//! The endings only a broker has: one that is not there, one that dies in the
//! middle of a run, and a run's keys removed when it ends.

use std::sync::Arc;
#[cfg(unix)]
use std::thread;
use std::time::Duration;

use pipeline_core::testkit::within;
use pipeline_core::{
    Config, ConfigError, PipelineError, Probes, Scenario, Stage,
};
#[cfg(unix)]
use pipeline_redis::server::{self, Server};
use pipeline_redis::{BACKEND, Broker, on_broker};

/// Far longer than any of these runs takes on a loaded machine, far shorter
/// than a hang.
const WATCHDOG: Duration = Duration::from_secs(60);

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
    };
    let probes = Arc::new(Probes::new(&config(10)));
    let theirs = Arc::clone(&probes);
    let outcome = within("a run on no broker", WATCHDOG, move || {
        on_broker(&nowhere, || BACKEND.run_with(&config(10), theirs))
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
            on_broker(&broker, || BACKEND.run_with(&config, watched))
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
        let report = on_broker(&broker, || BACKEND.run(&config)).unwrap();
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
