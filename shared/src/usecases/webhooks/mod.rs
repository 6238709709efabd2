//! The webhook receiver: validates provider notifications and turns them into jobs, nothing
//! slow inline (a store lookup and an enqueue). Framework-agnostic: `calsync serve` and the
//! webhook Lambda both adapt their HTTP requests to [`WebhookRequest`].

mod google;
mod graph;

use crate::domain::TenantId;
use crate::ports::{Job, JobQueue, PushChannel, Store};
use crate::usecases::request_parts;
use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Duplicate deliveries are recognised for this long (providers retry for hours, not weeks).
const REMEMBER_NOTIFICATIONS_FOR: TimeDelta = TimeDelta::days(7);
/// Google's notifications have no body; Graph batches are small JSON documents.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// An HTTP request as the receiver needs it. Header names are matched case-insensitively.
#[derive(Debug, Clone, Default)]
pub struct WebhookRequest {
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl WebhookRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        request_parts::header(&self.headers, name)
    }

    /// A query parameter, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        request_parts::query_param(self.query.as_deref(), name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookResponse {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    /// What happened, for metrics and logs (never content).
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Work was queued.
    Accepted,
    /// Valid, but nothing to do (Google's `sync` handshake, a duplicate delivery).
    Acknowledged,
    /// Graph's subscription validation handshake.
    Validated,
    /// Unknown or expired channel, wrong secret, malformed or oversized request.
    Rejected,
    /// The queue could not take the work; the provider will retry.
    Failed,
}

impl WebhookResponse {
    fn new(status: u16, outcome: Outcome, body: impl Into<String>) -> Self {
        Self {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.into(),
            outcome,
        }
    }

    fn reject(status: u16, reason: &str) -> Self {
        Self::new(status, Outcome::Rejected, reason)
    }
}

#[derive(Clone)]
pub struct WebhookReceiver {
    pub store: Arc<dyn Store>,
    pub queue: Arc<dyn JobQueue>,
    pub clock: fn() -> DateTime<Utc>,
}

impl WebhookReceiver {
    /// Queues `jobs` unless `key` was seen already; on failure forgets the key so the
    /// provider's retry is not mistaken for a duplicate.
    async fn queue_once(&self, tenant: &TenantId, key: &str, jobs: Vec<Job>) -> Result<bool, ()> {
        if !self.first_time(tenant, key).await {
            return Ok(false);
        }
        self.queue_or_forget(tenant, &[key.to_string()], jobs)
            .await
            .map(|()| true)
    }

    /// Records `key`; `false` for a duplicate. Without a working idempotency store the worst
    /// case is one extra sync, so that counts as new.
    async fn first_time(&self, tenant: &TenantId, key: &str) -> bool {
        let now = (self.clock)();
        match self
            .store
            .remember(tenant, key, now, now + REMEMBER_NOTIFICATIONS_FOR)
            .await
        {
            Ok(new) => new,
            Err(error) => {
                tracing::warn!(%error, "idempotency store unavailable; queueing anyway");
                true
            }
        }
    }

    async fn queue_or_forget(
        &self,
        tenant: &TenantId,
        keys: &[String],
        jobs: Vec<Job>,
    ) -> Result<(), ()> {
        if let Err(error) = self.queue.enqueue(jobs).await {
            tracing::error!(%error, "could not queue a notification's work");
            for key in keys {
                let _ = self.store.forget(tenant, key).await;
            }
            return Err(());
        }
        Ok(())
    }
}

/// The channel a notification names, if it is live and the secret it carries is right.
fn check_channel(
    channel: &PushChannel,
    presented: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), WebhookResponse> {
    if !presented.is_some_and(|secret| channel.secret_matches(secret)) {
        return Err(WebhookResponse::reject(403, "wrong channel secret"));
    }
    if channel.expires_at < now {
        return Err(WebhookResponse::reject(410, "channel expired"));
    }
    Ok(())
}

fn idempotency_key(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests;
