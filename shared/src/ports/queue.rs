//! Jobs: the unit of work the webhook receiver and the scheduler hand to the sync workers
//! (an in-process queue embedded, SQS on AWS).

use crate::domain::{CalendarId, TenantId};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    },
    /// Renew (or recreate) a push channel before it expires.
    RenewChannel { tenant: TenantId, channel: String },
    /// The provider dropped or needs to re-authorise the subscription: make a new one and
    /// check its calendar (Graph `subscriptionRemoved`, `reauthorizationRequired`).
    RecreateChannel { tenant: TenantId, channel: String },
}

impl Job {
    pub fn tenant(&self) -> &TenantId {
        match self {
            Self::Sync { tenant, .. }
            | Self::RenewChannel { tenant, .. }
            | Self::RecreateChannel { tenant, .. } => tenant,
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
    async fn enqueue(&self, jobs: Vec<Job>) -> Result<(), QueueError>;
}
