//! Running one job: the same code behind `calsync serve`'s worker and the SQS sync function.

use super::{LinkReport, NoProgress, PassOptions, PushService, SyncService, UseCaseError};
use crate::domain::{CalendarId, LinkId};
use crate::ports::{Job, SyncReason};
use std::collections::BTreeSet;

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth running again later (a provider or the store was unavailable, a write failed).
    #[error("{0}")]
    Retryable(String),
    /// Running it again cannot help (a link halted by the deletion guard, push not configured).
    #[error("{0}")]
    Permanent(String),
}

#[derive(Clone)]
pub struct JobRunner {
    pub sync: SyncService,
    /// `None` when push is not configured (no public URL): channel jobs fail permanently.
    pub push: Option<PushService>,
}

impl JobRunner {
    pub async fn run(&self, job: &Job) -> Result<Vec<LinkReport>, JobError> {
        match job {
            Job::Sync {
                calendars, reason, ..
            } => {
                let full = *reason == SyncReason::Reconcile;
                self.sync_calendars(calendars, full).await
            }
            Job::RenewChannel { channel, .. } => {
                let push = self.push()?;
                push.renew(channel).await.map_err(retryable)?;
                Ok(Vec::new())
            }
            Job::RecreateChannel { channel, .. } => {
                let push = self.push()?;
                push.recreate(channel).await.map_err(retryable)?;
                Ok(Vec::new())
            }
        }
    }

    /// Syncs every link holding one of `calendars`.
    pub async fn sync_calendars(
        &self,
        calendars: &[CalendarId],
        full: bool,
    ) -> Result<Vec<LinkReport>, JobError> {
        let wanted: BTreeSet<&CalendarId> = calendars.iter().collect();
        let links: Vec<LinkId> = self
            .sync
            .store
            .list_links(&self.sync.tenant)
            .await
            .map_err(|e| JobError::Retryable(e.to_string()))?
            .into_iter()
            .filter(|link| link.calendars.iter().any(|c| wanted.contains(c)))
            .map(|link| link.id)
            .collect();
        if links.is_empty() {
            return Ok(Vec::new());
        }
        let options = PassOptions {
            full_reconcile: full,
            links: Some(links),
        };
        let reports = self
            .sync
            .run_pass(&options, &NoProgress)
            .await
            .map_err(retryable)?;
        let failed: Vec<String> = reports
            .iter()
            .filter(|r| !r.ok && r.halted.is_none())
            .flat_map(|r| r.errors.iter().map(move |e| format!("{}: {e}", r.name)))
            .collect();
        if failed.is_empty() {
            Ok(reports)
        } else {
            Err(JobError::Retryable(failed.join("; ")))
        }
    }

    fn push(&self) -> Result<&PushService, JobError> {
        self.push
            .as_ref()
            .ok_or_else(|| JobError::Permanent("push is not configured (no public URL)".into()))
    }
}

fn retryable(error: UseCaseError) -> JobError {
    match error {
        UseCaseError::NotFound(what) => JobError::Permanent(format!("{what} not found")),
        UseCaseError::Invalid(why) => JobError::Permanent(why),
        other => JobError::Retryable(other.to_string()),
    }
}
