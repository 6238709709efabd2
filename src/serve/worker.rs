//! The one worker of `calsync serve`: takes jobs, merges the ones waiting together (a burst of
//! notifications becomes one pass), runs them, retries failures with backoff, and parks a job
//! that keeps failing so `calsync status` shows it.

use super::Shutdown;
use calsync_core::domain::TenantId;
use calsync_core::ports::{DeadJob, Job, Store};
use calsync_core::usecases::{JobError, JobRunner, merge_jobs};
use chrono::Utc;
use rand::Rng;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// Like SQS's redrive after 5 receives on AWS.
const MAX_ATTEMPTS: u32 = 5;
const FIRST_RETRY: Duration = Duration::from_secs(2);

pub struct Worker {
    tenant: TenantId,
    store: Arc<dyn Store>,
    runner: JobRunner,
    jobs: UnboundedReceiver<Job>,
    retries: UnboundedReceiver<(Job, u32)>,
    retry_sender: UnboundedSender<(Job, u32)>,
}

impl Worker {
    pub fn new(
        tenant: TenantId,
        store: Arc<dyn Store>,
        runner: JobRunner,
        jobs: UnboundedReceiver<Job>,
    ) -> Self {
        let (retry_sender, retries) = unbounded_channel();
        Self {
            tenant,
            store,
            runner,
            jobs,
            retries,
            retry_sender,
        }
    }

    pub async fn run(mut self, mut shutdown: Shutdown) {
        loop {
            let first = tokio::select! {
                Some(job) = self.jobs.recv() => (job, 1),
                Some(retry) = self.retries.recv() => retry,
                _ = shutdown.stopped() => return,
                else => return,
            };
            let mut batch = vec![first];
            while let Ok(job) = self.jobs.try_recv() {
                batch.push((job, 1));
            }
            for (job, attempt) in merge(batch) {
                self.handle(job, attempt).await;
            }
        }
    }

    async fn handle(&self, job: Job, attempt: u32) {
        let started = std::time::Instant::now();
        match self.runner.run(&job).await {
            Ok(done) => {
                let reports = done.reports;
                for report in reports.iter().filter(|r| !r.skipped && r.writes() > 0) {
                    tracing::info!(link = %report.name, writes = report.writes(), ms = report.duration_ms, "synced");
                }
                for report in reports.iter().filter(|r| r.halted.is_some()) {
                    tracing::warn!(link = %report.name, halted = ?report.halted, "link halted");
                }
                tracing::debug!(ms = started.elapsed().as_millis() as u64, "job done");
            }
            Err(JobError::Retryable(error)) if attempt < MAX_ATTEMPTS => {
                // Exponential backoff with full jitter.
                let ceiling = FIRST_RETRY * 2u32.pow(attempt - 1);
                let wait =
                    Duration::from_millis(rand::rng().random_range(0..=ceiling.as_millis() as u64));
                tracing::warn!(attempt, wait_ms = wait.as_millis() as u64, %error, "job failed; retrying");
                let retries = self.retry_sender.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(wait).await;
                    let _ = retries.send((job, attempt + 1));
                });
            }
            Err(error) => self.park(job, attempt, error.to_string()).await,
        }
    }

    async fn park(&self, job: Job, attempts: u32, error: String) {
        tracing::error!(attempts, %error, "job parked as dead");
        let dead = DeadJob {
            id: format!(
                "{}-{:08x}",
                Utc::now().format("%Y%m%dT%H%M%S"),
                rand::rng().random::<u32>()
            ),
            job,
            error,
            attempts,
            parked_at: Utc::now(),
        };
        if let Err(error) = self.store.park_job(&self.tenant, &dead).await {
            tracing::error!(%error, "could not park a dead job");
        }
    }
}

/// The waiting jobs merged (see [`merge_jobs`]), each at the highest attempt it stands for.
fn merge(batch: Vec<(Job, u32)>) -> Vec<(Job, u32)> {
    merge_jobs(batch)
        .into_iter()
        .map(|(job, attempts)| (job, attempts.into_iter().max().unwrap_or(1)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calsync_core::domain::CalendarId;
    use calsync_core::ports::SyncReason;

    fn sync(calendars: &[&str], reason: SyncReason) -> Job {
        Job::Sync {
            tenant: TenantId::parse("t").unwrap(),
            calendars: calendars
                .iter()
                .map(|c| CalendarId::parse(*c).unwrap())
                .collect(),
            reason,
            cursors: Default::default(),
        }
    }

    #[test]
    fn waiting_sync_jobs_merge_into_one_pass() {
        let renew = Job::RenewChannel {
            tenant: TenantId::parse("t").unwrap(),
            channel: "c".into(),
        };
        let merged = merge(vec![
            (sync(&["cb"], SyncReason::Push), 1),
            (renew.clone(), 1),
            (sync(&["ca", "cb"], SyncReason::Reconcile), 2),
        ]);
        assert_eq!(
            merged,
            vec![(sync(&["ca", "cb"], SyncReason::Reconcile), 2), (renew, 1)]
        );
    }
}
