//! Running one job: the same code behind `calsync serve`'s worker and the SQS sync function.

use super::{LinkReport, NoProgress, PassOptions, PushService, SyncService, UseCaseError};
use crate::domain::{CalendarId, Link, LinkId};
use crate::ports::{Job, LeaseStore, SyncReason};
use chrono::TimeDelta;
use std::collections::BTreeSet;
use std::sync::Arc;

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
    /// Where several workers run jobs (SQS), each link is synced under a lease. `None` in the
    /// embedded runtime, whose single worker never overlaps itself.
    pub leases: Option<LinkLeases>,
}

/// The lease side of a worker: who it is and how long it may hold a link.
#[derive(Clone)]
pub struct LinkLeases {
    pub store: Arc<dyn LeaseStore>,
    /// Unique per invocation (the Lambda request id).
    pub owner: String,
    /// Longer than a job may run (the function's timeout), so a lease outlives its holder
    /// only when the holder died.
    pub hold: TimeDelta,
}

/// What a job did.
#[derive(Debug, Default)]
pub struct JobDone {
    pub reports: Vec<LinkReport>,
    /// Calendars whose links another worker was syncing: queue them again a little later
    /// (that worker may have read before the change that caused this job).
    pub busy: Vec<CalendarId>,
}

impl JobRunner {
    pub async fn run(&self, job: &Job) -> Result<JobDone, JobError> {
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
                Ok(JobDone::default())
            }
            Job::RecreateChannel { channel, .. } => {
                let push = self.push()?;
                push.recreate(channel).await.map_err(retryable)?;
                Ok(JobDone::default())
            }
            Job::MaintainPush { .. } => {
                let report = self.push()?.maintain().await.map_err(retryable)?;
                if report.failed.is_empty() {
                    Ok(JobDone::default())
                } else {
                    Err(JobError::Retryable(report.failed.join("; ")))
                }
            }
        }
    }

    /// Syncs every link holding one of `calendars`.
    pub async fn sync_calendars(
        &self,
        calendars: &[CalendarId],
        full: bool,
    ) -> Result<JobDone, JobError> {
        let wanted: BTreeSet<&CalendarId> = calendars.iter().collect();
        let all_links = self
            .sync
            .store
            .list_links(&self.sync.tenant)
            .await
            .map_err(|e| JobError::Retryable(e.to_string()))?;
        let links: Vec<Link> = all_links
            .iter()
            .filter(|link| link.calendars.iter().any(|c| wanted.contains(c)))
            .cloned()
            .collect();
        let (mine, busy) = self.take_leases(links).await?;
        let busy_calendars = busy
            .iter()
            .flat_map(|link| link.calendars.iter())
            .filter(|c| wanted.contains(c))
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        // A daily reconciliation asks about every calendar; otherwise only the named ones.
        let check_only = (!full).then(|| calendars.iter().cloned().collect());
        let result = self.sync_links(all_links, &mine, full, check_only).await;
        self.release_leases(&mine).await;
        Ok(JobDone {
            reports: result?,
            busy: busy_calendars,
        })
    }

    /// Syncs `links` (leased) out of `all_links`, the tenant's links as listed for this job.
    async fn sync_links(
        &self,
        all_links: Vec<Link>,
        links: &[LinkId],
        full: bool,
        check_only: Option<BTreeSet<CalendarId>>,
    ) -> Result<Vec<LinkReport>, JobError> {
        if links.is_empty() {
            return Ok(Vec::new());
        }
        let options = PassOptions {
            full_reconcile: full,
            links: Some(links.to_vec()),
            check_only,
        };
        let reports = self
            .sync
            .run_pass_over(all_links, &options, &NoProgress)
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

    /// The links this worker may sync now, and the ones another worker holds.
    async fn take_leases(&self, links: Vec<Link>) -> Result<(Vec<LinkId>, Vec<Link>), JobError> {
        let Some(leases) = &self.leases else {
            return Ok((links.into_iter().map(|l| l.id).collect(), Vec::new()));
        };
        let now = (self.sync.clock)();
        let (mut mine, mut busy) = (Vec::new(), Vec::new());
        for link in links {
            let taken = leases
                .store
                .acquire_lease(
                    &self.sync.tenant,
                    &link.id,
                    &leases.owner,
                    now,
                    now + leases.hold,
                )
                .await;
            match taken {
                Ok(true) => mine.push(link.id),
                Ok(false) => busy.push(link),
                Err(error) => {
                    self.release_leases(&mine).await;
                    return Err(JobError::Retryable(error.to_string()));
                }
            }
        }
        Ok((mine, busy))
    }

    async fn release_leases(&self, links: &[LinkId]) {
        let Some(leases) = &self.leases else { return };
        for link in links {
            if let Err(error) = leases
                .store
                .release_lease(&self.sync.tenant, link, &leases.owner)
                .await
            {
                // It expires on its own; until then the link's jobs wait.
                tracing::warn!(%link, %error, "could not release a link lease");
            }
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
