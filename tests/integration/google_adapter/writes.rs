//! Creates keyed by the copy key, conditional updates and deletes, and what survives a round
//! trip: recurrence with an override and a cancelled instance, all-day and zoned times, tags.

use super::support::*;
use calsync_core::domain::{EventTime, LinkId};
use calsync_core::ports::{EventReader, EventWriter, ProviderError};
use calsync_core::usecases::RetryPolicy;
use chrono::{NaiveDate, NaiveDateTime};
use serde_json::json;

#[tokio::test]
async fn a_create_retried_after_a_lost_answer_conflicts_and_a_deleted_copy_is_restored() {
    let google = Google::new().await;
    google.emulator.lose_next_answer("POST", "/events");
    let event = timed("Busy", "20260105T090000", "20260105T100000");
    let copy_key = key(1);
    let result = RetryPolicy::default()
        .run(|| google.account.create(&google.info, &copy_key, &event))
        .await;
    assert!(
        matches!(result, Err(ProviderError::PreconditionFailed)),
        "{result:?}"
    );
    let posts = google.emulator.log().matching("POST", "/events");
    let statuses: Vec<u16> = posts.iter().map(|p| p.status).collect();
    assert_eq!(statuses, vec![503, 409]);
    assert!(
        posts
            .iter()
            .all(|p| p.query.as_deref().unwrap().contains("sendUpdates=none"))
    );
    let live = google.emulator.live_events(CALENDAR);
    assert_eq!(live.len(), 1);
    assert_eq!(live[0]["id"], key(1).as_str());

    // The id of a deleted copy stays taken, as on Google: creating it again (an edit
    // elsewhere beat the deletion) restores the cancelled event in place.
    google
        .emulator
        .delete_event(CALENDAR, key(1).as_str())
        .unwrap();
    assert!(google.emulator.live_events(CALENDAR).is_empty());
    let mut edited = event.clone();
    edited.master.as_mut().unwrap().summary = Some("Busy, moved".into());
    let restored = google
        .account
        .create(&google.info, &key(1), &edited)
        .await
        .unwrap();
    assert_eq!(restored.remote_id.0, key(1).as_str());
    let live = google.emulator.live_events(CALENDAR);
    assert_eq!(live.len(), 1);
    assert_eq!(live[0]["summary"], "Busy, moved");
    assert_eq!(live[0]["status"], "confirmed");
}

#[tokio::test]
async fn a_stale_etag_is_refused_and_a_fresh_one_accepted() {
    let google = Google::new().await;
    let event = timed("Busy", "20260105T090000", "20260105T100000");
    let created = google
        .account
        .create(&google.info, &key(2), &event)
        .await
        .unwrap();
    let stale = created.etag.clone().unwrap();
    google
        .emulator
        .patch_event(
            CALENDAR,
            key(2).as_str(),
            json!({"summary": "user edit", "colorId": "5"}),
        )
        .unwrap();
    let mut mine = event.clone();
    mine.master.as_mut().unwrap().summary = Some("mine".into());
    let update = google
        .account
        .update(&google.info, &created.remote_id, Some(&stale), &mine)
        .await;
    assert!(
        matches!(update, Err(ProviderError::PreconditionFailed)),
        "{update:?}"
    );
    let delete = google
        .account
        .delete(&google.info, &created.remote_id, Some(&stale))
        .await;
    assert!(
        matches!(delete, Err(ProviderError::PreconditionFailed)),
        "{delete:?}"
    );
    assert_eq!(
        google.emulator.live_events(CALENDAR)[0]["summary"],
        "user edit"
    );

    let fresh = google
        .account
        .fetch(&google.info, std::slice::from_ref(&created.remote_id))
        .await
        .unwrap()[0]
        .etag
        .clone();
    let updated = google
        .account
        .update(&google.info, &created.remote_id, fresh.as_ref(), &mine)
        .await
        .unwrap();
    let stored = google
        .emulator
        .get_event(CALENDAR, key(2).as_str())
        .unwrap();
    assert_eq!(stored["summary"], "mine");
    assert_eq!(
        stored["colorId"], "5",
        "PATCH keeps what calsync does not model"
    );
    assert_eq!(
        updated.etag.as_ref().unwrap().0,
        stored["etag"].as_str().unwrap()
    );

    google
        .account
        .delete(&google.info, &created.remote_id, updated.etag.as_ref())
        .await
        .unwrap();
    let twice = google
        .account
        .delete(&google.info, &created.remote_id, None)
        .await;
    assert!(matches!(twice, Err(ProviderError::NotFound)), "{twice:?}");
}

#[tokio::test]
async fn all_day_and_zoned_events_keep_their_kind_of_time() {
    let google = Google::new().await;
    let day = |d| EventTime::Date {
        date: NaiveDate::from_ymd_opt(2026, 5, d).unwrap(),
    };
    let mut all_day = timed("Holiday", "20260101T000000", "20260101T000000");
    let master = all_day.master.as_mut().unwrap();
    master.start = Some(day(1));
    master.end = Some(day(2));
    let ny = |s| EventTime::Zoned {
        local: NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S").unwrap(),
        tzid: "America/New_York".into(),
    };
    let mut zoned = timed("Call", "20260101T000000", "20260101T000000");
    let master = zoned.master.as_mut().unwrap();
    master.start = Some(ny("20260310T090000"));
    master.end = Some(ny("20260310T100000"));
    for (n, event) in [(4, &all_day), (5, &zoned)] {
        let created = google
            .account
            .create(&google.info, &key(n), event)
            .await
            .unwrap();
        let read = read_back(&google, &created.remote_id).await;
        assert_eq!(
            read.master.as_ref().unwrap().start,
            event.master.as_ref().unwrap().start
        );
        assert_eq!(
            read.master.as_ref().unwrap().end,
            event.master.as_ref().unwrap().end
        );
    }
    let stored = google
        .emulator
        .get_event(CALENDAR, key(4).as_str())
        .unwrap();
    assert_eq!(stored["start"], json!({"date": "2026-05-01"}));
    let stored = google
        .emulator
        .get_event(CALENDAR, key(5).as_str())
        .unwrap();
    assert_eq!(stored["start"]["timeZone"], "America/New_York");
    assert_eq!(stored["start"]["dateTime"], "2026-03-10T09:00:00-04:00");
}

#[tokio::test]
async fn the_origin_tag_is_a_private_extended_property_that_round_trips() {
    let google = Google::new().await;
    let mut event = timed("Busy", "20260105T090000", "20260105T100000");
    event.origin = Some(tag(6));
    event.owner_link = Some(LinkId::parse("l1").unwrap());
    let created = google
        .account
        .create(&google.info, &key(6), &event)
        .await
        .unwrap();
    let stored = google
        .emulator
        .get_event(CALENDAR, key(6).as_str())
        .unwrap();
    assert_eq!(
        stored["extendedProperties"]["private"]["calsyncOrigin"],
        tag(6).to_string()
    );
    assert!(stored["extendedProperties"].get("shared").is_none());
    let read = read_back(&google, &created.remote_id).await;
    assert_eq!(read.origin, Some(tag(6)));
    assert_eq!(read.owner_link, LinkId::parse("l1").ok());
}

#[tokio::test]
async fn an_original_created_by_calsync_keeps_its_uid_although_google_assigns_another() {
    let google = Google::new().await;
    // An original restored on its own calendar: no origin tag, its UID known everywhere.
    let mut original = timed("Busy", "20260105T090000", "20260105T100000");
    original.uid = "meeting-1@example.org".into();
    let created = google
        .account
        .create(&google.info, &key(7), &original)
        .await
        .unwrap();
    let stored = google
        .emulator
        .get_event(CALENDAR, key(7).as_str())
        .unwrap();
    assert_ne!(
        stored["iCalUID"], "meeting-1@example.org",
        "an insert with our id gets Google's iCalUID"
    );
    let read = read_back(&google, &created.remote_id).await;
    assert_eq!(read.uid, "meeting-1@example.org");
    assert_eq!(read.origin, None);
}
