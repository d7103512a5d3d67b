//! Whether a run's frames fit in memory, checked before any thread starts.
//!
//! An unbounded pipeline whose download stage is faster than its resize stage
//! piles frames up in the resize queue: 1000 frames of 4096x4096 are 47 GiB. Rather
//! than let the allocator abort the process halfway, a config whose frames may
//! need more memory than the machine has is refused with the estimate.

use crate::config::Config;
use crate::error::ConfigError;

/// The bytes of one RGB frame of `width` × `height`.
pub fn frame_bytes(width: u32, height: u32) -> u64 {
    u64::from(width) * u64::from(height) * 3
}

/// The most frames a run of `config` may hold at once: every item when the queues
/// are unbounded, else the resize queue's bound plus one frame per download and
/// resize worker. `None` when the items carry no frames.
pub fn frames_held(config: &Config) -> Option<u64> {
    config.frame?;
    let held = match config.capacity {
        None => config.items,
        Some(capacity) => {
            let workers = (config.workers[0] + config.workers[1]) as u64;
            config.items.min(capacity as u64 + workers + 1)
        }
    };
    Some(held)
}

/// Refuses `config` if its frames may need more than `available` bytes.
pub fn check(config: &Config, available: u64) -> Result<(), ConfigError> {
    let (Some((width, height)), Some(frames)) = (config.frame, frames_held(config)) else {
        return Ok(());
    };
    let frame_bytes = frame_bytes(width, height);
    if frame_bytes.saturating_mul(frames) <= available {
        return Ok(());
    }
    let (what, advice) = match config.capacity {
        None => ("unbounded queues", "bound the queues or use smaller frames"),
        Some(_) => (
            "the queues and workers",
            "use a smaller bound, fewer workers or smaller frames",
        ),
    };
    Err(ConfigError::DoesNotFit {
        what,
        frames,
        frame_bytes,
        available,
        advice,
    })
}

/// Refuses `config` if its frames may need more memory than this machine has
/// available (see [`available_memory`]); accepts it when that cannot be read.
pub fn check_this_machine(config: &Config) -> Result<(), ConfigError> {
    match (config.frame, available_memory()) {
        (Some(_), Some(available)) => check(config, available),
        _ => Ok(()),
    }
}

/// The memory this process may still use, in bytes: the least of the kernel's
/// estimate of available memory, what the cgroup's limit leaves, and the address
/// space limit. `None` when none of them can be read.
pub fn available_memory() -> Option<u64> {
    let read = |path: &str| std::fs::read_to_string(path).ok();
    let meminfo = read("/proc/meminfo").and_then(|text| {
        text.lines()
            .find_map(|line| line.strip_prefix("MemAvailable:"))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .map(|kib| kib * 1024)
    });
    let cgroup = read("/sys/fs/cgroup/memory.max")
        .and_then(|max| max.trim().parse::<u64>().ok())
        .map(|max| {
            let current = read("/sys/fs/cgroup/memory.current")
                .and_then(|c| c.trim().parse::<u64>().ok())
                .unwrap_or(0);
            max.saturating_sub(current)
        });
    let address_space = {
        // Safety: an all-zero rlimit is a valid value of this plain C struct.
        let mut limit: libc::rlimit = unsafe { std::mem::zeroed() };
        // Safety: `limit` is a valid, writable rlimit.
        let rc = unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut limit) };
        (rc == 0 && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur)
    };
    [meminfo, cgroup, address_space].into_iter().flatten().min()
}

/// A size in the binary unit that suits it, with two or three figures: `48 MiB`,
/// `4.5 GiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value >= 10.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(items: u64, frame: (u32, u32), capacity: Option<usize>) -> Config {
        Config {
            items,
            frame: Some(frame),
            capacity,
            ..Config::default()
        }
    }

    #[test]
    fn unbounded_big_frames_are_refused_with_the_estimate() {
        let message = check(&config(1000, (4096, 4096), None), 23 << 30)
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "unbounded queues may hold up to 1000 frames of 48 MiB = 47 GiB; \
             this machine has 23 GiB available: bound the queues or use smaller frames"
        );
    }

    #[test]
    fn bounded_queues_hold_few_frames() {
        check(&config(1000, (4096, 4096), Some(8)), 23 << 30).unwrap();
        assert_eq!(frames_held(&config(1000, (64, 48), Some(8))), Some(11));
        assert_eq!(frames_held(&Config::default()), None);
        check(&Config::default(), 0).unwrap();
    }

    #[test]
    fn this_machine_has_some_memory() {
        assert!(available_memory().is_some_and(|bytes| bytes > 0));
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(3 << 29), "1.5 GiB");
    }
}
