//! Whether a run's frames fit in memory, checked before any thread starts.
//!
//! An unbounded pipeline whose download stage is faster than its resize stage
//! piles frames up in the resize queue: 1000 frames of 4096x4096 are 47 GiB. Rather
//! than let the allocator abort the process halfway, a config whose frames may
//! need more memory than the machine has is refused with the estimate.

use nix::sys::resource::{RLIM_INFINITY, Resource, getrlimit};

use crate::config::{Config, ConfigError};

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
    let address_space = getrlimit(Resource::RLIMIT_AS)
        .ok()
        .map(|(soft, _hard)| soft)
        .filter(|&soft| soft != RLIM_INFINITY);
    [meminfo, cgroup, address_space].into_iter().flatten().min()
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
    }
}
