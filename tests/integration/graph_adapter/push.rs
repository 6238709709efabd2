//! Subscriptions: the validation handshake against a real local receiver, change
//! notifications with the clientState, renewal, and a subscription Graph dropped.

use super::support::{Setup, eventually, graph_event};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use calsync_core::domain::AccountKind;
use calsync_core::ports::{ProviderError, PushChannel, PushEndpoints, PushSubscriptions};
use calsync_emulators::common::Emulator;
use chrono::{TimeDelta, Utc};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What the receiver got: validation tokens echoed, notification bodies.
#[derive(Default)]
struct Received {
    validations: Vec<String>,
    notifications: Vec<Value>,
}

async fn receive(
    State(received): State<Arc<Mutex<Received>>>,
    Query(query): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    let mut received = received.lock().unwrap();
    if let Some(token) = query.get("validationToken") {
        received.validations.push(token.clone());
        return (
            StatusCode::OK,
            [("content-type", "text/plain")],
            token.clone(),
        )
            .into_response();
    }
    received
        .notifications
        .push(serde_json::from_str(&body).unwrap_or(Value::Null));
    StatusCode::ACCEPTED.into_response()
}

async fn receiver() -> (Emulator, Arc<Mutex<Received>>) {
    let received = Arc::new(Mutex::new(Received::default()));
    let router = Router::new()
        .route("/webhooks/graph", post(receive))
        .route("/webhooks/graph/lifecycle", post(receive))
        .with_state(received.clone());
    (Emulator::start(router).await, received)
}

fn channel(setup: &Setup, id: &str) -> PushChannel {
    PushChannel {
        id: id.to_string(),
        calendar: setup.calendar.id.clone(),
        provider: AccountKind::Microsoft,
        resource_id: None,
        secret_hash: PushChannel::hash_secret("s3cret"),
        expires_at: Utc::now() + TimeDelta::hours(1),
        created_at: Utc::now(),
    }
}

#[tokio::test]
async fn a_subscription_is_validated_notifies_renews_and_is_not_found_once_dropped() {
    let setup = Setup::new().await;
    let (hook, received) = receiver().await;
    let endpoints = PushEndpoints {
        notification_url: format!("{}/webhooks/graph", hook.base_url),
        lifecycle_url: format!("{}/webhooks/graph/lifecycle", hook.base_url),
    };
    let asked = Utc::now() + TimeDelta::hours(24);
    let subscription = setup
        .account
        .subscribe(&setup.calendar, &endpoints, "unused", "s3cret", asked)
        .await
        .unwrap();
    assert_eq!(
        received.lock().unwrap().validations.len(),
        2,
        "both URLs validated"
    );
    let stored = setup.graph.subscriptions();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id, subscription.id);
    assert_eq!(stored[0].client_state.as_deref(), Some("s3cret"));
    assert_eq!(
        stored[0].resource,
        format!("me/calendars/{}/events", setup.calendar.url)
    );
    assert!((subscription.expires_at - asked).num_seconds().abs() <= 1);

    // The user edits in Outlook: a change notification carrying the clientState.
    let id = setup.user_creates(graph_event("new", 9, "UTC"));
    eventually("a change notification", || {
        !received.lock().unwrap().notifications.is_empty()
    })
    .await;
    let notification = received.lock().unwrap().notifications[0].clone();
    let item = &notification["value"][0];
    assert_eq!(item["subscriptionId"], subscription.id.as_str());
    assert_eq!(item["clientState"], "s3cret");
    assert_eq!(item["changeType"], "created");
    assert_eq!(item["resourceData"]["id"], id.as_str());

    // Renewal extends in place.
    let later = Utc::now() + TimeDelta::hours(48);
    let renewed = setup
        .account
        .renew(&channel(&setup, &subscription.id), later)
        .await
        .unwrap()
        .unwrap();
    assert!(renewed > subscription.expires_at);
    assert!(setup.graph.subscriptions()[0].expires_at > subscription.expires_at);

    // Graph dropped it: renewing says NotFound (the caller recreates); deleting is done.
    assert!(setup.graph.drop_subscription(&subscription.id));
    let gone = setup
        .account
        .renew(&channel(&setup, &subscription.id), later)
        .await;
    assert!(matches!(gone, Err(ProviderError::NotFound)), "{gone:?}");
    setup
        .account
        .unsubscribe(&channel(&setup, &subscription.id))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_receiver_that_does_not_echo_the_token_gets_no_subscription() {
    let setup = Setup::new().await;
    let router = Router::new().route("/hook", post(|| async { "something else" }));
    let hook = Emulator::start(router).await;
    let endpoints = PushEndpoints {
        notification_url: format!("{}/hook", hook.base_url),
        lifecycle_url: format!("{}/hook", hook.base_url),
    };
    let refused = setup
        .account
        .subscribe(
            &setup.calendar,
            &endpoints,
            "unused",
            "s3cret",
            Utc::now() + TimeDelta::hours(24),
        )
        .await;
    assert!(
        matches!(refused, Err(ProviderError::Permanent(_))),
        "{refused:?}"
    );
    assert!(setup.graph.subscriptions().is_empty());
}

#[tokio::test]
async fn lifecycle_notifications_reach_the_lifecycle_url() {
    let setup = Setup::new().await;
    let (hook, received) = receiver().await;
    let endpoints = PushEndpoints {
        notification_url: format!("{}/webhooks/graph", hook.base_url),
        lifecycle_url: format!("{}/webhooks/graph/lifecycle", hook.base_url),
    };
    let subscription = setup
        .account
        .subscribe(
            &setup.calendar,
            &endpoints,
            "unused",
            "s3cret",
            Utc::now() + TimeDelta::hours(24),
        )
        .await
        .unwrap();
    let status = setup
        .graph
        .send_lifecycle(&subscription.id, "reauthorizationRequired")
        .await;
    assert_eq!(status, Some(202));
    let notification = received.lock().unwrap().notifications[0].clone();
    assert_eq!(
        notification["value"][0]["lifecycleEvent"],
        "reauthorizationRequired"
    );
    assert_eq!(notification["value"][0]["clientState"], "s3cret");
}
