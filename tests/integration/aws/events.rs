//! The sample events in events/ through the real handlers: each parses as Lambda would hand it
//! over, and gets the answer its kind should get.

use super::world::AwsWorld;
use aws_lambda_events::eventbridge::EventBridgeEvent;
use aws_lambda_events::sqs::SqsEvent;
use calsync_core::domain::{AccountKind, CalendarId, TenantId};
use calsync_core::ports::{ChannelStore, DeadJobStore, Job, PushChannel, SyncReason};
use calsync_fn_webhook::WebhookFunction;
use chrono::{TimeDelta, Utc};
use lambda_runtime::{Context, LambdaEvent};
use serde_json::Value;

fn sample(name: &str) -> String {
    let path = format!("{}/events/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The channels the webhook samples name, owned by the world's tenant.
async fn seed_channels(world: &AwsWorld) -> (CalendarId, CalendarId) {
    let now = Utc::now();
    let google = CalendarId::parse("cgooglesample").unwrap();
    let graph = CalendarId::parse("cgraphsample").unwrap();
    for (id, secret, calendar, provider) in [
        (
            "0b9b4a7e-3f51-4c0e-9a57-7c2d9f3e8a11",
            "sample-channel-token-8f3a2c",
            &google,
            AccountKind::Google,
        ),
        (
            "7f105c7d-2dc5-4530-97cd-4e7ae6534c07",
            "sample-client-state-5d2e91",
            &graph,
            AccountKind::Microsoft,
        ),
    ] {
        let channel = PushChannel {
            id: id.into(),
            calendar: calendar.clone(),
            provider,
            resource_id: None,
            secret_hash: PushChannel::hash_secret(secret),
            expires_at: now + TimeDelta::days(3),
            created_at: now,
        };
        world
            .runtime
            .store
            .put_channel(&world.tenant, &channel)
            .await
            .unwrap();
    }
    (google, graph)
}

async fn call(webhook: &WebhookFunction, name: &str) -> (u16, String) {
    let request = lambda_http::request::from_str(&sample(name)).unwrap();
    let response = webhook.handle(request).await.unwrap();
    let status = response.status().as_u16();
    (
        status,
        String::from_utf8_lossy(response.body()).into_owned(),
    )
}

async fn queued(world: &AwsWorld) -> Vec<Job> {
    super::driver::take_queued_jobs(&world.sqs, &world.queue_url).await
}

#[tokio::test]
async fn webhook_samples_get_their_answers_and_queue_their_jobs() {
    let world = AwsWorld::new("events-webhook").await;
    let (google, graph) = seed_channels(&world).await;
    let webhook = WebhookFunction::new(&world.runtime).unwrap();
    let push = |calendar: &CalendarId| Job::Sync {
        tenant: world.tenant.clone(),
        calendars: vec![calendar.clone()],
        reason: SyncReason::Push,
        cursors: Default::default(),
    };

    assert_eq!(call(&webhook, "webhook-google-sync.json").await.0, 200);
    assert_eq!(queued(&world).await, vec![]);

    assert_eq!(call(&webhook, "webhook-google-change.json").await.0, 200);
    assert_eq!(queued(&world).await, vec![push(&google)]);
    // The same delivery again (Google retries): acknowledged, nothing queued.
    assert_eq!(
        call(&webhook, "webhook-google-change.json").await,
        (200, "duplicate".into())
    );
    assert_eq!(queued(&world).await, vec![]);

    let (status, body) = call(&webhook, "webhook-graph-validation.json").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        "Validation: Testing client application reachability for subscription Request-Id: b4bd3c8e-7a54-4c2b-8a1d-0f5e4b6a9c21"
    );

    assert_eq!(call(&webhook, "webhook-graph-change.json").await.0, 202);
    assert_eq!(queued(&world).await, vec![push(&graph)]);

    assert_eq!(call(&webhook, "webhook-graph-lifecycle.json").await.0, 202);
    assert_eq!(
        queued(&world).await,
        vec![Job::RenewChannel {
            tenant: world.tenant.clone(),
            channel: "7f105c7d-2dc5-4530-97cd-4e7ae6534c07".into(),
        }]
    );
}

#[tokio::test]
async fn the_sqs_sample_batch_runs_without_failures_and_parks_what_cannot_succeed() {
    let world = AwsWorld::new("events-sync").await;
    let event: SqsEvent = serde_json::from_str(&sample("sync-sqs-batch.json")).unwrap();
    assert_eq!(event.records.len(), 4);
    let mut context = Context::default();
    context.request_id = "sample-invocation".into();
    let response = world
        .sync
        .handle(LambdaEvent::new(event, context))
        .await
        .unwrap();
    // Nothing linked for these tenants: the syncs find nothing to do, and the renewal of a
    // channel that does not exist cannot succeed on a retry, so it is parked, not retried.
    assert!(response.batch_item_failures.is_empty());
    let tenant = TenantId::parse("tsample0001").unwrap();
    let dead = world.runtime.store.dead_jobs(&tenant).await.unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert!(matches!(dead[0].job, Job::RenewChannel { .. }));
}

#[tokio::test]
async fn the_scheduler_sample_tick_plans_every_tenant() {
    let world = AwsWorld::new("events-tick").await;
    let event: EventBridgeEvent<Value> =
        serde_json::from_str(&sample("scheduler-tick.json")).unwrap();
    let report = world
        .scheduler
        .handle(LambdaEvent::new(event, Context::default()))
        .await
        .unwrap();
    assert_eq!(report["tick"], "2026-11-23T09:41:00Z");
    assert!(report["tenants"].as_u64().unwrap() >= 1, "{report}");
    assert_eq!(report["failed_tenants"], 0);
}
