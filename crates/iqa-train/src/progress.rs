//! Progress of long runs, reported through a trait: the library draws nothing itself, so
//! it depends on no terminal crate. The `iqa` command line implements it with a progress
//! bar (or periodic lines when its output is not a terminal); a program can log, forward
//! or ignore it.

use std::sync::Arc;

/// Receives the progress of a training run.
pub trait Progress: Send + Sync {
    /// A run of `total` steps starts, or resumes with `done` of them finished.
    fn start(&self, total: u64, done: u64);
    /// `done` steps are finished; `summary` gives the stage, the latest losses and the
    /// speed, at the configuration's `log_every` (empty in between).
    fn advance(&self, done: u64, summary: &str);
    /// The run stopped (complete or at its `stop_at`).
    fn finish(&self);
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _total: u64, _done: u64) {}
    fn advance(&self, _done: u64, _summary: &str) {}
    fn finish(&self) {}
}

/// A shared progress receiver, as run options hold it.
#[derive(Clone)]
pub struct ProgressHandle(pub Arc<dyn Progress>);

impl ProgressHandle {
    /// The receiver that reports nothing.
    pub fn silent() -> ProgressHandle {
        ProgressHandle(Arc::new(Silent))
    }
}

impl Default for ProgressHandle {
    fn default() -> Self {
        ProgressHandle::silent()
    }
}

impl std::fmt::Debug for ProgressHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressHandle")
    }
}

impl std::ops::Deref for ProgressHandle {
    type Target = dyn Progress;
    fn deref(&self) -> &Self::Target {
        self.0.as_ref()
    }
}
