//! Series on Google: a master plus instances (moved ones are exceptions written to their
//! instance ids, cancelled ones cancelled instances), written, rewritten and restored.

use super::support::*;
use calsync_core::domain::{Component, Event, EventTime, Recurrence, RecurrenceKey};
use calsync_core::ports::{EventReader, EventWriter};
use calsync_emulators::common::{Fault, FaultRule};
use chrono::NaiveDateTime;

fn berlin(s: &str) -> EventTime {
    EventTime::Zoned {
        local: NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S").unwrap(),
        tzid: "Europe/Berlin".into(),
    }
}

/// Weekly stand-ups from 5 January 2026, Berlin: six, the one of the 19th cancelled, the one
/// of the 12th moved to 11:00; returns the moved one's key too.
fn standups(origin: u32) -> (Event, RecurrenceKey) {
    let moved_key = RecurrenceKey("20260112T080000Z".into());
    let mut event = Event {
        uid: "series@example.org".into(),
        master: Some(Component {
            summary: Some("Standup".into()),
            start: Some(berlin("20260105T090000")),
            end: Some(berlin("20260105T091500")),
            recurrence: Recurrence {
                rrule: Some("FREQ=WEEKLY;COUNT=6".into()),
                rdates: Vec::new(),
                exdates: vec![berlin("20260119T090000")],
            },
            ..Component::default()
        }),
        overrides: Default::default(),
        origin: Some(tag(origin)),
        owner_link: None,
        timezones: Vec::new(),
    };
    event.overrides.insert(
        moved_key.clone(),
        Component {
            recurrence_id: Some(berlin("20260112T090000")),
            summary: Some("Standup (late)".into()),
            start: Some(berlin("20260112T110000")),
            end: Some(berlin("20260112T111500")),
            ..Component::default()
        },
    );
    (event, moved_key)
}

#[tokio::test]
async fn a_series_with_an_override_and_a_cancelled_instance_round_trips() {
    let google = Google::new().await;
    let (event, moved_key) = standups(3);
    let created = google
        .account
        .create(&google.info, &key(3), &event)
        .await
        .unwrap();
    let instance = google
        .emulator
        .get_event(CALENDAR, &format!("{}_20260112T080000Z", key(3)))
        .unwrap();
    assert_eq!(instance["recurringEventId"], key(3).as_str());
    assert_eq!(instance["summary"], "Standup (late)");

    let read = read_back(&google, &created.remote_id).await;
    let master = read.master.as_ref().unwrap();
    let written = event.master.as_ref().unwrap();
    assert_eq!(master.start, written.start);
    assert_eq!(master.recurrence, written.recurrence);
    assert_eq!(read.overrides.len(), 1);
    assert_eq!(
        read.overrides[&moved_key].start,
        event.overrides[&moved_key].start
    );
    assert_eq!(read.origin, event.origin);
    let listed = google
        .account
        .fetch(&google.info, std::slice::from_ref(&created.remote_id))
        .await
        .unwrap();
    assert_eq!(
        listed[0].etag, created.etag,
        "the create reports the series' ETag"
    );

    // Dropping the override resets that instance to the series.
    let mut plain = event.clone();
    plain.overrides.clear();
    google
        .account
        .update(
            &google.info,
            &created.remote_id,
            created.etag.as_ref(),
            &plain,
        )
        .await
        .unwrap();
    let reset = read_back(&google, &created.remote_id).await;
    let reset_instance = &reset.overrides[&moved_key];
    assert_eq!(reset_instance.summary.as_deref(), Some("Standup"));
    assert_eq!(reset_instance.start, Some(berlin("20260112T090000")));
}

/// A user deleted one instance on Google (a cancelled exception); the event elsewhere does
/// not cancel it (it was restored there, or the deletion lost to an edit): writing the series
/// must bring the instance back, not leave it cancelled under a series recorded as written.
#[tokio::test]
async fn an_instance_cancelled_on_google_comes_back_when_the_series_no_longer_cancels_it() {
    let google = Google::new().await;
    let event = Event {
        uid: "weekly@example.org".into(),
        master: Some(Component {
            summary: Some("Weekly".into()),
            start: Some(berlin("20260105T090000")),
            end: Some(berlin("20260105T100000")),
            recurrence: Recurrence {
                rrule: Some("FREQ=WEEKLY;COUNT=4".into()),
                ..Recurrence::default()
            },
            ..Component::default()
        }),
        overrides: Default::default(),
        origin: Some(tag(4)),
        owner_link: None,
        timezones: Vec::new(),
    };
    let created = google
        .account
        .create(&google.info, &key(4), &event)
        .await
        .unwrap();
    google
        .emulator
        .delete_event(CALENDAR, &format!("{}_20260112T080000Z", key(4)))
        .unwrap();
    let cancelled = read_back(&google, &created.remote_id).await;
    assert_eq!(
        cancelled.master.as_ref().unwrap().recurrence.exdates,
        vec![berlin("20260112T090000")],
        "the deleted instance reads as excluded"
    );
    let listed = google
        .account
        .fetch(&google.info, std::slice::from_ref(&created.remote_id))
        .await
        .unwrap();

    google
        .account
        .update(
            &google.info,
            &created.remote_id,
            listed[0].etag.as_ref(),
            &event,
        )
        .await
        .unwrap();
    let restored = read_back(&google, &created.remote_id).await;
    assert!(
        restored
            .master
            .as_ref()
            .unwrap()
            .recurrence
            .exdates
            .is_empty(),
        "the instance is back: {:?}",
        restored.master.unwrap().recurrence
    );
    let instance = google
        .emulator
        .get_event(CALENDAR, &format!("{}_20260112T080000Z", key(4)))
        .unwrap();
    assert_eq!(instance["status"], "confirmed");
    assert_eq!(instance["summary"], "Weekly");
}

/// The user deleted a copy series on Google (cancelling its moved instance with it) and an
/// edit elsewhere beat the deletion: calsync restores it in place. A restore cut short must
/// leave the copy deleted, not a live series whose moved instance reads back cancelled (the
/// next pass would take that for the user's cancellation); retried, it comes back whole.
#[tokio::test]
async fn a_series_restore_cut_short_leaves_the_copy_deleted_and_a_retry_restores_it_whole() {
    let google = Google::new().await;
    let (event, moved_key) = standups(5);
    let created = google
        .account
        .create(&google.info, &key(5), &event)
        .await
        .unwrap();
    google
        .emulator
        .delete_event(CALENDAR, key(5).as_str())
        .unwrap();
    // Every attempt to write the moved instance fails, retries included.
    google.emulator.faults().add(
        FaultRule::next(20, Fault::Status(503))
            .on_method("PATCH")
            .on_path("_20260112T080000Z"),
    );
    let cut_short = google.account.create(&google.info, &key(5), &event).await;
    assert!(cut_short.is_err(), "{cut_short:?}");
    let fetched = google
        .account
        .fetch(&google.info, std::slice::from_ref(&created.remote_id))
        .await
        .unwrap();
    assert!(
        fetched.iter().all(|item| item.body.is_none()),
        "the copy still reads as deleted: {fetched:?}"
    );

    google.emulator.faults().clear();
    google
        .account
        .create(&google.info, &key(5), &event)
        .await
        .unwrap();
    let restored = read_back(&google, &created.remote_id).await;
    assert_eq!(
        restored.master.as_ref().unwrap().recurrence.exdates,
        vec![berlin("20260119T090000")],
        "only the event's own cancellation"
    );
    assert_eq!(
        restored.overrides[&moved_key].start,
        Some(berlin("20260112T110000"))
    );
}
