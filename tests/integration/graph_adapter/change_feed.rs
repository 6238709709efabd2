//! Listings through calendarView delta: pages, delta links, 410.

use super::support::{Setup, graph_event, upserted};
use calsync_core::domain::{DetectionMethod, EventTime, SyncCursor};
use calsync_core::ports::{CalendarDirectory, ChangeFeed, Listing, ProviderError};
use serde_json::json;

#[tokio::test]
async fn calendars_are_discovered_with_their_graph_ids() {
    let setup = Setup::new().await;
    let shared = setup.graph.add_calendar("Team (read only)", false);
    let found = setup.account.calendars().await.unwrap();
    assert_eq!(found.len(), 2);
    assert!(
        found
            .iter()
            .any(|c| c.url == setup.calendar.url && !c.read_only)
    );
    assert!(found.iter().any(|c| c.url == shared && c.read_only));
}

#[tokio::test]
async fn a_paginated_full_listing_then_an_incremental_delta() {
    let setup = Setup::new().await;
    setup.graph.set_page_size(2);
    let ids: Vec<String> = (1..=5)
        .map(|day| setup.user_creates(graph_event(&format!("event {day}"), day + 4, "UTC")))
        .collect();
    let first = setup.changes(&SyncCursor::default()).await;
    assert_eq!(first.method, DetectionMethod::Delta);
    assert!(matches!(
        first.listing,
        Listing::Complete { windowed: true, .. }
    ));
    let mut listed: Vec<String> = upserted(&first.listing)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    listed.sort();
    assert_eq!(listed, ids, "all five, across three pages");
    let pages = setup.graph.log().matching("GET", "/calendarView/delta");
    assert_eq!(pages.len(), 3, "5 items at 2 per page");
    assert!(
        first
            .cursor
            .token
            .as_deref()
            .is_some_and(|t| t.contains("$deltatoken="))
    );

    setup
        .graph
        .user_update_event(&ids[1], json!({"subject": "renamed"}))
        .unwrap();
    let added = setup.user_creates(graph_event("added", 20, "UTC"));
    let second = setup.changes(&first.cursor).await;
    let Listing::Delta(_) = &second.listing else {
        panic!("an incremental round is a delta: {:?}", second.listing);
    };
    let changed = upserted(&second.listing);
    let mut changed_ids: Vec<&str> = changed.iter().map(|(id, _)| id.as_str()).collect();
    changed_ids.sort();
    let mut expected = vec![ids[1].as_str(), added.as_str()];
    expected.sort();
    assert_eq!(changed_ids, expected);
    assert!(changed.iter().any(|(_, e)| e.summary() == Some("renamed")));

    // A deletion comes back as a bare @removed id: the window is listed again without it.
    setup.graph.user_delete_event(&ids[0]).unwrap();
    let third = setup.changes(&second.cursor).await;
    let Listing::Complete { items, .. } = &third.listing else {
        panic!(
            "an untraceable removal lists the window: {:?}",
            third.listing
        );
    };
    assert_eq!(items.len(), 5);
    assert!(!upserted(&third.listing).iter().any(|(id, _)| id == &ids[0]));
    let quiet = setup.changes(&third.cursor).await;
    assert!(matches!(&quiet.listing, Listing::Delta(items) if items.is_empty()));
}

#[tokio::test]
async fn an_expired_delta_link_is_gone_and_a_fresh_listing_recovers() {
    let setup = Setup::new().await;
    setup.user_creates(graph_event("kept", 6, "UTC"));
    let first = setup.changes(&SyncCursor::default()).await;
    setup.graph.expire_delta_tokens();
    let expired = setup
        .account
        .changes(&setup.calendar, &first.cursor, super::support::window())
        .await;
    assert!(matches!(expired, Err(ProviderError::Gone)), "{expired:?}");
    let again = setup.changes(&SyncCursor::default()).await;
    assert_eq!(upserted(&again.listing).len(), 1);
}

#[tokio::test]
async fn a_windows_zone_from_an_outlook_edit_reads_back_as_the_iana_zone() {
    let setup = Setup::new().await;
    setup.user_creates(graph_event("Berlin", 7, "W. Europe Standard Time"));
    let listed = upserted(&setup.changes(&SyncCursor::default()).await.listing);
    let master = listed[0].1.master.clone().unwrap();
    assert_eq!(
        master.start,
        Some(EventTime::Zoned {
            local: chrono::NaiveDate::from_ymd_opt(2026, 1, 7)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
            tzid: "Europe/Berlin".into(),
        })
    );
}
