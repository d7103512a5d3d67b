//! Criterion benchmarks: every pipeline on the scenarios that suit repeated timing,
//! shortened so that all of them take well under a minute. `throughput` is timed in
//! wall time, each pipeline next to its bare twin (the same hand-offs, no probes),
//! so the instrumentation's cost shows, and in process CPU time; `paced` in CPU
//! time only, as its wall time is its camera's interval.
//!
//! `probe-events` times one item's probe events alone (poll, got, work, put), with
//! the counting probe on a stage that is timed (it does work) and on one that is
//! not, and with the no-op one, on one thread: their cost per item and stage with
//! no queue and no other core involved.
//!
//! The pipelines with a broker are left to the report bench (see [`pipelines`]).
//!
//! `PIPELINE_BENCH_QUICK=1` runs fewer items and shorter measurements.

use std::hint::black_box;

use criterion::measurement::{Measurement, WallTime};
use criterion::{
    BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use pipeline_bench::measure::bare;
use pipeline_bench::measure::cpu::ProcessCpuTime;
use pipeline_bench::measure::plan::Plan;
use pipeline_registry::{ALL, POLLING_SLEEP};
use std::time::Instant;

use pipeline_core::{
    Bare, Config, Counting, Job, Probe, Probes, Probing, Scenario, Stage, StageError,
};

fn plan() -> Plan {
    Plan::from_env_and_args::<&str>(&[])
}

/// Criterion set up for long iterations: ten samples, each of one or a few runs.
fn criterion<M: Measurement>(measurement: M) -> Criterion<M> {
    let plan = plan();
    Criterion::default()
        .with_measurement(measurement)
        .sample_size(10)
        .warm_up_time(plan.warm_up_time())
        .measurement_time(plan.measurement_time())
        .nresamples(plan.resamples())
        .without_plots()
}

/// Every pipeline on each of `scenarios` (and its bare twin on `throughput`, if
/// `twins`), in the measurement `c` was built with (`what` names it in the
/// benchmark ids).
fn pipelines<M: Measurement>(
    c: &mut Criterion<M>,
    what: &str,
    scenarios: &[Scenario],
    twins: bool,
) {
    let plan = plan();
    for scenario in scenarios {
        let items = plan.criterion_items(scenario);
        for config in scenario.configs() {
            let config = Config { items, ..config };
            let name = match config.capacity {
                None => scenario.name.to_string(),
                Some(n) => format!("{}-bounded-{n}", scenario.name),
            };
            let mut group = c.benchmark_group(format!("{name}/{what}"));
            group.sampling_mode(SamplingMode::Flat);
            group.throughput(Throughput::Elements(items));
            for &pipeline in ALL {
                // On a full bounded queue the sleeping poller naps 10 ms per retry: its
                // wall time there is its naps, and one run takes seconds. The report
                // bench runs it; here it would only stretch the benchmarks.
                if pipeline == POLLING_SLEEP
                    && scenario.name == Scenario::THROUGHPUT.name
                    && config.capacity.is_some()
                {
                    continue;
                }
                // A pipeline that runs another's code here (the offloaded tasks on
                // items without pixels) would time that code twice.
                if pipeline.runs_as(&config).is_some() {
                    continue;
                }
                // A broker's round trips take tens of µs an item: criterion's ten
                // samples of each case, warm-up included, would add minutes to
                // `cargo bench`. The report bench measures it, a run per config,
                // and its hop alone.
                if pipeline.backend.broker.is_some() {
                    continue;
                }
                let config = pipeline.config(&config);
                let backend = pipeline.backend;
                group.bench_function(pipeline.id, |b| {
                    b.iter(|| black_box(backend.run(&config).expect("the pipeline runs")));
                });
                if twins && scenario.name == Scenario::THROUGHPUT.name {
                    group.bench_function(format!("{}-bare", pipeline.id), |b| {
                        b.iter(|| black_box(bare::run(pipeline, &config)));
                    });
                }
            }
            group.finish();
        }
    }
}

/// One item through a worker's probe events, around a stage that does nothing.
fn events(probe: &impl Probe, entered: Instant, id: u64) -> Option<Job<u64>> {
    if probe.stopped() {
        return None;
    }
    probe.poll();
    probe.got();
    let job = Job::new(id, entered, id);
    let out = probe.work(job, |x| Ok::<u64, StageError>(black_box(x)));
    probe.put();
    out
}

/// Times [`events`] on `probe`, one new item id per iteration.
fn bench_events(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    probe: &impl Probe,
    entered: Instant,
) {
    group.bench_function(name, |b| {
        let mut id = 0u64;
        b.iter(|| {
            id += 1;
            black_box(events(probe, entered, id))
        });
    });
}

/// The probe events alone, counting and bare.
fn probe_events(c: &mut Criterion<WallTime>) {
    // A stage that does work is timed (two clock reads per item); one that only
    // hands items over, as on `throughput`, is not.
    let working = Config {
        resize_ms: 1.0,
        ..Scenario::THROUGHPUT.config()
    };
    let probes = Probes::new(&Scenario::THROUGHPUT.config());
    let timed_probes = Probes::new(&working);
    let entered = Instant::now();
    let mut group = c.benchmark_group("probe-events");
    group.throughput(Throughput::Elements(1));
    let timed = Counting::worker_probe(&timed_probes, Stage::Resize, 0);
    bench_events(&mut group, "counting-timed", &timed, entered);
    let counting = Counting::worker_probe(&probes, Stage::Resize, 0);
    bench_events(&mut group, "counting", &counting, entered);
    let bare = Bare::worker_probe(&probes, Stage::Resize, 0);
    bench_events(&mut group, "bare", &bare, entered);
    group.finish();
}

// `camera`, `fanout` and `paced` are timed by the report bench alone: their wall
// time is their stages' waits or their camera's interval, which repeated timing only
// repeats. What `paced` costs in CPU, while its workers wait, is measured here.
fn wall(c: &mut Criterion<WallTime>) {
    probe_events(c);
    pipelines(c, "wall", &[Scenario::THROUGHPUT], true);
}

fn cpu(c: &mut Criterion<ProcessCpuTime>) {
    pipelines(c, "cpu", &[Scenario::THROUGHPUT, Scenario::PACED], false);
}

criterion_group! {
    name = wall_time;
    config = criterion(WallTime);
    targets = wall
}

criterion_group! {
    name = cpu_time;
    config = criterion(ProcessCpuTime);
    targets = cpu
}

criterion_main!(wall_time, cpu_time);
