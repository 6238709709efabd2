//! Channel and subscription renewal, on a fast clock: channels asked to live a few seconds
//! are renewed before they expire, and a Graph subscription the provider lost is recreated.

use super::rig::{ServeTuning, eventually};
use super::sides::converge;
use super::two_way::google_graph;
use chrono::Utc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channels_are_renewed_before_expiry_and_a_lost_subscription_is_recreated() {
    let tuning = ServeTuning {
        channel_life: Some(8),
        ..ServeTuning::default()
    };
    let (mut rig, google, graph) = google_graph("renewal", 31, &[], tuning).await;
    let first_channel = rig.google.channels().remove(0);
    let first_subscription = rig.graph.subscriptions().remove(0);

    // Google: a new channel is made while the first still lives, and the first is stopped.
    eventually("a second Google channel", || async {
        rig.google
            .channels()
            .iter()
            .any(|c| c.id != first_channel.id && !c.stopped)
    })
    .await;
    let renewed_at = Utc::now();
    assert!(
        renewed_at < first_channel.expiration,
        "renewed only after expiry"
    );
    eventually("the first Google channel is stopped", || async {
        rig.google
            .channels()
            .iter()
            .all(|c| c.id != first_channel.id || c.stopped)
    })
    .await;

    // Graph: the same subscription is extended by PATCH before it expires.
    eventually("the Graph subscription is extended", || async {
        rig.graph
            .subscriptions()
            .iter()
            .any(|s| s.id == first_subscription.id && s.expires_at > first_subscription.expires_at)
    })
    .await;
    let patches = rig.graph.log().matching("PATCH", "/subscriptions/");
    assert!(
        patches
            .first()
            .is_some_and(|p| p.at < first_subscription.expires_at),
        "no PATCH before expiry: {patches:?}"
    );

    // Graph forgets the subscription: the next renewal gets 404 and calsync subscribes again.
    assert!(rig.graph.drop_subscription(&first_subscription.id));
    eventually("a new Graph subscription", || async {
        rig.graph
            .subscriptions()
            .iter()
            .any(|s| s.id != first_subscription.id)
    })
    .await;
    assert!(
        rig.graph
            .log()
            .matching("PATCH", "/subscriptions/")
            .iter()
            .any(|r| r.status == 404),
        "the renewal never met the 404"
    );

    // Notifications still flow through the renewed channels.
    google.create(&rig, "after renewal, google", 2, 9).await;
    graph.create(&rig, "after renewal, graph", 3, 9).await;
    converge(
        &rig,
        &[&google, &graph],
        &["after renewal, google", "after renewal, graph"],
        "after renewals",
    )
    .await;
    rig.stop().await;
}
