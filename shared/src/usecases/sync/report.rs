//! What a pass tells its caller: per link, the writes per calendar, conflicts, notices, errors.

use crate::domain::{CalendarId, Link, LinkId};
use serde::Serialize;
use std::collections::BTreeMap;

/// Progress of the writes of a pass, for a progress bar.
pub trait Progress: Send + Sync {
    fn planned(&self, link: &str, operations: usize);
    fn advanced(&self, operations: usize);
}

pub struct NoProgress;

impl Progress for NoProgress {
    fn planned(&self, _: &str, _: usize) {}
    fn advanced(&self, _: usize) {}
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CalendarOps {
    pub created: usize,
    pub updated: usize,
    pub deleted: usize,
    pub failed: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkReport {
    pub link: LinkId,
    pub name: String,
    pub ok: bool,
    /// Nothing changed on its calendars and nothing was pending: not even loaded.
    pub skipped: bool,
    pub operations: BTreeMap<CalendarId, CalendarOps>,
    pub conflicts: Vec<String>,
    pub notices: Vec<String>,
    pub errors: Vec<String>,
    pub halted: Option<String>,
    pub duration_ms: u64,
}

impl LinkReport {
    pub(super) fn new(link: &Link) -> Self {
        Self {
            link: link.id.clone(),
            name: link.name.clone(),
            ok: true,
            skipped: false,
            operations: BTreeMap::new(),
            conflicts: Vec::new(),
            notices: Vec::new(),
            errors: Vec::new(),
            halted: None,
            duration_ms: 0,
        }
    }

    pub fn writes(&self) -> usize {
        self.operations
            .values()
            .map(|ops| ops.created + ops.updated + ops.deleted)
            .sum()
    }
}
