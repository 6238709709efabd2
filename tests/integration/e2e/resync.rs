//! A sync token the server no longer accepts (expired, or the server's state was reset) and a
//! CTag that no longer matches: the next pass lists the calendars in full, recognises every
//! event it already knows and writes nothing, yet carries over what changed meanwhile.

use super::fixtures::{timed_event, uid};
use super::harness::{Cal, Calsync};
use super::library::open_store;
use super::stored::{Held, rewrite, set_property};
use calsync_core::domain::{CalendarId, SyncCursor};
use calsync_core::ports::{CalendarCommit, CalendarStore, SyncCommit, SyncStateStore};
use calsync_testkit::ServerKind;
use std::collections::BTreeMap;

on_every_server!(
    an_invalidated_sync_token_resyncs_in_full_without_writes,
    the_full_resync_catches_edits_and_deletions_made_meanwhile,
);

const INVALID: &str = "invalidated";

/// Replaces the stored cursor of each calendar by one its server no longer accepts: the sync
/// token (where the server has them) and the CTag.
async fn invalidate_cursors(calsync: &Calsync, cals: &[&Cal], kind: ServerKind) {
    let (tenant, store) = open_store(calsync.data_dir());
    let mut calendars = Vec::new();
    for cal in cals {
        let id = CalendarId::parse(&cal.id).unwrap();
        let mut state = store.calendar_state(&tenant, &id).await.unwrap();
        let cursor = &state.cursor;
        assert!(
            cursor.token.is_some() == kind.has_sync_collection()
                && cursor.ctag.is_some() != kind.has_sync_collection(),
            "{kind}: unexpected stored cursor {cursor:?}"
        );
        state.cursor = SyncCursor {
            token: cursor.token.as_ref().map(|t| format!("{t}-{INVALID}")),
            ctag: Some(format!("\"{INVALID}\"")),
            modified_gate: None,
        };
        calendars.push(CalendarCommit {
            calendar: id,
            state,
            index: BTreeMap::new(),
            replace_index: false,
        });
    }
    let commit = SyncCommit {
        calendars,
        link: None,
    };
    store.commit(&tenant, &commit).await.unwrap();
}

async fn an_invalidated_sync_token_resyncs_in_full_without_writes(kind: ServerKind) {
    let (calsync, cals) = Calsync::with_calendars("resync", &[kind, kind]).await;
    let (a, b) = (&cals[0], &cals[1]);
    calsync.pair("resync", a, b).await;
    for (cal, n) in [(a, 0), (a, 1), (b, 2)] {
        let ics = timed_event(&uid(&format!("resync{n}")), "Resync", 18, 8 + n, &[]);
        cal.raw.put(&format!("r{n}.ics"), &ics).await;
    }
    let pass = calsync.sync().await;
    assert_eq!(pass.writes(), 3, "{kind}: {pass:#?}");
    let before = (a.raw.list().await, b.raw.list().await);

    invalidate_cursors(&calsync, &[a, b], kind).await;

    let pass = calsync.sync().await;
    assert_eq!(pass.writes(), 0, "{kind}: {pass:#?}");
    assert_eq!(
        (a.raw.list().await, b.raw.list().await),
        before,
        "{kind}: the same resources with the same ETags: nothing written, nothing duplicated"
    );
    let status = calsync.status().await;
    for calendar in status["calendars"].as_array().unwrap() {
        if calendar["id"] == a.id.as_str() || calendar["id"] == b.id.as_str() {
            let cursor = calendar["sync"]["cursor"].to_string();
            assert!(
                !cursor.contains(INVALID) && calendar["sync"]["last_error"].is_null(),
                "{kind}: the resync stored a fresh cursor: {calendar:#}"
            );
        }
    }
    calsync
        .sync_expecting_nothing("the fresh cursor works")
        .await;
}

async fn the_full_resync_catches_edits_and_deletions_made_meanwhile(kind: ServerKind) {
    let (calsync, cals) = Calsync::with_calendars("resync changes", &[kind, kind]).await;
    let (a, b) = (&cals[0], &cals[1]);
    calsync.pair("resync", a, b).await;
    let (edited, deleted) = (uid("edited"), uid("deleted"));
    a.raw
        .put("edited.ics", &timed_event(&edited, "Before", 18, 9, &[]))
        .await;
    b.raw
        .put("deleted.ics", &timed_event(&deleted, "Doomed", 18, 11, &[]))
        .await;
    let pass = calsync.sync().await;
    assert_eq!(pass.writes(), 2, "{kind}: {pass:#?}");

    invalidate_cursors(&calsync, &[a, b], kind).await;
    let on_a = Held::read(a).await;
    rewrite(a, on_a.get(&edited), |t| {
        set_property(t, "SUMMARY", "SUMMARY:After")
    })
    .await;
    b.raw.delete("deleted.ics").await;

    let pass = calsync.sync().await;
    assert_eq!(
        (pass.ops(b).updated, pass.ops(a).deleted, pass.writes()),
        (1, 1, 2),
        "{kind}: the edit and the deletion made meanwhile are carried over: {pass:#?}"
    );
    for cal in [a, b] {
        let held = Held::read(cal).await;
        held.assert_exactly(&[&edited], "after the resync");
        assert_eq!(held.get(&edited).summary(), Some("After"), "{}", held.label);
    }
    calsync.sync_expecting_nothing("the resync converged").await;
}
