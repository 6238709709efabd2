//! What the fuzz targets share: a webhook receiver over the real SQLite store (in memory) and
//! the in-process queue, seeded with live and expired channels so that fuzzed requests can
//! get past the lookups, and a readable framing of fuzz inputs as HTTP requests.

use calsync_core::adapters::in_process_queue::InProcessQueue;
use calsync_core::adapters::sqlite::SqliteStore;
use calsync_core::domain::{AccountKind, CalendarId, TenantId};
use calsync_core::ports::{ChannelStore, Job, PushChannel};
use calsync_core::usecases::{WebhookReceiver, WebhookRequest};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use std::sync::{Arc, OnceLock};
use tokio::runtime::Runtime;
use tokio::sync::mpsc::UnboundedReceiver;

/// The seeded channels: (id, provider, calendar, secret, live). The corpus uses these.
pub const CHANNELS: [(&str, AccountKind, &str, &str, bool); 5] = [
    ("g1", AccountKind::Google, "cgoogle", "gsecret", true),
    ("g-old", AccountKind::Google, "cgoogle", "gsecret", false),
    ("m1", AccountKind::Microsoft, "cwork", "mstate", true),
    ("m2", AccountKind::Microsoft, "cteam", "mstate2", true),
    ("m-old", AccountKind::Microsoft, "cwork", "mstate", false),
];

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

/// One runtime for the whole fuzzing process: building one per input would dominate.
pub fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(
        || match tokio::runtime::Builder::new_current_thread().build() {
            Ok(runtime) => runtime,
            Err(error) => panic!("cannot start a tokio runtime: {error}"),
        },
    )
}

pub struct World {
    pub receiver: WebhookReceiver,
    pub store: SqliteStore,
    pub jobs: UnboundedReceiver<Job>,
}

/// A fresh store per input: a crash must reproduce from its input alone, without the
/// idempotency keys earlier inputs left behind.
pub async fn world() -> World {
    let store = match SqliteStore::in_memory() {
        Ok(store) => store,
        Err(error) => panic!("cannot open an in-memory store: {error}"),
    };
    for (id, provider, calendar, secret, live) in CHANNELS {
        if let Err(error) = store
            .put_channel(&tenant(), &channel(id, provider, calendar, secret, live))
            .await
        {
            panic!("cannot seed channel {id}: {error}");
        }
    }
    let (queue, jobs) = InProcessQueue::new();
    let receiver = WebhookReceiver {
        store: Arc::new(store.clone()),
        queue: Arc::new(queue),
        clock: now,
    };
    World {
        receiver,
        store,
        jobs,
    }
}

pub fn tenant() -> TenantId {
    match TenantId::parse("t1") {
        Ok(tenant) => tenant,
        Err(error) => panic!("invalid tenant id: {error}"),
    }
}

fn channel(
    id: &str,
    provider: AccountKind,
    calendar: &str,
    secret: &str,
    live: bool,
) -> PushChannel {
    let calendar = match CalendarId::parse(calendar) {
        Ok(calendar) => calendar,
        Err(error) => panic!("invalid calendar id {calendar}: {error}"),
    };
    let expires_at = if live {
        now() + TimeDelta::days(1)
    } else {
        now() - TimeDelta::minutes(1)
    };
    PushChannel {
        id: id.into(),
        calendar,
        provider,
        resource_id: Some("r1".into()),
        secret_hash: PushChannel::hash_secret(secret),
        expires_at,
        created_at: now() - TimeDelta::days(1),
    }
}

/// Every seeded channel is still there, unchanged: no request may lose or alter one.
pub async fn assert_channels_intact(store: &SqliteStore) {
    for (id, provider, calendar, secret, live) in CHANNELS {
        let found = store.find_channel(id).await;
        let expected = channel(id, provider, calendar, secret, live);
        match found {
            Ok(Some((owner, stored))) => {
                assert_eq!(owner, tenant(), "channel {id} changed tenant");
                assert_eq!(stored, expected, "channel {id} changed");
            }
            other => panic!("channel {id} lost: {other:?}"),
        }
    }
}

/// A webhook call written like an HTTP request, so corpus files stay readable:
///
/// ```text
/// POST /webhooks/graph/lifecycle?validationToken=abc
/// X-Goog-Channel-ID: g1
///
/// body bytes
/// ```
///
/// Returns the path and the request. Anything goes: a missing blank line means no body.
pub fn framed_request(data: &[u8]) -> (String, WebhookRequest) {
    let (head, body) = match find(data, b"\n\n") {
        Some(at) => (&data[..at], &data[at + 2..]),
        None => (data, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.lines();
    let target = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .unwrap_or_default();
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query.to_string())),
        None => (target, None),
    };
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .collect();
    (
        path.to_string(),
        WebhookRequest {
            query,
            headers,
            body: body.to_vec(),
        },
    )
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Jobs the receiver queued so far.
pub fn drain(jobs: &mut UnboundedReceiver<Job>) -> Vec<Job> {
    let mut queued = Vec::new();
    while let Ok(job) = jobs.try_recv() {
        queued.push(job);
    }
    queued
}
