//! Someone's phone (python-caldav, a real third-party client) edits between passes, once the
//! copy and once the original: the next pass carries each edit to the other calendar.

use super::fixtures::{day, uid};
use super::harness::Calsync;
use super::stored::{Held, find};
use calsync_testkit::{PyClient, PyEdit, PyEvent, ServerKind};

on_every_server!(edits_by_another_client_on_either_side_are_propagated);

async fn edits_by_another_client_on_either_side_are_propagated(kind: ServerKind) {
    let (calsync, cals) = Calsync::with_calendars("external client", &[kind, kind]).await;
    let (a, b) = (&cals[0], &cals[1]);
    calsync.pair("phone", a, b).await;
    let py = PyClient;
    let meeting = uid("phone");
    let date = day(9);
    let at = |hour: u32| format!("{date}T{hour:02}:00:00");
    py.create(
        &a.raw,
        &PyEvent::new(&meeting, "Budget review", &at(13), &at(14)).tz("Europe/Berlin"),
    )
    .await;
    let pass = calsync.sync().await;
    assert_eq!(pass.ops(b).created, 1, "{kind}: {pass:#?}");

    // The copy is edited on B.
    let copy_uid = find(b, &meeting).await.uid().to_string();
    py.edit(
        &b.raw,
        &copy_uid,
        &PyEdit {
            summary: Some("Budget review (moved room)".into()),
            location: Some("Room 4.12".into()),
            ..PyEdit::default()
        },
    )
    .await;
    let pass = calsync.sync().await;
    assert_eq!(
        (pass.ops(a).updated, pass.writes()),
        (1, 1),
        "{kind}: the copy's edit updates the original: {pass:#?}"
    );
    let original = find(a, &meeting).await;
    assert_eq!(
        (original.summary(), original.value("LOCATION")),
        (Some("Budget review (moved room)"), Some("Room 4.12")),
        "{kind}:\n{}",
        original.text
    );

    // The original is moved by an hour on A, in its own zone.
    py.edit(
        &a.raw,
        &meeting,
        &PyEdit {
            times: Some((at(15), at(16))),
            ..PyEdit::default()
        },
    )
    .await;
    let pass = calsync.sync().await;
    assert_eq!(
        (pass.ops(b).updated, pass.writes()),
        (1, 1),
        "{kind}: the original's edit updates the copy: {pass:#?}"
    );
    let on_b = Held::read(b).await;
    on_b.assert_exactly(&[&meeting], "after the edits");
    let copy = on_b.get(&meeting);
    let local = format!("{}T150000", date.format("%Y%m%d"));
    assert_eq!(
        copy.lines_named("DTSTART"),
        vec![format!("DTSTART;TZID=Europe/Berlin:{local}")],
        "{kind}:\n{}",
        copy.text
    );
    assert_eq!(
        (copy.summary(), copy.value("LOCATION")),
        (Some("Budget review (moved room)"), Some("Room 4.12")),
        "{kind}: the earlier edit stays:\n{}",
        copy.text
    );

    calsync
        .sync_expecting_nothing("both sides agree after the edits")
        .await;
}
