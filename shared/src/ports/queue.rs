//! Jobs: the unit of work the webhook receiver and the scheduler hand to the sync workers
//! (an in-process queue embedded, SQS on AWS).

use crate::domain::{CalendarId, SyncCursor, TenantId};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SyncReason {
    /// A provider said the calendar changed.
    Push,
    /// The regular check (CalDAV every interval; push calendars every 15 min as a fallback).
    Poll,
    /// The daily full reconciliation.
    Reconcile,
    /// A Graph `missed` lifecycle notification: changes may have been dropped.
    Missed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "kebab-case")]
pub enum Job {
    /// Check these calendars and sync the links they belong to. Many calendars travel in one
    /// job so that cost does not grow with one message per check.
    Sync {
        tenant: TenantId,
        calendars: Vec<CalendarId>,
        reason: SyncReason,
        /// The cursor the store held for some of `calendars` when the job was planned. A
        /// worker whose provider answers with the same cursor knows the calendar unchanged
        /// without reading the store; a stale one only sends it down the normal path.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        cursors: BTreeMap<CalendarId, SyncCursor>,
    },
    /// Renew (or recreate) a push channel before it expires.
    RenewChannel { tenant: TenantId, channel: String },
    /// The provider dropped or needs to re-authorise the subscription: make a new one and
    /// check its calendar (Graph `subscriptionRemoved`, `reauthorizationRequired`).
    RecreateChannel { tenant: TenantId, channel: String },
    /// Bring the tenant's push channels in line with its links: subscribe linked calendars
    /// that can push and have no channel, renew the ones due, stop the unneeded ones.
    MaintainPush { tenant: TenantId },
}

impl Job {
    /// A sync job without known cursors (the normal path reads the stored ones).
    pub fn sync(tenant: TenantId, calendars: Vec<CalendarId>, reason: SyncReason) -> Self {
        Self::Sync {
            tenant,
            calendars,
            reason,
            cursors: BTreeMap::new(),
        }
    }

    /// Calendars a job checks (1 for the others): what a queue message's size is counted in.
    pub fn weight(&self) -> usize {
        match self {
            Self::Sync { calendars, .. } => calendars.len().max(1),
            _ => 1,
        }
    }

    pub fn tenant(&self) -> &TenantId {
        match self {
            Self::Sync { tenant, .. }
            | Self::RenewChannel { tenant, .. }
            | Self::RecreateChannel { tenant, .. }
            | Self::MaintainPush { tenant } => tenant,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("the job queue is unavailable: {0}")]
    Unavailable(String),
    #[error("the job is too large for the queue: {0}")]
    TooLarge(String),
}

#[async_trait]
pub trait JobQueue: Send + Sync {
    async fn enqueue(&self, jobs: Vec<Job>) -> Result<(), QueueError> {
        self.enqueue_after(Duration::ZERO, jobs).await
    }

    /// Queues `jobs` to become visible to workers after `delay` (at most 15 minutes): how the
    /// scheduler, woken once a minute, spreads checks over the minute.
    async fn enqueue_after(&self, delay: Duration, jobs: Vec<Job>) -> Result<(), QueueError>;

    /// Queues each group of jobs after its own delay, in as few requests as the queue allows:
    /// how a tick queues its minute (SQS takes a delay per message of a batch).
    async fn enqueue_spread(&self, groups: Vec<(Duration, Vec<Job>)>) -> Result<(), QueueError> {
        for (delay, jobs) in groups {
            self.enqueue_after(delay, jobs).await?;
        }
        Ok(())
    }
}

/// The longest delay SQS supports, and so the port.
pub const MAX_QUEUE_DELAY: Duration = Duration::from_secs(900);
