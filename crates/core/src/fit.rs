//! Whether a run's frames fit in memory, checked before any thread starts.
//!
//! An unbounded pipeline whose download stage is faster than its resize stage
//! piles frames up in the resize queue: 1000 frames of 4096x4096 are 47 GiB. Rather
//! than let the allocator fail halfway, a config whose frames may need more memory
//! than the process can have is refused with the estimate.
//!
//! The estimate counts what the run really holds at worst: every frame in flight
//! (the resize queue's bound, one per download worker, and per resize worker the
//! frame and the downscale's working copy), the thumbnails behind them, each
//! thread's stack, and the allocator's overhead. It is checked against the least of
//! the machine's available memory (and the cgroup's limit) and, when `ulimit -v`
//! set one, what the address-space limit leaves.
//!
//! A pipeline that gives every worker a thread meets a second wall: the threads the
//! operating system will give. A config whose threads would pass the tightest of the
//! kernel's limits ([`thread_limits`]) is refused before the first one starts, with
//! that limit named, rather than failing halfway through starting its workers.

use crate::config::{Config, ConfigError};

pub use crate::platform::{
    ARENA_BYTES, ThreadLimit, address_space_left, available_memory, thread_limits,
};

/// The address space a thread's stack takes: Rust's default for a spawned thread.
pub const STACK_BYTES: u64 = 2 << 20;

/// The address space a thread takes besides its stack, rounded up: the guard
/// page below the stack, the signal stack Rust's runtime gives every thread
/// with its guard page, and the thread's own small allocations (its name, its
/// handle, its probe: about 550 bytes a worker in the crowd).
pub const THREAD_EXTRA_BYTES: u64 = 64 << 10;

/// The heap a worker that is a task takes, rounded up: the task (its future and
/// the runtime's header), its channel handles and probe. `crowd` on tokio at
/// 100,000 tasks peaks at about 1.0 KiB of heap a task; twice that leaves room
/// for the allocator's own.
pub const TASK_BYTES: u64 = 2 << 10;

/// Threads a run starts besides its workers: the camera, and the lab's progress
/// and signal threads.
const OTHER_THREADS: u64 = 3;

/// The most workers of one stage that may wait at once, per core, on a
/// pipeline whose waiting workers keep a core busy before they park (see
/// [`check_spinning_waiters`]). Measured on `crowd` with kanal on 2 cores
/// beside two busy loops: 2,000 waiting workers took 1.6 s to 2.5 s, 5,000
/// took 3.6 s to 7.0 s, where crossbeam's 10,000 take under 3 s.
pub const SPINNING_WAITERS_PER_CORE: u64 = 1_000;

/// The cores this process may run on.
pub fn cores() -> u64 {
    std::thread::available_parallelism().map_or(1, |n| n.get() as u64)
}

/// Refuses `config` on `cores` when its largest stage has more workers than
/// [`SPINNING_WAITERS_PER_CORE`] a core, for a pipeline whose waiting worker
/// `how` (spins, yields) before it parks.
///
/// Such a worker is runnable while it waits, so the scheduler shares the cores
/// between every waiting worker and the few that have work: with thousands
/// waiting, the camera, the lone resize worker and whoever holds a channel's
/// lock get a sliver of a core each, and a lock taken by spinning is spun on
/// while its holder waits for its turn.
pub fn check_spinning_waiters(
    config: &Config,
    backend: &'static str,
    how: &'static str,
    cores: u64,
) -> Result<(), ConfigError> {
    let waiters = config.workers.iter().copied().max().unwrap_or(0) as u64;
    let most = SPINNING_WAITERS_PER_CORE * cores.max(1);
    if waiters <= most {
        return Ok(());
    }
    Err(ConfigError::SpinningWaiters {
        backend,
        how,
        waiters,
        cores,
        most,
        per_core: SPINNING_WAITERS_PER_CORE,
    })
}

/// The address space a run takes for its threads and tasks, given `left`: each
/// thread's stack and extras ([`STACK_BYTES`], [`THREAD_EXTRA_BYTES`]), an
/// arena of the allocator ([`ARENA_BYTES`]) for each of the first
/// `arenas` threads while there is room for two (glibc maps twice the size to
/// align one, and gives a thread a shared arena when that fails), and
/// [`TASK_BYTES`] a task. `Err` with the
/// most they may need when they do not fit in `left`.
pub fn address_space(threads: u64, tasks: u64, arenas: u64, left: u64) -> Result<u64, u64> {
    let per_thread = STACK_BYTES + THREAD_EXTRA_BYTES;
    let most = threads
        .saturating_mul(per_thread)
        .saturating_add(threads.min(arenas).saturating_mul(ARENA_BYTES))
        .saturating_add(tasks.saturating_mul(TASK_BYTES));
    // The threads start one after the other, and each takes an arena while
    // one fits: what is left after the arenas must hold the rest.
    let mut taken = 0u64;
    for _ in 0..threads.min(arenas) {
        taken = taken.saturating_add(per_thread);
        if taken > left {
            return Err(most);
        }
        // glibc maps twice an arena's size first, to align it, and makes
        // none when that does not fit.
        if left - taken >= 2 * ARENA_BYTES {
            taken += ARENA_BYTES;
        }
    }
    let rest = (threads - threads.min(arenas)).saturating_mul(per_thread);
    let needed = taken
        .saturating_add(rest)
        .saturating_add(tasks.saturating_mul(TASK_BYTES));
    if needed <= left {
        Ok(needed)
    } else {
        Err(most)
    }
}

/// Refuses `config` when its threads (or, for a pipeline of `tasks`, its
/// runtime's threads and its tasks) need more address space than `left`.
pub fn check_address_space(config: &Config, tasks: bool, left: u64) -> Result<(), ConfigError> {
    let workers = config.workers.iter().sum::<usize>() as u64;
    let (threads, tasks) = match tasks {
        false => (workers + OTHER_THREADS, 0),
        // The runtime's thread per core, and the tasks.
        true => (cores() + OTHER_THREADS, workers),
    };
    match address_space(threads, tasks, crate::platform::arenas_most(), left) {
        Ok(_) => Ok(()),
        Err(needed) => Err(ConfigError::AddressSpace {
            threads,
            tasks,
            stack_bytes: STACK_BYTES,
            task_bytes: TASK_BYTES,
            needed,
            available: left,
            advice: if tasks > 0 {
                "use fewer workers, or raise the limit"
            } else {
                "use fewer workers, or a pipeline of tasks (tokio)"
            },
        }),
    }
}

/// [`check_address_space`] under this process's address-space limit, if it
/// has one ([`address_space_left`]).
pub fn check_address_space_this_machine(config: &Config, tasks: bool) -> Result<(), ConfigError> {
    match address_space_left() {
        Some(left) => check_address_space(config, tasks, left),
        None => Ok(()),
    }
}

/// The threads a run of `config` starts when each of its workers is a thread: the
/// workers, the camera, and the lab's progress and signal threads.
pub fn threads_needed(config: &Config) -> u64 {
    config.workers.iter().sum::<usize>() as u64 + OTHER_THREADS
}

/// Refuses a run that needs `needed` threads if the tightest of `limits` leaves
/// fewer.
pub fn check_threads(needed: u64, limits: &[ThreadLimit]) -> Result<(), ConfigError> {
    match limits.iter().min_by_key(|limit| limit.room) {
        Some(tightest) if tightest.room < needed => Err(ConfigError::TooManyThreads {
            needed,
            room: tightest.room,
            limit: tightest.what.clone(),
        }),
        _ => Ok(()),
    }
}

/// Refuses `config` if giving each worker a thread needs more threads than this
/// machine's limits leave ([`thread_limits`]).
pub fn check_threads_this_machine(config: &Config) -> Result<(), ConfigError> {
    check_threads(threads_needed(config), &thread_limits())
}

/// The bytes of one RGB frame of `width` × `height`.
pub fn frame_bytes(width: u32, height: u32) -> u64 {
    u64::from(width) * u64::from(height) * 3
}

/// The most frames a run of `config` may hold at once, counted in whole frames
/// (a thumbnail is a sixteenth of one): the resize queue's bound (every item when
/// unbounded) and one frame per download worker, per resize worker its frame and
/// the downscale's working copy (as large as a frame), then the thumbnails in the
/// upload queue and the upload workers. `None` when the items carry no frames.
pub fn frames_held(config: &Config) -> Option<u64> {
    config.frame?;
    let items = config.items;
    let [download, resize, upload] = config.workers.map(|n| n as u64);
    let bound = config.capacity.map_or(items, |c| (c as u64).min(items));
    let frames = items.min(bound + download + resize) + items.min(resize);
    let thumbnails = items.min(bound + resize + upload);
    Some(frames + thumbnails.div_ceil(16))
}

/// What a run of `config` needs besides its frames: each thread's stack, and an
/// eighth of the frames for the allocator (pages, headers, fragmentation).
pub fn overhead_bytes(config: &Config, frames_bytes: u64) -> u64 {
    let threads = config.workers.iter().sum::<usize>() as u64 + OTHER_THREADS;
    threads * STACK_BYTES + frames_bytes / 8
}

/// The memory a run may use, and whose limit it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// The bytes available.
    pub available: u64,
    /// `this machine has` or `this process's address-space limit (ulimit -v) leaves`.
    pub whose: &'static str,
}

/// Refuses `config` if its frames, threads and allocator may need more than
/// `budget`.
pub fn check(config: &Config, budget: Budget) -> Result<(), ConfigError> {
    let (Some((width, height)), Some(frames)) = (config.frame, frames_held(config)) else {
        return Ok(());
    };
    let frame_bytes = frame_bytes(width, height);
    let frames_bytes = frame_bytes.saturating_mul(frames);
    let overhead = overhead_bytes(config, frames_bytes);
    if frames_bytes.saturating_add(overhead) <= budget.available {
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
        overhead,
        budget: budget.whose,
        available: budget.available,
        advice,
    })
}

/// Refuses `config` if its frames may need more memory than this process can
/// have (see [`budget`]); accepts it when that cannot be read.
pub fn check_this_machine(config: &Config) -> Result<(), ConfigError> {
    match (config.frame, budget()) {
        (Some(_), Some(budget)) => check(config, budget),
        _ => Ok(()),
    }
}

/// The tighter of the machine's memory and the address-space limit.
pub fn budget() -> Option<Budget> {
    let machine = available_memory().map(|available| Budget {
        available,
        whose: "this machine has",
    });
    let address_space = address_space_left().map(|available| Budget {
        available,
        whose: "this process's address-space limit (ulimit -v) leaves",
    });
    [machine, address_space]
        .into_iter()
        .flatten()
        .min_by_key(|budget| budget.available)
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

    fn machine(available: u64) -> Budget {
        Budget {
            available,
            whose: "this machine has",
        }
    }

    #[test]
    fn unbounded_big_frames_are_refused_with_the_estimate() {
        let message = check(&config(1000, (4096, 4096), None), machine(23 << 30))
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "unbounded queues may hold up to 1064 frames of 48 MiB = 50 GiB and 6.2 GiB for \
             the threads and the allocator; this machine has 23 GiB available: bound the \
             queues or use smaller frames"
        );
    }

    #[test]
    fn bounded_queues_hold_few_frames() {
        check(&config(1000, (4096, 4096), Some(8)), machine(23 << 30)).unwrap();
        // The bound, a download, a resize's frame and working copy, and the
        // thumbnails (8 + 1 + 1 of them, a sixteenth of a frame each).
        assert_eq!(frames_held(&config(1000, (64, 48), Some(8))), Some(12));
        assert_eq!(frames_held(&config(3, (64, 48), Some(8))), Some(4 + 1));
        assert_eq!(frames_held(&Config::default()), None);
        check(&Config::default(), machine(0)).unwrap();
    }

    /// The run that `ulimit -v 200000` let through, then aborted in: eleven
    /// frames of 12 MiB looked like they fit in 195 MiB; with the working copy,
    /// the stacks and the allocator they do not.
    #[test]
    fn frames_stacks_and_the_allocator_are_counted() {
        let config = config(50, (2048, 2048), Some(8));
        let budget = Budget {
            available: 150 << 20,
            whose: "this process's address-space limit (ulimit -v) leaves",
        };
        let message = check(&config, budget).unwrap_err().to_string();
        assert!(
            message.starts_with("the queues and workers may hold up to 12 frames of 12 MiB"),
            "{message}"
        );
        assert!(
            message.contains("(ulimit -v) leaves 150 MiB available"),
            "{message}"
        );
        check(&config, machine(1 << 30)).unwrap();
    }

    #[test]
    fn the_tightest_thread_limit_refuses_and_is_named() {
        let limit = |room: u64, what: &str| ThreadLimit {
            room,
            what: what.into(),
        };
        let limits = [
            limit(192_000, "kernel.threads-max is 192726 and 78 are in use"),
            limit(32_690, "kernel.pid_max is 32768 and 78 are in use"),
        ];
        check_threads(32_690, &limits).unwrap();
        check_threads(5, &[]).unwrap();
        let message = check_threads(100_003, &limits).unwrap_err().to_string();
        assert_eq!(
            message,
            "this run needs 100003 threads and this machine gives 32690 more \
             (kernel.pid_max is 32768 and 78 are in use): use fewer workers, or a \
             pipeline of tasks (tokio)"
        );
    }

    #[test]
    fn a_crowd_of_workers_needs_a_thread_each() {
        let config = Config {
            workers: [1000, 1, 1],
            ..Config::default()
        };
        assert_eq!(threads_needed(&config), 1002 + OTHER_THREADS);
        // Linux and macOS have some limit, and room for the book's pipeline under it.
        assert!(cfg!(windows) || !thread_limits().is_empty());
        check_threads_this_machine(&Config::default()).unwrap();
    }

    #[test]
    fn a_stage_of_spinning_waiters_is_refused_above_a_thousand_a_core() {
        let crowd = |waiters: usize| Config {
            workers: [waiters, 1, 1],
            ..Config::default()
        };
        check_spinning_waiters(&crowd(2_000), "kanal", "spins", 2).unwrap();
        let message = check_spinning_waiters(&crowd(2_001), "kanal", "spins", 2)
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "2001 kanal workers of one stage would wait at once, and a waiting one \
             spins before it parks: more than 2000 (1000 a core on 2 cores) starve the \
             workers that have work: use fewer workers, or a pipeline whose waits \
             park at once (crossbeam, tokio)"
        );
        check_spinning_waiters(&crowd(10_000), "kanal", "spins", 16).unwrap();
    }

    #[test]
    fn threads_need_their_stacks_and_arenas_of_address_space() {
        let per_thread = STACK_BYTES + THREAD_EXTRA_BYTES;
        // Room for the stacks but not for an arena: no arena is made.
        assert_eq!(address_space(5, 0, 16, 100 << 20), Ok(5 * per_thread));
        // Room for both: the first threads take an arena each while two fit.
        let needed = address_space(5, 0, 16, 1 << 30).unwrap();
        assert!(needed > 5 * per_thread + ARENA_BYTES, "{needed}");
        // A crowd of a thousand does not fit under 500 MB.
        assert!(address_space(1_005, 0, 16, 414 << 20).is_err());
        // A hundred thousand tasks do not fit in 72 MiB, a thousand do.
        assert!(address_space(5, 100_000, 16, 72 << 20).is_err());
        address_space(5, 1_000, 16, 72 << 20).unwrap();
        let crowd = Config {
            workers: [1_000, 1, 1],
            ..Config::default()
        };
        let message = check_address_space(&crowd, false, 400 << 20)
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with("this run's 1005 threads need "),
            "{message}"
        );
        assert!(message.contains("(ulimit -v) leaves 400 MiB"), "{message}");
        check_address_space(&crowd, true, 400 << 20).unwrap();
    }

    #[test]
    fn this_machine_has_some_memory() {
        assert!(available_memory().is_some_and(|bytes| bytes > 0));
        assert!(budget().is_some_and(|budget| budget.available > 0));
    }
}
