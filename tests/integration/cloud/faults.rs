//! Faults on the way: lost, duplicated and reordered notifications, rate limits, expired sync
//! state, and a create whose answer was lost. Each scenario still converges with no duplicate.

use super::rig::{Rig, ServeTuning};
use super::sides::{Side, converge};
use super::two_way::settled;
use calsync_emulators::common::{Fault, FaultRule, NotificationFaults};
use std::time::Duration;

async fn google_graph(seed: u64, tuning: ServeTuning) -> (Rig, Side, Side) {
    super::two_way::google_graph("faults", seed, &[], tuning).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_30_percent_of_notifications_dropped_the_fallback_poll_converges() {
    let tuning = ServeTuning {
        push_fallback_poll: 3,
        ..ServeTuning::default()
    };
    let (mut rig, google, graph) = google_graph(11, tuning).await;
    let lossy = NotificationFaults {
        drop: 0.3,
        ..NotificationFaults::default()
    };
    rig.google.notifier().set_faults(lossy.clone());
    rig.graph.notifier().set_faults(lossy);
    let mut titles = Vec::new();
    for i in 0..8u32 {
        let title = format!("lossy {i}");
        let side = if i % 2 == 0 { &google } else { &graph };
        side.create(&rig, &title, 2 + u64::from(i), 9).await;
        titles.push(title);
    }
    let expected: Vec<&str> = titles.iter().map(String::as_str).collect();
    converge(&rig, &[&google, &graph], &expected, "notifications lost").await;
    let dropped = rig
        .google
        .notifier()
        .deliveries()
        .iter()
        .chain(rig.graph.notifier().deliveries().iter())
        .filter(|d| d.dropped)
        .count();
    assert!(dropped > 0, "the fault never dropped a notification");
    settled(&mut rig).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicated_and_reordered_notifications_change_nothing() {
    let (mut rig, google, graph) = google_graph(12, ServeTuning::default()).await;
    let noisy = NotificationFaults {
        duplicate: 1.0,
        jitter: Duration::from_millis(400),
        ..NotificationFaults::default()
    };
    rig.google.notifier().set_faults(noisy.clone());
    rig.graph.notifier().set_faults(noisy);
    google.create(&rig, "twice told", 2, 9).await;
    graph.create(&rig, "told twice", 3, 9).await;
    converge(
        &rig,
        &[&google, &graph],
        &["told twice", "twice told"],
        "duplicates",
    )
    .await;
    google
        .rename(&rig, "told twice", "told twice, renamed")
        .await;
    graph
        .rename(&rig, "twice told", "twice told, renamed")
        .await;
    converge(
        &rig,
        &[&google, &graph],
        &["told twice, renamed", "twice told, renamed"],
        "reordered renames",
    )
    .await;
    rig.google.notifier().idle().await;
    rig.graph.notifier().idle().await;
    let duplicated = rig.google.notifier().deliveries().len();
    assert!(
        duplicated >= 4,
        "notifications were not duplicated: {duplicated}"
    );
    settled(&mut rig).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_retry_after_is_honoured() {
    let (mut rig, google, graph) = google_graph(13, ServeTuning::default()).await;
    rig.google.faults().add(
        FaultRule::next(
            1,
            Fault::RateLimited {
                retry_after_secs: 2,
            },
        )
        .on_method("GET")
        .on_path("/events"),
    );
    google.create(&rig, "throttled", 2, 9).await;
    converge(&rig, &[&google, &graph], &["throttled"], "after a 429").await;
    let log = rig.google.log().all();
    let limited = log
        .iter()
        .position(|r| r.status == 429)
        .expect("the emulator never answered 429");
    let refused = &log[limited];
    let retried = log[limited + 1..]
        .iter()
        .find(|r| r.method == refused.method && r.path == refused.path)
        .expect("the throttled request was never retried");
    let waited = retried.at - refused.at;
    assert!(
        waited >= chrono::TimeDelta::seconds(2),
        "retried after {waited} despite Retry-After: 2"
    );
    settled(&mut rig).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_sync_state_on_both_providers_resyncs_without_duplicates() {
    let (mut rig, google, graph) = google_graph(14, ServeTuning::default()).await;
    google.create(&rig, "before expiry, google", 2, 9).await;
    graph.create(&rig, "before expiry, graph", 3, 9).await;
    let before = ["before expiry, google", "before expiry, graph"];
    converge(&rig, &[&google, &graph], &before, "before expiry").await;
    let Side::Google(cal) = &google else {
        unreachable!()
    };
    rig.google.expire_sync_tokens(cal);
    rig.graph.expire_delta_tokens();
    google.create(&rig, "after expiry, google", 4, 9).await;
    graph.create(&rig, "after expiry, graph", 5, 9).await;
    let after = [
        "after expiry, google",
        "after expiry, graph",
        "before expiry, google",
        "before expiry, graph",
    ];
    converge(&rig, &[&google, &graph], &after, "after a 410 on both").await;
    assert!(
        rig.google.log().all().iter().any(|r| r.status == 410),
        "Google never answered 410"
    );
    assert!(
        rig.graph.log().all().iter().any(|r| r.status == 410),
        "Graph never answered 410"
    );
    settled(&mut rig).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_create_after_a_lost_answer_does_not_duplicate() {
    let (mut rig, google, graph) = google_graph(15, ServeTuning::default()).await;
    rig.google.lose_next_answer("POST", "/events");
    graph.create(&rig, "lost answer", 2, 9).await;
    converge(
        &rig,
        &[&google, &graph],
        &["lost answer"],
        "after a lost answer",
    )
    .await;
    let posts = rig.google.log().matching("POST", "/events");
    assert!(
        posts.iter().any(|r| r.status == 503),
        "the first create's answer was not lost: {posts:?}"
    );
    settled(&mut rig).await;
}

/// Google and Graph give every new event a UID of their own: an original that calsync
/// restores (an edit elsewhere beat its deletion) must still be the same event, not a second
/// one copied back everywhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_original_deleted_while_its_copy_was_edited_comes_back_once() {
    let (mut rig, google, graph) = google_graph(16, ServeTuning::default()).await;
    google.create(&rig, "from google", 2, 9).await;
    graph.create(&rig, "from graph", 3, 9).await;
    converge(
        &rig,
        &[&google, &graph],
        &["from google", "from graph"],
        "before the deletions",
    )
    .await;
    rig.stop().await;
    // Each original deleted on its own calendar while its copy is edited on the other.
    google.delete(&rig, "from google").await;
    graph.rename(&rig, "from google", "from google, kept").await;
    graph.delete(&rig, "from graph").await;
    google.rename(&rig, "from graph", "from graph, kept").await;
    let pass = rig.calsync.sync().await;
    assert_eq!(
        pass.writes(),
        2,
        "the two originals are restored: {pass:#?}"
    );
    converge(
        &rig,
        &[&google, &graph],
        &["from google, kept", "from graph, kept"],
        "after the restores",
    )
    .await;
    // Read again once edited (calsync skips its own writes by ETag until then).
    google
        .rename(&rig, "from google, kept", "from google, edited")
        .await;
    graph
        .rename(&rig, "from graph, kept", "from graph, edited")
        .await;
    let pass = rig.calsync.sync().await;
    let (created, deleted): (usize, usize) = pass
        .links
        .iter()
        .flat_map(|l| l.operations.values())
        .fold((0, 0), |(c, d), ops| (c + ops.created, d + ops.deleted));
    assert_eq!(
        (created, deleted, pass.writes()),
        (0, 0, 2),
        "each edit updates its copy; nothing is taken for a new event: {pass:#?}"
    );
    converge(
        &rig,
        &[&google, &graph],
        &["from google, edited", "from graph, edited"],
        "after editing the restored originals",
    )
    .await;
    rig.calsync
        .sync_expecting_nothing("a restored original is the event it was")
        .await;
}
