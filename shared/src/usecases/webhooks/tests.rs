//! The receiver against the real SQLite store and the real in-process queue.

use super::*;
use crate::adapters::in_process_queue::InProcessQueue;
use crate::adapters::sqlite::SqliteStore;
use crate::domain::{AccountKind, CalendarId};
use crate::ports::{ChannelStore, SyncReason};
use chrono::TimeZone;
use tokio::sync::mpsc::UnboundedReceiver;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

fn tenant() -> TenantId {
    TenantId::parse("t1").unwrap()
}

fn channel(id: &str, provider: AccountKind, calendar: &str, secret: &str) -> PushChannel {
    PushChannel {
        id: id.into(),
        calendar: CalendarId::parse(calendar).unwrap(),
        provider,
        resource_id: Some("r1".into()),
        secret_hash: PushChannel::hash_secret(secret),
        expires_at: now() + TimeDelta::days(1),
        created_at: now() - TimeDelta::days(1),
    }
}

async fn receiver() -> (WebhookReceiver, UnboundedReceiver<Job>) {
    let store = SqliteStore::in_memory().unwrap();
    store
        .put_channel(
            &tenant(),
            &channel("g1", AccountKind::Google, "cgoogle", "gsecret"),
        )
        .await
        .unwrap();
    let mut expired = channel("g-old", AccountKind::Google, "cgoogle", "gsecret");
    expired.expires_at = now() - TimeDelta::minutes(1);
    store.put_channel(&tenant(), &expired).await.unwrap();
    store
        .put_channel(
            &tenant(),
            &channel("m1", AccountKind::Microsoft, "cwork", "mstate"),
        )
        .await
        .unwrap();
    store
        .put_channel(
            &tenant(),
            &channel("m2", AccountKind::Microsoft, "cteam", "mstate2"),
        )
        .await
        .unwrap();
    let (queue, jobs) = InProcessQueue::new();
    let receiver = WebhookReceiver {
        store: Arc::new(store),
        queue: Arc::new(queue),
        clock: now,
    };
    (receiver, jobs)
}

fn google(channel: &str, token: &str, state: &str, number: &str) -> WebhookRequest {
    WebhookRequest {
        query: None,
        headers: vec![
            ("X-Goog-Channel-ID".into(), channel.into()),
            ("X-Goog-Channel-Token".into(), token.into()),
            ("X-Goog-Resource-State".into(), state.into()),
            ("X-Goog-Message-Number".into(), number.into()),
            ("X-Goog-Resource-ID".into(), "r1".into()),
        ],
        body: Vec::new(),
    }
}

fn graph_batch(items: &[(&str, &str)]) -> WebhookRequest {
    let value: Vec<serde_json::Value> = items
        .iter()
        .map(|(subscription, state)| {
            serde_json::json!({
                "subscriptionId": subscription,
                "clientState": state,
                "changeType": "updated",
                "resource": "Users/u/Events/e1",
                "resourceData": {"id": "e1", "@odata.etag": "W/\"1\""},
                "subscriptionExpirationDateTime": "2026-06-03T00:00:00Z",
                "tenantId": "x"
            })
        })
        .collect();
    WebhookRequest {
        query: None,
        headers: vec![("content-type".into(), "application/json".into())],
        body: serde_json::to_vec(&serde_json::json!({ "value": value })).unwrap(),
    }
}

fn lifecycle(subscription: &str, state: &str, event: &str) -> WebhookRequest {
    let body = serde_json::json!({"value": [{
        "subscriptionId": subscription, "clientState": state, "lifecycleEvent": event,
        "subscriptionExpirationDateTime": "2026-06-03T00:00:00Z", "tenantId": "x"
    }]});
    WebhookRequest {
        query: None,
        headers: Vec::new(),
        body: serde_json::to_vec(&body).unwrap(),
    }
}

fn sync_job(calendars: &[&str], reason: SyncReason) -> Job {
    Job::Sync {
        tenant: tenant(),
        calendars: calendars
            .iter()
            .map(|c| CalendarId::parse(*c).unwrap())
            .collect(),
        reason,
        cursors: Default::default(),
    }
}

#[tokio::test]
async fn google_sync_handshake_is_acknowledged_and_queues_nothing() {
    let (receiver, mut jobs) = receiver().await;
    let response = receiver.google(&google("g1", "gsecret", "sync", "1")).await;
    assert_eq!(
        (response.status, response.outcome),
        (200, Outcome::Acknowledged)
    );
    assert!(jobs.try_recv().is_err());
}

#[tokio::test]
async fn google_change_queues_one_sync_of_the_channels_calendar_once() {
    let (receiver, mut jobs) = receiver().await;
    let response = receiver
        .google(&google("g1", "gsecret", "exists", "7"))
        .await;
    assert_eq!(
        (response.status, response.outcome),
        (200, Outcome::Accepted)
    );
    assert_eq!(
        jobs.try_recv().unwrap(),
        sync_job(&["cgoogle"], SyncReason::Push)
    );
    let again = receiver
        .google(&google("g1", "gsecret", "exists", "7"))
        .await;
    assert_eq!(
        (again.status, again.outcome),
        (200, Outcome::Acknowledged),
        "a duplicate"
    );
    assert!(jobs.try_recv().is_err());
    let next = receiver
        .google(&google("g1", "gsecret", "not_exists", "9"))
        .await;
    assert_eq!(next.outcome, Outcome::Accepted);
}

#[tokio::test]
async fn forged_google_notifications_are_rejected_and_queue_nothing() {
    let (receiver, mut jobs) = receiver().await;
    let cases = [
        (google("g1", "wrong", "exists", "2"), 403),
        (google("g1", "", "exists", "2"), 403),
        (google("nope", "gsecret", "exists", "2"), 404),
        (google("m1", "mstate", "exists", "2"), 404),
        (google("g-old", "gsecret", "exists", "2"), 410),
        (google("g1", "gsecret", "bogus", "2"), 400),
        (WebhookRequest::default(), 400),
    ];
    for (request, status) in cases {
        let response = receiver.google(&request).await;
        assert_eq!(
            (response.status, response.outcome),
            (status, Outcome::Rejected),
            "{request:?}"
        );
    }
    let mut huge = google("g1", "gsecret", "exists", "3");
    huge.body = vec![b'x'; MAX_BODY_BYTES + 1];
    assert_eq!(receiver.google(&huge).await.status, 413);
    assert!(jobs.try_recv().is_err(), "nothing queued");
}

#[tokio::test]
async fn graph_validation_echoes_the_decoded_token_as_plain_text() {
    let (receiver, mut jobs) = receiver().await;
    let request = WebhookRequest {
        query: Some("validationToken=Validation%3A+Testing+client+application".into()),
        ..WebhookRequest::default()
    };
    for response in [
        receiver.graph(&request).await,
        receiver.graph_lifecycle(&request).await,
    ] {
        assert_eq!(response.status, 200);
        assert_eq!(response.content_type, "text/plain; charset=utf-8");
        assert_eq!(response.body, "Validation: Testing client application");
        assert_eq!(response.outcome, Outcome::Validated);
    }
    let oversized = WebhookRequest {
        query: Some(format!("validationToken={}", "a".repeat(2000))),
        ..WebhookRequest::default()
    };
    assert_eq!(receiver.graph(&oversized).await.status, 400);
    assert!(jobs.try_recv().is_err());
}

#[tokio::test]
async fn a_graph_batch_queues_one_job_with_every_calendar_once() {
    let (receiver, mut jobs) = receiver().await;
    let batch = graph_batch(&[("m1", "mstate"), ("m2", "mstate2"), ("m1", "mstate")]);
    let response = receiver.graph(&batch).await;
    assert_eq!(
        (response.status, response.outcome),
        (202, Outcome::Accepted)
    );
    assert_eq!(
        jobs.try_recv().unwrap(),
        sync_job(&["cteam", "cwork"], SyncReason::Push)
    );
    assert!(jobs.try_recv().is_err());
    let duplicate = receiver.graph(&batch).await;
    assert_eq!(
        (duplicate.status, duplicate.outcome),
        (202, Outcome::Acknowledged)
    );
    assert!(jobs.try_recv().is_err());
}

#[tokio::test]
async fn forged_graph_items_are_dropped_and_an_all_forged_batch_is_rejected() {
    let (receiver, mut jobs) = receiver().await;
    let forged = receiver.graph(&graph_batch(&[("m1", "guess")])).await;
    assert_eq!((forged.status, forged.outcome), (403, Outcome::Rejected));
    let unknown = receiver.graph(&graph_batch(&[("zz", "mstate")])).await;
    assert_eq!(unknown.status, 404);
    let google_channel = receiver.graph(&graph_batch(&[("g1", "gsecret")])).await;
    assert_eq!(google_channel.status, 404);
    assert!(jobs.try_recv().is_err());
    let mixed = receiver
        .graph(&graph_batch(&[("m1", "guess"), ("m2", "mstate2")]))
        .await;
    assert_eq!((mixed.status, mixed.outcome), (202, Outcome::Accepted));
    assert_eq!(
        jobs.try_recv().unwrap(),
        sync_job(&["cteam"], SyncReason::Push)
    );
    let malformed = WebhookRequest {
        body: b"{\"value\": 3}".to_vec(),
        ..WebhookRequest::default()
    };
    assert_eq!(receiver.graph(&malformed).await.status, 400);
}

#[tokio::test]
async fn lifecycle_events_become_renewals_recreations_and_catch_up_syncs() {
    let (receiver, mut jobs) = receiver().await;
    for (event, expected) in [
        (
            "reauthorizationRequired",
            Job::RenewChannel {
                tenant: tenant(),
                channel: "m1".into(),
            },
        ),
        (
            "subscriptionRemoved",
            Job::RecreateChannel {
                tenant: tenant(),
                channel: "m1".into(),
            },
        ),
        ("missed", sync_job(&["cwork"], SyncReason::Missed)),
    ] {
        let response = receiver
            .graph_lifecycle(&lifecycle("m1", "mstate", event))
            .await;
        assert_eq!(
            (response.status, response.outcome),
            (202, Outcome::Accepted),
            "{event}"
        );
        assert_eq!(jobs.try_recv().unwrap(), expected, "{event}");
    }
    let forged = receiver
        .graph_lifecycle(&lifecycle("m1", "guess", "subscriptionRemoved"))
        .await;
    assert_eq!(forged.status, 403);
    assert!(jobs.try_recv().is_err());
}

#[tokio::test]
async fn when_queueing_fails_the_provider_retry_is_not_taken_for_a_duplicate() {
    let (receiver, jobs) = receiver().await;
    drop(jobs);
    let failed = receiver
        .google(&google("g1", "gsecret", "exists", "4"))
        .await;
    assert_eq!((failed.status, failed.outcome), (503, Outcome::Failed));
    let (queue, mut jobs) = InProcessQueue::new();
    let receiver = WebhookReceiver {
        queue: Arc::new(queue),
        ..receiver
    };
    let retried = receiver
        .google(&google("g1", "gsecret", "exists", "4"))
        .await;
    assert_eq!(retried.outcome, Outcome::Accepted);
    assert_eq!(
        jobs.try_recv().unwrap(),
        sync_job(&["cgoogle"], SyncReason::Push)
    );
}
