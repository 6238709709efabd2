//! events.watch really POSTs `sync`, then `exists` after a user edit; channels.stop ends it.

use super::support::*;
use axum::Router;
use axum::http::HeaderMap;
use axum::routing::post;
use calsync_core::domain::AccountKind;
use calsync_core::ports::{PushChannel, PushEndpoints, PushSupport};
use calsync_emulators::common::Emulator;
use chrono::{Duration, Utc};
use std::sync::{Arc, Mutex};

type Received = Arc<Mutex<Vec<HeaderMap>>>;

async fn receiver() -> (Emulator, Received) {
    let received: Received = Arc::default();
    let sink = received.clone();
    let router = Router::new().route(
        "/webhooks/google",
        post(move |headers: HeaderMap| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push(headers);
                axum::http::StatusCode::OK
            }
        }),
    );
    (Emulator::start(router).await, received)
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers[name].to_str().unwrap().to_string()
}

fn endpoints(hook: &Emulator) -> PushEndpoints {
    PushEndpoints {
        notification_url: format!("{}/webhooks/google", hook.base_url),
        lifecycle_url: format!("{}/webhooks/google/lifecycle", hook.base_url),
    }
}

#[tokio::test]
async fn a_channel_posts_sync_then_exists_after_a_user_edit_until_it_is_stopped() {
    let google = Google::new().await;
    let (hook, received) = receiver().await;
    let push = google.account.push().expect("Google pushes");
    let asked = Utc::now() + Duration::days(2);
    let subscription = push
        .subscribe(&google.info, &endpoints(&hook), "chan-1", "s3cret", asked)
        .await
        .unwrap();
    assert_eq!(subscription.id, "chan-1");
    assert!((subscription.expires_at - asked).num_milliseconds().abs() < 1);
    let resource_id = subscription.resource_id.clone().unwrap();

    eventually("the sync message", || received.lock().unwrap().len() == 1).await;
    let sync = received.lock().unwrap()[0].clone();
    assert_eq!(header(&sync, "x-goog-resource-state"), "sync");
    assert_eq!(header(&sync, "x-goog-channel-id"), "chan-1");
    assert_eq!(header(&sync, "x-goog-channel-token"), "s3cret");
    assert_eq!(header(&sync, "x-goog-message-number"), "1");
    assert_eq!(header(&sync, "x-goog-resource-id"), resource_id);
    assert!(header(&sync, "x-goog-channel-expiration").ends_with("GMT"));

    google.user_inserts(user_event("edited in Google", 0));
    eventually("the exists message", || received.lock().unwrap().len() == 2).await;
    let exists = received.lock().unwrap()[1].clone();
    assert_eq!(header(&exists, "x-goog-resource-state"), "exists");
    let number: u64 = header(&exists, "x-goog-message-number").parse().unwrap();
    assert!(number > 1);

    assert_eq!(
        push.renew(&channel(&subscription), asked).await.unwrap(),
        None
    );
    push.unsubscribe(&channel(&subscription)).await.unwrap();
    assert!(google.emulator.channels()[0].stopped);
    google.user_inserts(user_event("after stop", 1));
    google.emulator.notifier().idle().await;
    assert_eq!(
        received.lock().unwrap().len(),
        2,
        "a stopped channel stays quiet"
    );
    // Already stopped: done, not an error.
    push.unsubscribe(&channel(&subscription)).await.unwrap();
}

#[tokio::test]
async fn the_channel_lives_as_long_as_google_answered_not_as_asked() {
    let google = Google::new().await;
    let (hook, _received) = receiver().await;
    google
        .emulator
        .set_max_channel_lifetime(chrono::TimeDelta::hours(1));
    let subscription = google
        .account
        .push()
        .unwrap()
        .subscribe(
            &google.info,
            &endpoints(&hook),
            "chan-2",
            "s3cret",
            Utc::now() + Duration::days(7),
        )
        .await
        .unwrap();
    let life = subscription.expires_at - Utc::now();
    assert!(
        life <= Duration::hours(1) && life > Duration::minutes(59),
        "{life}"
    );
}

fn channel(subscription: &calsync_core::ports::Subscription) -> PushChannel {
    PushChannel {
        id: subscription.id.clone(),
        calendar: info(CALENDAR).id,
        provider: AccountKind::Google,
        resource_id: subscription.resource_id.clone(),
        secret_hash: PushChannel::hash_secret("s3cret"),
        expires_at: subscription.expires_at,
        created_at: Utc::now(),
    }
}

#[tokio::test]
async fn an_expired_channel_stops_posting() {
    let google = Google::new().await;
    let (hook, received) = receiver().await;
    google
        .emulator
        .set_max_channel_lifetime(chrono::TimeDelta::milliseconds(1));
    google
        .account
        .push()
        .unwrap()
        .subscribe(
            &google.info,
            &endpoints(&hook),
            "chan-3",
            "s3cret",
            Utc::now() + Duration::days(1),
        )
        .await
        .unwrap();
    eventually("the sync message", || received.lock().unwrap().len() == 1).await;
    eventually("the channel to expire", || {
        google.emulator.channels()[0].expiration < Utc::now()
    })
    .await;
    google.user_inserts(user_event("after expiry", 0));
    google.emulator.notifier().idle().await;
    assert_eq!(received.lock().unwrap().len(), 1);
}
