//! A progress bar for long initial syncs, only when a person is watching.

use calsync_core::usecases::Progress;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;

/// Bars appear only for passes with at least this many writes.
const MIN_OPS_FOR_BAR: usize = 20;

pub struct TerminalProgress {
    bar: Mutex<Option<ProgressBar>>,
    enabled: bool,
}

impl TerminalProgress {
    pub fn new() -> Self {
        Self {
            bar: Mutex::new(None),
            enabled: std::io::stderr().is_terminal(),
        }
    }
}

impl Progress for TerminalProgress {
    fn planned(&self, link: &str, operations: usize) {
        if !self.enabled || operations < MIN_OPS_FOR_BAR {
            return;
        }
        let bar = ProgressBar::new(operations as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} writes ({eta})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(format!("syncing {link}"));
        if let Ok(mut slot) = self.bar.lock()
            && let Some(previous) = slot.replace(bar)
        {
            previous.finish_and_clear();
        }
    }

    fn advanced(&self, operations: usize) {
        if let Ok(slot) = self.bar.lock()
            && let Some(bar) = slot.as_ref()
        {
            bar.inc(operations as u64);
            if bar.position() >= bar.length().unwrap_or(0) {
                bar.finish_and_clear();
            }
        }
    }
}
