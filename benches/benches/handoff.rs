//! Criterion benchmarks: every pipeline on the scenarios that suit repeated timing,
//! shortened so that all of them take a few minutes, measured twice: in wall time
//! and in process CPU time. On `throughput` each pipeline is timed next to its bare
//! twin (the same hand-offs, no probes), so the instrumentation's cost shows.
//!
//! `PIPELINE_BENCH_QUICK=1` runs fewer items and shorter measurements.

use std::hint::black_box;

use criterion::measurement::{Measurement, WallTime};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use pipeline_bench::bare;
use pipeline_bench::cpu::ProcessCpuTime;
use pipeline_bench::plan::Plan;
use pipeline_bench::variant::Variant;
use pipeline_core::{Config, Scenario};

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

/// Every pipeline (and its bare twin on `throughput`) on every benchmarked scenario,
/// in the measurement `c` was built with (`what` names it in the benchmark ids).
fn pipelines<M: Measurement>(c: &mut Criterion<M>, what: &str) {
    let plan = plan();
    let scenarios = [
        Scenario::THROUGHPUT,
        Scenario::CAMERA,
        Scenario::FANOUT,
        Scenario::PACED,
    ];
    for scenario in scenarios {
        let items = plan.criterion_items(&scenario);
        for config in scenario.configs() {
            let config = Config { items, ..config };
            let name = match config.capacity {
                None => scenario.name.to_string(),
                Some(n) => format!("{}-bounded-{n}", scenario.name),
            };
            let mut group = c.benchmark_group(format!("{name}/{what}"));
            group.sampling_mode(SamplingMode::Flat);
            group.throughput(Throughput::Elements(items));
            for variant in Variant::ALL {
                // On a full bounded queue the sleeping poller naps 10 ms per retry: its
                // wall time there is its naps, and one run takes seconds. The report
                // bench runs it; here it would only stretch the benchmarks.
                if variant == Variant::PollingSleep
                    && scenario.name == Scenario::THROUGHPUT.name
                    && config.capacity.is_some()
                {
                    continue;
                }
                let config = variant.config(&config);
                let backend = variant.backend();
                group.bench_function(variant.id(), |b| {
                    b.iter(|| black_box(backend.run(&config).expect("the pipeline runs")));
                });
                if scenario.name == Scenario::THROUGHPUT.name {
                    group.bench_function(format!("{}-bare", variant.id()), |b| {
                        b.iter(|| black_box(bare::run(variant, &config)));
                    });
                }
            }
            group.finish();
        }
    }
}

fn wall(c: &mut Criterion<WallTime>) {
    pipelines(c, "wall");
}

fn cpu(c: &mut Criterion<ProcessCpuTime>) {
    pipelines(c, "cpu");
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
