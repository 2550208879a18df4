//! Progress of long runs on stderr: a bar when stderr is a terminal, otherwise one plain
//! line at most every [`LINE_INTERVAL`] (logs and CI output get no control characters).

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use iqa_train::{Progress, ProgressHandle};

/// The least time between two progress lines when stderr is not a terminal.
pub const LINE_INTERVAL: Duration = Duration::from_secs(30);

/// Progress of a count (training steps, images, pairs) on stderr.
pub struct StepProgress {
    bar: Option<indicatif::ProgressBar>,
    lines: Mutex<Lines>,
    unit: &'static str,
}

struct Lines {
    total: u64,
    last: Option<Instant>,
    summary: String,
}

impl StepProgress {
    /// Training steps: a bar on a terminal, periodic lines elsewhere.
    pub fn new() -> StepProgress {
        StepProgress::counting("step")
    }

    /// A count of `unit` (its lines read `UNIT DONE/TOTAL`).
    pub fn counting(unit: &'static str) -> StepProgress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:30}] {pos}/{len} {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        StepProgress {
            bar,
            unit,
            lines: Mutex::new(Lines {
                total: 0,
                last: None,
                summary: String::new(),
            }),
        }
    }
}

impl Default for StepProgress {
    fn default() -> Self {
        StepProgress::new()
    }
}

impl Progress for StepProgress {
    fn start(&self, total: u64, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
            bar.set_position(done);
        } else if let Ok(mut lines) = self.lines.lock() {
            lines.total = total;
            lines.last = Some(Instant::now());
            eprintln!("{} {done}/{total}", self.unit);
        }
    }

    fn advance(&self, done: u64, summary: &str) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
            if !summary.is_empty() {
                bar.set_message(summary.to_string());
            }
        } else if let Ok(mut lines) = self.lines.lock() {
            if !summary.is_empty() {
                lines.summary = summary.to_string();
            }
            if lines.last.is_none_or(|t| t.elapsed() >= LINE_INTERVAL) {
                lines.last = Some(Instant::now());
                eprintln!("{} {done}/{} {}", self.unit, lines.total, lines.summary);
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Progress on stderr when `show`, none otherwise (a JSON run keeps stderr quiet).
pub fn on_stderr(show: bool) -> ProgressHandle {
    if show {
        ProgressHandle(std::sync::Arc::new(StepProgress::new()))
    } else {
        ProgressHandle::silent()
    }
}
