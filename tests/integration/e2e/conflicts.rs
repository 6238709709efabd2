//! Both sides edited between passes. Different fields: both edits are kept everywhere. The
//! same field: the newer LAST-MODIFIED wins everywhere, and the report says so.

use super::fixtures::{timed_event, uid};
use super::harness::{Cal, Calsync};
use super::stored::{Held, rewrite, set_property};
use calsync_testkit::{PyClient, PyEdit, ServerKind};
use chrono::{Duration, Utc};

on_every_server!(
    edits_of_different_fields_on_both_sides_are_both_kept,
    the_newer_edit_of_the_same_field_wins_on_both_sides,
    an_edit_on_one_side_beats_a_delete_on_the_other,
);

async fn synced_pair(kind: ServerKind, scenario: &str, uids: &[&str]) -> (Calsync, Cal, Cal) {
    let (calsync, cals) = Calsync::with_calendars(scenario, &[kind, kind]).await;
    let (a, b) = (cals[0].clone(), cals[1].clone());
    calsync.pair("conflicts", &a, &b).await;
    for (i, u) in uids.iter().enumerate() {
        let ics = timed_event(u, &format!("Event {i}"), 10, 8 + i as u32, &[]);
        a.raw.put(&format!("e{i}.ics"), &ics).await;
    }
    let pass = calsync.sync().await;
    assert_eq!(pass.ops(&b).created, uids.len(), "{kind}: {pass:#?}");
    (calsync, a, b)
}

async fn edits_of_different_fields_on_both_sides_are_both_kept(kind: ServerKind) {
    let event = uid("merge");
    let (calsync, a, b) = synced_pair(kind, "conflicts merge", &[&event]).await;
    let on_a = Held::read(&a).await;
    let on_b = Held::read(&b).await;
    rewrite(&a, on_a.get(&event), |t| {
        set_property(t, "SUMMARY", "SUMMARY:Renamed on A")
    })
    .await;
    rewrite(&b, on_b.get(&event), |t| {
        set_property(t, "LOCATION", "LOCATION:Located on B")
    })
    .await;

    let pass = calsync.sync().await;
    assert_eq!(
        (pass.ops(&a).updated, pass.ops(&b).updated),
        (1, 1),
        "{kind}: each side receives the other's edit: {pass:#?}"
    );
    assert!(
        pass.conflicts().is_empty(),
        "{kind}: edits of different fields do not conflict: {pass:#?}"
    );
    for cal in [&a, &b] {
        let held = Held::read(cal).await;
        held.assert_exactly(&[&event], "after the merge");
        let merged = held.get(&event);
        assert_eq!(
            (merged.summary(), merged.value("LOCATION")),
            (Some("Renamed on A"), Some("Located on B")),
            "{}: both edits are kept:\n{}",
            held.label,
            merged.text
        );
    }
    calsync
        .sync_expecting_nothing("the merged event is the same on both sides")
        .await;
}

async fn the_newer_edit_of_the_same_field_wins_on_both_sides(kind: ServerKind) {
    let (copy_newer, origin_newer) = (uid("copy-newer"), uid("origin-newer"));
    let (calsync, a, b) = synced_pair(kind, "conflicts lww", &[&copy_newer, &origin_newer]).await;
    let earlier = Utc::now() - Duration::hours(2);
    let later = Utc::now() - Duration::hours(1);
    let iso = |t: chrono::DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let stamp = |t: chrono::DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();

    // The first event: a real client edits the title on both sides; the copy's edit is newer.
    let py = PyClient;
    let copy_uid = Held::read(&b).await.get(&copy_newer).uid().to_string();
    let title = |summary: &str, at| PyEdit {
        summary: Some(summary.into()),
        last_modified: Some(iso(at)),
        ..PyEdit::default()
    };
    py.edit(&a.raw, &copy_newer, &title("Older title from A", earlier))
        .await;
    py.edit(&b.raw, &copy_uid, &title("Newer title from B", later))
        .await;
    // The second event: the same, but the original's edit is the newer one.
    let edit = |summary: &'static str, at| {
        move |text: &str| {
            let text = set_property(text, "SUMMARY", &format!("SUMMARY:{summary}"));
            set_property(
                &text,
                "LAST-MODIFIED",
                &format!("LAST-MODIFIED:{}", stamp(at)),
            )
        }
    };
    let (on_a, on_b) = (Held::read(&a).await, Held::read(&b).await);
    rewrite(
        &a,
        on_a.get(&origin_newer),
        edit("Newer title from A", later),
    )
    .await;
    rewrite(
        &b,
        on_b.get(&origin_newer),
        edit("Older title from B", earlier),
    )
    .await;

    let pass = calsync.sync().await;
    let expected_conflicts = [(&copy_newer, &b.id), (&origin_newer, &a.id)];
    for (event, winner) in expected_conflicts {
        assert!(
            pass.conflicts()
                .iter()
                .any(|c| c.contains(event.as_str()) && c.contains("summary") && c.contains(winner)),
            "{kind}: the report lists the conflict on {event} as won by {winner}: {pass:#?}"
        );
    }
    assert_eq!(
        (pass.ops(&a).updated, pass.ops(&b).updated),
        (1, 1),
        "{kind}: each loser is overwritten once: {pass:#?}"
    );
    for cal in [&a, &b] {
        let held = Held::read(cal).await;
        held.assert_exactly(&[&copy_newer, &origin_newer], "after the conflict");
        assert_eq!(
            held.get(&copy_newer).summary(),
            Some("Newer title from B"),
            "{}:\n{}",
            held.label,
            held.get(&copy_newer).text
        );
        assert_eq!(
            held.get(&origin_newer).summary(),
            Some("Newer title from A"),
            "{}:\n{}",
            held.label,
            held.get(&origin_newer).text
        );
    }
    calsync
        .sync_expecting_nothing("the winner is on both sides")
        .await;
}

async fn an_edit_on_one_side_beats_a_delete_on_the_other(kind: ServerKind) {
    let (deleted_original, deleted_copy) = (uid("gone-original"), uid("gone-copy"));
    let (calsync, a, b) = synced_pair(
        kind,
        "conflicts edit-delete",
        &[&deleted_original, &deleted_copy],
    )
    .await;
    let (on_a, on_b) = (Held::read(&a).await, Held::read(&b).await);
    // One event: deleted on A (its original), edited on B. The other: the reverse.
    a.raw.delete(&on_a.get(&deleted_original).href).await;
    rewrite(&b, on_b.get(&deleted_original), |t| {
        set_property(t, "SUMMARY", "SUMMARY:Still needed (B)")
    })
    .await;
    b.raw.delete(&on_b.get(&deleted_copy).href).await;
    rewrite(&a, on_a.get(&deleted_copy), |t| {
        set_property(t, "SUMMARY", "SUMMARY:Still needed (A)")
    })
    .await;

    let pass = calsync.sync().await;
    let notices = pass.notices();
    for event in [&deleted_original, &deleted_copy] {
        assert!(
            notices
                .iter()
                .any(|n| n.contains(event.as_str()) && n.contains("edit wins")),
            "{kind}: the report says the edit of {event} won: {pass:#?}"
        );
    }
    for cal in [&a, &b] {
        let held = Held::read(cal).await;
        held.assert_exactly(&[&deleted_original, &deleted_copy], "after edit-vs-delete");
        assert_eq!(
            held.get(&deleted_original).summary(),
            Some("Still needed (B)"),
            "{}",
            held.label
        );
        assert_eq!(
            held.get(&deleted_copy).summary(),
            Some("Still needed (A)"),
            "{}",
            held.label
        );
    }
    calsync
        .sync_expecting_nothing("the restored events are stable")
        .await;
}
