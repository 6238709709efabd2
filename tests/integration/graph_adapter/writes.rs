//! Creates with transactionId, If-Match on updates and deletes, calsync's origin marker.

use super::support::Setup;
use calsync_core::domain::{
    CalendarId, Component, Event, EventTime, LinkId, OriginKey, OriginTag, TenantId,
};
use calsync_core::ports::{EventReader, EventWriter, ProviderError, WriteOutcome};
use chrono::NaiveDate;
use serde_json::json;
use std::collections::BTreeMap;

pub fn tag() -> OriginTag {
    OriginTag::new(
        TenantId::parse("t1").unwrap(),
        OriginKey {
            calendar: CalendarId::parse("corigin").unwrap(),
            uid: "meeting-1@example.org".into(),
        },
    )
}

pub fn berlin(day: u32, hour: u32) -> EventTime {
    EventTime::Zoned {
        local: NaiveDate::from_ymd_opt(2026, 1, day)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap(),
        tzid: "Europe/Berlin".into(),
    }
}

pub fn copy(summary: &str) -> Event {
    Event {
        uid: "copy@calsync".into(),
        master: Some(Component {
            summary: Some(summary.into()),
            description: Some("agenda".into()),
            start: Some(berlin(8, 9)),
            end: Some(berlin(8, 10)),
            ..Component::default()
        }),
        overrides: BTreeMap::new(),
        origin: Some(tag()),
        owner_link: Some(LinkId::parse("l1").unwrap()),
        timezones: Vec::new(),
    }
}

/// `event` created on the test calendar under the copy key of [`tag`].
pub async fn create_tagged(setup: &Setup, event: &Event) -> WriteOutcome {
    let key = tag().copy_key(&setup.calendar.id);
    setup
        .account
        .create(&setup.calendar, &key, event)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_retried_create_with_the_same_transaction_id_makes_one_event() {
    let setup = Setup::new().await;
    let key = tag().copy_key(&setup.calendar.id);
    let first = create_tagged(&setup, &copy("Planning")).await;
    // The answer was lost; the caller retries the same create.
    let second = setup
        .account
        .create(&setup.calendar, &key, &copy("Planning"))
        .await
        .unwrap();
    assert_eq!(first.remote_id, second.remote_id);
    assert_eq!(setup.graph.events(&setup.calendar.url).len(), 1);
    let posts = setup.graph.log().matching("POST", "/events");
    assert_eq!(posts.len(), 2, "both POSTs reached Graph");
    let stored = setup.graph.event(&first.remote_id.0).unwrap();
    assert_eq!(stored["transactionId"], key.as_str());
    assert_eq!(stored["originalStartTimeZone"], "W. Europe Standard Time");
}

/// The first attempt's answer was lost and the copy edited on Graph before the retry: the
/// retry gets that event back, edited, and must not report it as holding what it sent
/// (the edit would hide inside the recorded ETag), nor make a second event.
#[tokio::test]
async fn a_retried_create_that_meets_an_edited_first_attempt_is_a_race() {
    let setup = Setup::new().await;
    let key = tag().copy_key(&setup.calendar.id);
    let first = create_tagged(&setup, &copy("Planning")).await;
    setup
        .graph
        .user_update_event(
            &first.remote_id.0,
            json!({"location": {"displayName": "Room 2"}}),
        )
        .unwrap();
    let retried = setup
        .account
        .create(&setup.calendar, &key, &copy("Planning"))
        .await;
    assert!(
        matches!(retried, Err(ProviderError::PreconditionFailed)),
        "{retried:?}"
    );
    assert_eq!(setup.graph.events(&setup.calendar.url).len(), 1);
    let (_, stored) = setup.read_back(&first.remote_id).await;
    assert_eq!(
        stored.master.unwrap().location.as_deref(),
        Some("Room 2"),
        "the edit is kept"
    );
}

#[tokio::test]
async fn the_origin_tag_and_owner_link_round_trip() {
    let setup = Setup::new().await;
    let written = create_tagged(&setup, &copy("Planning")).await;
    let (etag, event) = setup.read_back(&written.remote_id).await;
    assert_eq!(event.origin, Some(tag()));
    assert_eq!(event.owner_link, Some(LinkId::parse("l1").unwrap()));
    assert_eq!(event.summary(), Some("Planning"));
    assert_eq!(event.master.unwrap().start, Some(berlin(8, 9)));
    assert_eq!(etag, written.etag, "a write's ETag is what a read reports");
}

#[tokio::test]
async fn an_original_created_by_calsync_keeps_its_uid_although_graph_assigns_another() {
    let setup = Setup::new().await;
    // An original restored on its own calendar: no origin tag, its UID known everywhere.
    let mut original = copy("Planning");
    original.origin = None;
    original.owner_link = None;
    original.uid = "meeting-1@example.org".into();
    let written = create_tagged(&setup, &original).await;
    let stored = setup.graph.event(&written.remote_id.0).unwrap();
    assert_ne!(
        stored["iCalUId"].as_str(),
        Some(original.uid.as_str()),
        "Graph chose its own iCalUId"
    );
    let (_, event) = setup.read_back(&written.remote_id).await;
    assert_eq!(event.uid, "meeting-1@example.org");
    assert_eq!(event.origin, None);
}

#[tokio::test]
async fn a_stale_etag_is_a_precondition_failure_and_deleted_items_are_not_found() {
    let setup = Setup::new().await;
    let written = create_tagged(&setup, &copy("v1")).await;
    setup
        .graph
        .user_update_event(
            &written.remote_id.0,
            serde_json::json!({"subject": "user edit"}),
        )
        .unwrap();
    let stale = setup
        .account
        .update(
            &setup.calendar,
            &written.remote_id,
            written.etag.as_ref(),
            &copy("v2"),
        )
        .await;
    assert!(
        matches!(stale, Err(ProviderError::PreconditionFailed)),
        "{stale:?}"
    );
    let deleted_stale = setup
        .account
        .delete(&setup.calendar, &written.remote_id, written.etag.as_ref())
        .await;
    assert!(matches!(
        deleted_stale,
        Err(ProviderError::PreconditionFailed)
    ));
    assert_eq!(
        setup.graph.event(&written.remote_id.0).unwrap()["subject"],
        "user edit",
        "nothing was overwritten"
    );

    let current = setup
        .account
        .fetch(&setup.calendar, std::slice::from_ref(&written.remote_id))
        .await
        .unwrap()
        .remove(0);
    let updated = setup
        .account
        .update(
            &setup.calendar,
            &written.remote_id,
            current.etag.as_ref(),
            &copy("v2"),
        )
        .await
        .unwrap();
    assert_ne!(updated.etag, current.etag);
    setup
        .account
        .delete(&setup.calendar, &written.remote_id, updated.etag.as_ref())
        .await
        .unwrap();
    let again = setup
        .account
        .delete(&setup.calendar, &written.remote_id, None)
        .await;
    assert!(matches!(again, Err(ProviderError::NotFound)), "{again:?}");
}

/// A single event's ETag is the one the write was answered with, not one read afterwards: an
/// edit landing between the write and such a read would hide inside the recorded ETag and
/// never be read (found by the chaos run: Graph copies that diverged for good).
#[tokio::test]
async fn a_single_events_etag_comes_from_the_write_itself() {
    let setup = Setup::new().await;
    let created = create_tagged(&setup, &copy("v1")).await;
    let id = created.remote_id.clone();
    setup.graph.log().clear();
    let updated = setup
        .account
        .update(&setup.calendar, &id, created.etag.as_ref(), &copy("v2"))
        .await
        .unwrap();
    let after_patch: Vec<String> = setup
        .graph
        .log()
        .all()
        .into_iter()
        .skip_while(|r| r.method != "PATCH")
        .skip(1)
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(after_patch.is_empty(), "read back: {after_patch:?}");
    // A user's edit right after ours changes the ETag: the recorded one must not match it.
    setup
        .graph
        .user_update_event(&id.0, serde_json::json!({"subject": "user edit"}))
        .unwrap();
    let now = setup
        .account
        .fetch(&setup.calendar, std::slice::from_ref(&id))
        .await
        .unwrap();
    assert_ne!(
        now[0].etag, updated.etag,
        "the user's edit shows as a change"
    );
    assert_ne!(created.etag, updated.etag);
}
