//! How big a bench run is: the full run for the committed reports, or the quick one
//! (`PIPELINE_BENCH_QUICK=1`) for CI and for trying things out. Both take the same
//! code path; quick mode only runs fewer items and samples.

use std::path::PathBuf;
use std::time::Duration;

use pipeline_core::Scenario;

/// The environment variable that selects quick mode (any value but empty or `0`).
pub const QUICK_ENV: &str = "PIPELINE_BENCH_QUICK";
/// The environment variable that sends the report bench's files elsewhere than `reports/`.
pub const OUT_ENV: &str = "PIPELINE_BENCH_OUT";

/// The environment variable that keeps only the cases of one scenario (`hop`: the
/// hops alone), for a short run whose other tables stay empty.
pub const ONLY_ENV: &str = "PIPELINE_BENCH_ONLY";

/// Items per run of the report bench in quick mode, where fewer than the preset's.
const QUICK_REPORT_ITEMS: [(Scenario, u64); 6] = [
    (Scenario::CAMERA, 200),
    (Scenario::FANOUT, 400),
    (Scenario::BOTTLENECK, 200),
    (Scenario::PACED, 1000),
    (Scenario::THROUGHPUT, 200_000),
    (Scenario::CPU, 400),
];

/// Items per run of the report bench for a pipeline whose queues live in a broker,
/// full and quick, where its round trips (tens of µs an item) would make the
/// preset's count take minutes; its rows say how many items they ran.
const BROKER_REPORT_ITEMS: [(Scenario, u64, u64); 1] = [(Scenario::THROUGHPUT, 10_000, 2_500)];

/// Items per hop ([`crate::measure::hop`]), full and quick: through an
/// in-process channel, and through the broker one at a time (its batched hop
/// puts [`crate::measure::hop::BATCHED_MORE`] times as many).
const HOP_ITEMS: [(bool, u64, u64); 2] = [(false, 1_000_000, 200_000), (true, 5_000, 1_000)];

/// Items per iteration of the criterion benches, full and quick (shortened
/// scenarios); the others run their preset, a tenth of it when quick.
const CRITERION_ITEMS: [(Scenario, u64, u64); 3] = [
    (Scenario::THROUGHPUT, 100_000, 20_000),
    (Scenario::PACED, 150, 100),
    (Scenario::CPU, 200, 40),
];

/// The size of a bench run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Fewer items, repeats and samples: the whole `cargo bench` in about a minute.
    pub quick: bool,
}

impl Plan {
    /// Quick when `PIPELINE_BENCH_QUICK` is set (to anything but empty or `0`) or
    /// when `args` hold `--quick`.
    pub fn from_env_and_args<S: AsRef<str>>(args: &[S]) -> Plan {
        let env = std::env::var(QUICK_ENV).is_ok_and(|v| !v.is_empty() && v != "0");
        let flag = args.iter().any(|a| a.as_ref() == "--quick");
        Plan { quick: env || flag }
    }

    /// The scenario whose cases alone run, when [`ONLY_ENV`] names one.
    pub fn only() -> Option<String> {
        std::env::var(ONLY_ENV).ok().filter(|v| !v.is_empty())
    }

    /// `"quick"` or `"full"`.
    pub fn name(&self) -> &'static str {
        if self.quick { "quick" } else { "full" }
    }

    /// Items per run of `scenario` in the report bench: the preset's, or fewer when quick.
    pub fn report_items(&self, scenario: &Scenario) -> u64 {
        let preset = scenario.config().items;
        if !self.quick {
            return preset;
        }
        QUICK_REPORT_ITEMS
            .iter()
            .find(|(s, _)| s.name == scenario.name)
            .map_or(preset, |&(_, items)| items)
    }

    /// Items per run of `scenario` in the report bench for a pipeline whose queues
    /// live in a broker: [`Plan::report_items`], or fewer where its round trips
    /// would take too long.
    pub fn broker_items(&self, scenario: &Scenario) -> u64 {
        let items = self.report_items(scenario);
        BROKER_REPORT_ITEMS
            .iter()
            .find(|(s, ..)| s.name == scenario.name)
            .map_or(items, |&(_, full, quick)| {
                items.min(if self.quick { quick } else { full })
            })
    }

    /// Items per hop through an in-process channel, or through the broker one at
    /// a time (`broker`).
    pub fn hop_items(&self, broker: bool) -> u64 {
        let &(_, full, quick) = HOP_ITEMS
            .iter()
            .find(|(b, ..)| *b == broker)
            .expect("both kinds of hop are listed");
        if self.quick { quick } else { full }
    }

    /// How many times each `throughput` case runs (five in either mode, the fewest that
    /// give an overhead verdict), instrumented and bare in turn, each in its own
    /// process, for the instrumentation-overhead ratio (the median and the spread are
    /// reported). The sleeping poller runs once: its time is its naps.
    pub fn throughput_repeats(&self) -> u32 {
        5
    }

    /// The item counts of the peak-heap sweep (one blocking backend, unbounded vs bounded).
    pub fn sweep_items(&self) -> &'static [u64] {
        if self.quick {
            &[50, 100, 200]
        } else {
            &[100, 200, 400]
        }
    }

    /// How many sleeps of each length the timer-overshoot measurement times.
    pub fn sleep_samples(&self) -> u32 {
        if self.quick { 50 } else { 200 }
    }

    /// Items per iteration of `scenario` in the criterion benches (shortened scenarios).
    pub fn criterion_items(&self, scenario: &Scenario) -> u64 {
        let preset = scenario.config().items;
        let (full, quick) = CRITERION_ITEMS
            .iter()
            .find(|(s, ..)| s.name == scenario.name)
            .map_or((preset, preset / 10), |&(_, full, quick)| (full, quick));
        if self.quick { quick } else { full }
    }

    /// Criterion's warm-up time per benchmark.
    pub fn warm_up_time(&self) -> Duration {
        Duration::from_millis(50)
    }

    /// Criterion's measurement time per benchmark (long iterations take one per sample).
    pub fn measurement_time(&self) -> Duration {
        Duration::from_millis(if self.quick { 100 } else { 200 })
    }

    /// Criterion's bootstrap resamples (its analysis runs on one thread here).
    pub fn resamples(&self) -> usize {
        if self.quick { 5_000 } else { 10_000 }
    }
}

/// Where the report bench writes: `--out DIR` in `args`, else `PIPELINE_BENCH_OUT`,
/// else `None` (the workspace's `reports/`). An empty directory, given either way,
/// is refused: taken as unset it would overwrite the committed `reports/`.
pub fn out_override<S: AsRef<str>>(args: &[S]) -> Result<Option<PathBuf>, String> {
    let flag = args
        .iter()
        .position(|a| a.as_ref() == "--out")
        .map(|i| args.get(i + 1).map_or("", |dir| dir.as_ref()).into());
    let dir = flag.or_else(|| std::env::var_os(OUT_ENV));
    match dir {
        Some(dir) if dir.is_empty() => Err(format!(
            "{OUT_ENV} (or --out) is empty: give a directory, or unset it to write target/reports/"
        )),
        dir => Ok(dir.map(PathBuf::from)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_runs_fewer_items_of_every_long_scenario() {
        let (full, quick) = (Plan { quick: false }, Plan { quick: true });
        for scenario in Scenario::ALL {
            assert_eq!(full.report_items(&scenario), scenario.config().items);
            assert!(quick.report_items(&scenario) <= full.report_items(&scenario));
            assert!(quick.criterion_items(&scenario) < full.criterion_items(&scenario));
        }
    }

    #[test]
    fn the_broker_runs_fewer_items_only_where_it_would_take_too_long() {
        for plan in [Plan { quick: false }, Plan { quick: true }] {
            for scenario in Scenario::ALL {
                let (all, broker) = (plan.report_items(&scenario), plan.broker_items(&scenario));
                assert!(broker <= all, "{}", scenario.name);
                let scaled = scenario.name == Scenario::THROUGHPUT.name;
                assert_eq!(broker < all, scaled, "{} ({})", scenario.name, plan.name());
            }
            assert!(plan.hop_items(true) < plan.hop_items(false));
        }
        assert_eq!(
            Plan { quick: false }.broker_items(&Scenario::THROUGHPUT),
            10_000
        );
    }

    #[test]
    fn the_out_flag_wins_over_the_environment() {
        let args = ["--bench", "--out", "/tmp/x"];
        assert_eq!(out_override(&args), Ok(Some(PathBuf::from("/tmp/x"))));
    }

    #[test]
    fn an_empty_output_directory_is_refused() {
        assert!(out_override(&["--out", ""]).is_err());
        assert!(out_override(&["--out"]).is_err());
    }
}
