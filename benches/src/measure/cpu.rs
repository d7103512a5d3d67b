//! A criterion [`Measurement`] of the whole process's CPU time (user + system, every
//! thread), so a benchmark can say what a pipeline costs in CPU as well as in wall time.
//!
//! A pipeline's threads start and end inside each iteration, and `getrusage` keeps
//! the time of threads that have ended, so the difference over an iteration is the
//! CPU that iteration used, on all cores together.

use std::time::Duration;

use criterion::Throughput;
use criterion::measurement::{Measurement, ValueFormatter};
use pipeline_core::process_cpu_time;

/// Process CPU time, for `Criterion::default().with_measurement(ProcessCpuTime)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcessCpuTime;

impl Measurement for ProcessCpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        process_cpu_time()
    }

    fn end(&self, started: Duration) -> Duration {
        process_cpu_time().saturating_sub(started)
    }

    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuFormatter
    }
}

/// Formats nanoseconds of CPU as `ms cpu`, and throughput per CPU second.
struct CpuFormatter;

impl CpuFormatter {
    fn scale(typical_ns: f64) -> (f64, &'static str) {
        match typical_ns {
            ns if ns < 1e3 => (1.0, "ns cpu"),
            ns if ns < 1e6 => (1e3, "µs cpu"),
            ns if ns < 1e9 => (1e6, "ms cpu"),
            _ => (1e9, "s cpu"),
        }
    }
}

impl ValueFormatter for CpuFormatter {
    fn scale_values(&self, typical_value: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = Self::scale(typical_value);
        for value in values {
            *value /= factor;
        }
        unit
    }

    fn scale_throughputs(
        &self,
        _typical_value: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        let (per_iteration, unit) = match *throughput {
            Throughput::Elements(n) | Throughput::ElementsAndBytes { elements: n, .. } => {
                (n as f64, "elem/cpu-s")
            }
            Throughput::Bytes(n) | Throughput::BytesDecimal(n) => (n as f64, "B/cpu-s"),
            Throughput::Bits(n) => (n as f64, "b/cpu-s"),
        };
        for value in values {
            *value = per_iteration * 1e9 / *value;
        }
        unit
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_grows_with_work() {
        let m = ProcessCpuTime;
        let start = m.start();
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = std::hint::black_box(x.wrapping_add(i));
        }
        let used = m.end(start);
        assert!(used > Duration::ZERO, "{x}");
        let mut values = [m.to_f64(&used)];
        let unit = CpuFormatter.scale_values(values[0], &mut values);
        assert!(unit.ends_with("cpu"));
    }
}
