//! Full listings across pages, sync-token deltas, 410, and series read whole.

use super::support::*;
use calsync_core::domain::{RecurrenceKey, RemoteId, SyncCursor};
use calsync_core::ports::{ChangeFeed, EventReader, ItemChange, ProviderError};
use serde_json::json;

fn weekly_series() -> serde_json::Value {
    json!({
        "summary": "Standup",
        "start": {"dateTime": "2026-01-05T09:00:00+01:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2026-01-05T09:15:00+01:00", "timeZone": "Europe/Berlin"},
        "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=6"],
    })
}

#[tokio::test]
async fn a_full_listing_follows_every_page_and_the_delta_reports_only_changes() {
    let google = Google::new().await;
    let ids: Vec<String> = (0..7)
        .map(|day| google.user_inserts(user_event(&format!("e{day}"), day)))
        .collect();
    let first = google.changes(&SyncCursor::default()).await;
    let items = complete_items(first.listing);
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(upserted_ids(&items), expected);
    assert!(items.iter().all(|i| matches!(
        i,
        ItemChange::Upserted {
            body: Some(Ok(_)),
            etag: Some(_),
            ..
        }
    )));
    let pages = google.emulator.log().matching("GET", "/events");
    assert_eq!(pages.len(), 3, "7 events in pages of 3");
    assert!(
        pages[1..]
            .iter()
            .all(|p| p.query.as_deref().unwrap().contains("pageToken="))
    );
    assert!(
        first.cursor.token.is_some(),
        "nextSyncToken on the last page"
    );

    google
        .emulator
        .patch_event(CALENDAR, &ids[1], json!({"summary": "renamed"}))
        .unwrap();
    google.emulator.delete_event(CALENDAR, &ids[2]).unwrap();
    let added = google.user_inserts(user_event("new", 9));
    let second = google.changes(&first.cursor).await;
    let delta = delta_items(second.listing);
    assert_eq!(delta.len(), 3, "{delta:?}");
    let mut upserted = vec![ids[1].clone(), added];
    upserted.sort();
    assert_eq!(upserted_ids(&delta), upserted);
    assert!(
        delta
            .iter()
            .any(|i| matches!(i, ItemChange::Removed { remote_id } if remote_id.0 == ids[2]))
    );
    let renamed = delta.iter().find_map(|i| match i {
        ItemChange::Upserted {
            remote_id,
            body: Some(Ok(event)),
            ..
        } if remote_id.0 == ids[1] => event.summary().map(str::to_string),
        _ => None,
    });
    assert_eq!(renamed.as_deref(), Some("renamed"));

    let third = google.changes(&second.cursor).await;
    assert!(delta_items(third.listing).is_empty());
}

#[tokio::test]
async fn an_expired_sync_token_is_gone_and_a_full_listing_recovers() {
    let google = Google::new().await;
    let id = google.user_inserts(user_event("kept", 0));
    let first = google.changes(&SyncCursor::default()).await;
    google.emulator.expire_sync_tokens(CALENDAR);
    let expired = google
        .account
        .changes(&google.info, &first.cursor, window())
        .await;
    assert!(matches!(expired, Err(ProviderError::Gone)), "{expired:?}");
    let again = google.changes(&SyncCursor::default()).await;
    assert_eq!(upserted_ids(&complete_items(again.listing)), vec![id]);
    assert_ne!(again.cursor.token, first.cursor.token);
}

#[tokio::test]
async fn an_instance_edited_in_google_names_its_series_which_is_read_whole() {
    let google = Google::new().await;
    let series = google.user_inserts(weekly_series());
    let first = google.changes(&SyncCursor::default()).await;
    let before = complete_items(first.listing);
    let ItemChange::Upserted {
        etag: Some(etag_before),
        ..
    } = &before[0]
    else {
        panic!("{before:?}");
    };
    // The user moves the third standup and deletes the fourth.
    let moved = format!("{series}_20260119T080000Z");
    google
        .emulator
        .patch_event(
            CALENDAR,
            &moved,
            json!({"summary": "Standup (moved)",
                   "start": {"dateTime": "2026-01-19T11:00:00+01:00", "timeZone": "Europe/Berlin"},
                   "end": {"dateTime": "2026-01-19T11:15:00+01:00", "timeZone": "Europe/Berlin"}}),
        )
        .unwrap();
    google
        .emulator
        .delete_event(CALENDAR, &format!("{series}_20260126T080000Z"))
        .unwrap();
    let delta = delta_items(google.changes(&first.cursor).await.listing);
    assert_eq!(delta.len(), 1, "{delta:?}");
    assert!(matches!(
        &delta[0],
        ItemChange::Upserted { remote_id, body: None, .. } if remote_id.0 == series
    ));
    let fetched = google
        .account
        .fetch(&google.info, &[RemoteId(series.clone())])
        .await
        .unwrap();
    let event = fetched[0].body.clone().unwrap().unwrap();
    assert_ne!(fetched[0].etag.as_ref(), Some(etag_before));
    let master = event.master.as_ref().unwrap();
    assert_eq!(master.recurrence.exdates.len(), 1);
    let moved = &event.overrides[&RecurrenceKey("20260119T080000Z".into())];
    assert_eq!(moved.summary.as_deref(), Some("Standup (moved)"));

    google.emulator.delete_event(CALENDAR, &series).unwrap();
    let gone = google
        .account
        .fetch(&google.info, &[RemoteId(series)])
        .await
        .unwrap();
    assert!(gone[0].body.is_none(), "a deleted series reads as missing");
}
