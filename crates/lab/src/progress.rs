//! The live view of a run on stderr: one line per stage with the items it has
//! done and the depth of its input queue, so a class can watch a queue fill up.
//!
//! The run goes on in the calling thread; a ticker thread reads the shared
//! [`Probes`] ten times a second and redraws. When stderr is not a terminal the
//! view is hidden and no ticker starts.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use pipeline_core::{Backend, Config, PipelineError, Probes, Report, Stage};
use pipeline_present::units;

use crate::signals;

/// How often the view is redrawn.
const TICK: Duration = Duration::from_millis(100);

/// While a view is on screen: the lines waiting to be printed above it.
static WAITING_LINES: Mutex<Option<Vec<String>>> = Mutex::new(None);

/// Runs `backend` on `config` (already prepared), showing its progress on stderr
/// under `title` while it goes on.
pub fn run_live(backend: &Backend, config: &Config, title: &str) -> Result<Report, PipelineError> {
    run_live_with(backend, config, title, Arc::new(Probes::new(config)), false)
}

/// [`run_live`], counting into `probes`; with `recorded`, every thread also records
/// its timeline into them.
pub fn run_live_with(
    backend: &Backend,
    config: &Config,
    title: &str,
    probes: Arc<Probes>,
    recorded: bool,
) -> Result<Report, PipelineError> {
    // Ctrl-C and SIGTERM stop this run through the probes, as a panic would.
    let _stoppable = signals::stoppable(&probes);
    let go = |probes| match recorded {
        true => backend.run_recorded(config, probes),
        false => backend.run_with(config, probes),
    };
    let Some(view) = LiveView::new(config, title) else {
        return go(probes);
    };
    let (stop_ticker, stopped) = mpsc::channel::<()>();
    let outcome = thread::scope(|s| {
        // Without a thread for the view (the OS refused it), the run goes on unseen.
        let ticker = thread::Builder::new()
            .name("progress".into())
            .spawn_scoped(s, || view.watch(&probes, stopped));
        let outcome = go(Arc::clone(&probes));
        drop(stop_ticker);
        // A failed redraw must not lose the run's outcome.
        if let Ok(ticker) = ticker {
            let _ = ticker.join();
        }
        outcome
    });
    view.finish(&match &outcome {
        Ok(report) => format!(
            "{} items out in {}",
            report.items_out,
            units::duration(report.wall_s)
        ),
        Err(error) => format!("stopped: {error}"),
    });
    outcome
}

/// Prints a line on stderr; while a view is on screen, its ticker prints the line
/// above it at the next tick. (The panic hook calls this, and a view does not draw
/// from a panicking thread, so the line is handed over rather than drawn here.)
pub fn print_above(line: &str) {
    let mut waiting = waiting_lines();
    match waiting.as_mut() {
        Some(lines) => lines.push(line.to_string()),
        None => crate::output::error_line(line),
    }
}

fn waiting_lines() -> MutexGuard<'static, Option<Vec<String>>> {
    WAITING_LINES.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The bars of one run: a header, and one line per stage.
struct LiveView {
    multi: MultiProgress,
    digits: usize,
    header: ProgressBar,
    stages: [ProgressBar; 3],
}

impl LiveView {
    /// The view for a run of `config`, or `None` when stderr is not a terminal.
    fn new(config: &Config, title: &str) -> Option<LiveView> {
        let target = ProgressDrawTarget::stderr();
        if target.is_hidden() {
            return None;
        }
        let multi = MultiProgress::with_draw_target(target);
        let header = multi.add(
            ProgressBar::new_spinner()
                .with_style(
                    ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                        .expect("a valid template"),
                )
                .with_message(title.to_string()),
        );
        // Numbers as wide as the item count, so nothing moves as they grow; the bar
        // takes whatever width the terminal has left.
        let digits = config.items.to_string().len();
        let stage_style = ProgressStyle::with_template(&format!(
            "  {{prefix:<8}} {{pos:>{digits}}}/{{len}} done · input queue {{msg}} [{{wide_bar}}]"
        ))
        .expect("a valid template")
        .progress_chars("=> ");
        let stages = Stage::ALL.map(|stage| {
            multi.add(
                ProgressBar::new(config.items)
                    .with_style(stage_style.clone())
                    .with_prefix(stage.name()),
            )
        });
        *waiting_lines() = Some(Vec::new());
        Some(LiveView {
            multi,
            digits,
            header,
            stages,
        })
    }

    /// Redraws from `probes` every tick until `stop` says the run is over.
    fn watch(&self, probes: &Probes, stop: Receiver<()>) {
        loop {
            self.update(probes);
            match stop.recv_timeout(TICK) {
                Err(RecvTimeoutError::Timeout) => continue,
                Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        self.update(probes);
    }

    fn update(&self, probes: &Probes) {
        let lines = waiting_lines().as_mut().map(std::mem::take);
        for line in lines.into_iter().flatten() {
            // A line that cannot be drawn is dropped with the view it belongs to.
            let _ = self.multi.println(line);
        }
        self.header.tick();
        for (stage, bar) in Stage::ALL.into_iter().zip(&self.stages) {
            let (done, failed) = (0..probes.workers_of(stage))
                .map(|index| probes.worker(stage, index))
                .fold((0, 0), |(done, failed), counts| {
                    (done + counts.done, failed + counts.failed)
                });
            let input_queue = probes.input_of(stage);
            let digits = self.digits;
            let mut message = format!(
                "{:>digits$} (peak {:>digits$})",
                input_queue.depth(),
                input_queue.peak()
            );
            if failed > 0 {
                message.push_str(&format!(" · {failed} failed"));
            }
            bar.set_position(done);
            bar.set_message(message);
        }
    }

    /// Takes the stage lines off the screen and leaves the header with `summary`.
    fn finish(self, summary: &str) {
        let lines = waiting_lines().take();
        for line in lines.into_iter().flatten() {
            let _ = self.multi.println(line);
        }
        for bar in &self.stages {
            bar.finish_and_clear();
            self.multi.remove(bar);
        }
        let title = self.header.message();
        self.header
            .set_style(ProgressStyle::with_template("{msg}").expect("a valid template"));
        self.header
            .finish_with_message(format!("{title}: {summary}"));
    }
}
