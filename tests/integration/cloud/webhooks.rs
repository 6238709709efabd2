//! Forged notifications against `calsync serve`: each is answered with the documented status
//! and makes calsync read nothing from the providers.

use super::rig::{Rig, ServeTuning, eventually};
use super::sides::Side;
use serde_json::json;
use std::time::Duration;

async fn rig(seed: u64, tuning: ServeTuning) -> (Rig, Side, Side) {
    super::two_way::google_graph("hooks", seed, &[], tuning).await
}

async fn post_google(rig: &Rig, channel: &str, token: &str, body: Vec<u8>) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/webhooks/google", rig.webhook_base))
        .header("X-Goog-Channel-ID", channel)
        .header("X-Goog-Channel-Token", token)
        .header("X-Goog-Resource-ID", "forged-resource")
        .header("X-Goog-Resource-State", "exists")
        .header("X-Goog-Message-Number", "99")
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn post_graph(rig: &Rig, body: Vec<u8>) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/webhooks/graph", rig.webhook_base))
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn graph_notification(subscription: &str, client_state: &str) -> Vec<u8> {
    json!({"value": [{
        "subscriptionId": subscription,
        "clientState": client_state,
        "changeType": "updated",
        "resource": "me/events/forged",
        "resourceData": {"id": "forged"},
        "tenantId": "forged",
    }]})
    .to_string()
    .into_bytes()
}

/// Provider reads (event listings) so far, on both emulators.
fn reads(rig: &Rig) -> usize {
    rig.google.log().matching("GET", "/events").len()
        + rig.graph.log().matching("GET", "/delta").len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_webhooks_are_rejected_and_enqueue_nothing() {
    let (rig, google, _graph) = rig(21, ServeTuning::default()).await;
    let channel = rig.google.channels().remove(0);
    let subscription = rig.graph.subscriptions().remove(0);
    // Let the first passes finish, so any later read was caused by a notification.
    eventually("the first passes are done", || async {
        let before = reads(&rig);
        tokio::time::sleep(Duration::from_millis(500)).await;
        reads(&rig) == before
    })
    .await;
    let before = reads(&rig);
    let oversize = vec![b'x'; 300 * 1024];
    let forged = [
        (
            "Google, wrong token",
            post_google(&rig, &channel.id, "not-the-token", Vec::new()).await,
            403,
        ),
        (
            "Google, unknown channel",
            post_google(&rig, "no-such-channel", "t", Vec::new()).await,
            404,
        ),
        (
            "Google, oversize body",
            post_google(
                &rig,
                &channel.id,
                channel.token.as_deref().unwrap(),
                oversize.clone(),
            )
            .await,
            413,
        ),
        (
            "Graph, wrong clientState",
            post_graph(&rig, graph_notification(&subscription.id, "forged")).await,
            403,
        ),
        (
            "Graph, unknown subscription",
            post_graph(&rig, graph_notification("no-such-subscription", "x")).await,
            404,
        ),
        (
            "Graph, oversize body",
            post_graph(&rig, oversize).await,
            413,
        ),
    ];
    for (what, status, expected) in forged {
        assert_eq!(status, expected, "{what}");
    }
    // Nothing was enqueued: no read follows within two seconds (a queued job runs in ms)...
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        reads(&rig),
        before,
        "a forged notification made calsync read a calendar"
    );
    // ...while a genuine notification does make it read (the observation works).
    let Side::Google(cal) = &google else {
        unreachable!()
    };
    rig.google.bump(cal);
    eventually("a genuine notification is acted on", || async {
        reads(&rig) > before
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_on_an_expired_channel_is_answered_410() {
    let tuning = ServeTuning {
        channel_life: Some(2),
        channel_upkeep: 3600,
        ..ServeTuning::default()
    };
    let (rig, _google, _graph) = rig(22, tuning).await;
    let channel = rig.google.channels().remove(0);
    eventually("the channel expires", || async {
        chrono::Utc::now() > channel.expiration
    })
    .await;
    let status = post_google(
        &rig,
        &channel.id,
        channel.token.as_deref().unwrap(),
        Vec::new(),
    )
    .await;
    assert_eq!(status, 410);
}
