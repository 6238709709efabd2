//! A stored event calsync cannot read is reported and left alone: the other events still
//! sync, and neither it nor its copy is deleted.
//!
//! Servers refuse most invalid data on PUT: Radicale stores only what its parser accepts,
//! DAViCal and sabre/dav refuse a VEVENT without DTSTART (with a 500) and bad values,
//! Xandikos refuses bad values. So each server gets the first of several malformed forms it
//! stores and calsync cannot use: Xandikos a VEVENT without DTSTART, DAViCal and sabre/dav two
//! masters with one UID, Radicale two overrides of the same instance.

use super::fixtures::{calendar, day, ical_date, timed_event, uid};
use super::harness::{Cal, Calsync};
use super::stored::{Held, rewrite, set_property};
use calsync_testkit::ServerKind;

on_every_server!(a_malformed_event_is_reported_and_nothing_is_deleted);

/// Malformed forms of an event with this UID, each named for the messages.
fn malformed_forms(uid: &str) -> Vec<(&'static str, String)> {
    let date = ical_date(day(12));
    let head = format!("BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n");
    vec![
        (
            "a VEVENT without DTSTART (RFC 5545 §3.6.1)",
            calendar(&format!("{head}SUMMARY:No start\r\nEND:VEVENT\r\n")),
        ),
        (
            "two master VEVENTs with one UID (RFC 4791 §4.1)",
            calendar(&format!(
                "{head}DTSTART:{date}T090000Z\r\nSUMMARY:One\r\nEND:VEVENT\r\n\
                 {head}DTSTART:{date}T100000Z\r\nSUMMARY:Two\r\nEND:VEVENT\r\n"
            )),
        ),
        (
            "two overrides of the same instance",
            calendar(&format!(
                "{head}DTSTART:{date}T090000Z\r\nRRULE:FREQ=DAILY;COUNT=3\r\nSUMMARY:Daily\r\nEND:VEVENT\r\n\
                 {head}RECURRENCE-ID:{date}T090000Z\r\nDTSTART:{date}T110000Z\r\nEND:VEVENT\r\n\
                 {head}RECURRENCE-ID:{date}T090000Z\r\nDTSTART:{date}T120000Z\r\nEND:VEVENT\r\n"
            )),
        ),
    ]
}

/// Stores the first malformed form the server accepts and calsync's codec rejects as the
/// server stored it; fails when the server refuses them all.
async fn store_malformed(cal: &Cal, resource: &str, uid: &str) {
    let mut refused = Vec::new();
    for (form, ics) in malformed_forms(uid) {
        match cal.raw.try_put(resource, &ics).await {
            Ok(_) => {
                let (stored, _) = cal.raw.get(resource).await.unwrap();
                if calsync_core::ical::parse_event(&stored).is_err() {
                    return;
                }
                refused.push(format!("{form}: stored in a form calsync can read"));
            }
            Err(reason) => refused.push(format!("{form}: {reason}")),
        }
    }
    panic!(
        "{}: stores none of the malformed forms:\n{}",
        cal.kind(),
        refused.join("\n")
    );
}

async fn a_malformed_event_is_reported_and_nothing_is_deleted(kind: ServerKind) {
    let (calsync, cals) = Calsync::with_calendars("malformed", &[kind, kind]).await;
    let (a, b) = (&cals[0], &cals[1]);
    calsync.pair("malformed", a, b).await;
    let (kept, spoiled) = (uid("kept"), uid("spoiled"));
    a.raw
        .put("kept.ics", &timed_event(&kept, "Kept", 11, 9, &[]))
        .await;
    a.raw
        .put(
            "spoiled.ics",
            &timed_event(&spoiled, "Spoiled", 11, 11, &[]),
        )
        .await;
    let pass = calsync.sync().await;
    assert_eq!(pass.ops(b).created, 2, "{kind}: {pass:#?}");

    // A new unreadable event, an unreadable rewrite of a synced one, and a good new event.
    let (broken, fresh) = (uid("broken"), uid("fresh"));
    store_malformed(a, "broken.ics", &broken).await;
    store_malformed(a, "spoiled.ics", &spoiled).await;
    a.raw
        .put("fresh.ics", &timed_event(&fresh, "Fresh", 11, 14, &[]))
        .await;

    let pass = calsync.sync().await;
    for resource in ["broken.ics", "spoiled.ics"] {
        assert!(
            pass.notices()
                .iter()
                .any(|n| n.contains("malformed") && n.contains(resource)),
            "{kind}: the report names {resource}: {pass:#?}"
        );
    }
    assert_eq!(
        (pass.ops(b).created, pass.writes()),
        (1, 1),
        "{kind}: only the good new event is copied, nothing deleted: {pass:#?}"
    );
    let on_b = Held::read(b).await;
    on_b.assert_exactly(&[&kept, &spoiled, &fresh], "after the malformed pass");
    assert_eq!(
        on_b.get(&spoiled).summary(),
        Some("Spoiled"),
        "{kind}: the copy of the spoiled event is left as it was"
    );
    let on_a = Held::read(a).await;
    assert_eq!(
        on_a.items.len(),
        4,
        "{kind}: A keeps its four resources, the malformed ones included: {:#?}",
        on_a.items.iter().map(|s| &s.href).collect::<Vec<_>>()
    );

    calsync
        .sync_expecting_nothing("a malformed event is not retried as a change")
        .await;

    // The copy of the spoiled event is edited: the unreadable original is not written over.
    let spoiled_etag = a.raw.get("spoiled.ics").await.unwrap().1;
    rewrite(b, on_b.get(&spoiled), |t| {
        set_property(t, "LOCATION", "LOCATION:Edited on B")
    })
    .await;
    let pass = calsync.sync().await;
    assert_eq!(pass.writes(), 0, "{kind}: {pass:#?}");
    assert_eq!(
        a.raw.get("spoiled.ics").await.unwrap().1,
        spoiled_etag,
        "{kind}: the malformed original is left exactly as it was"
    );

    // Once it reads again, its edit and the copy's meet on both sides.
    a.raw
        .put(
            "spoiled.ics",
            &timed_event(&spoiled, "Repaired on A", 11, 11, &[]),
        )
        .await;
    let pass = calsync.sync().await;
    assert_eq!(
        (pass.ops(a).updated, pass.ops(b).updated),
        (1, 1),
        "{kind}: {pass:#?}"
    );
    for cal in [a, b] {
        let held = Held::read(cal).await;
        let repaired = held.get(&spoiled);
        assert_eq!(
            (repaired.summary(), repaired.value("LOCATION")),
            (Some("Repaired on A"), Some("Edited on B")),
            "{}:\n{}",
            held.label,
            repaired.text
        );
    }
    calsync
        .sync_expecting_nothing("the repaired event is in sync")
        .await;
}
