//! `--privacy busy`: the copy says when, and nothing else; it is a mirror of the original,
//! restored when edited or deleted, and nothing done to it reaches the original.

use super::fixtures::{calendar, day, ical_date, uid};
use super::harness::Calsync;
use super::stored::{Held, find, rewrite, set_property};
use calsync_testkit::ServerKind;

on_every_server!(a_busy_copy_holds_the_time_and_nothing_private);

/// Words that appear only in the original's private fields.
const PRIVATE: [&str; 8] = [
    "Merger",
    "acquisition",
    "Boardroom",
    "carol@",
    "dave@",
    "Reminder",
    "Confidential-tag",
    "intranet",
];

async fn a_busy_copy_holds_the_time_and_nothing_private(kind: ServerKind) {
    let (calsync, cals) = Calsync::with_calendars("privacy busy", &[kind, kind]).await;
    let (a, b) = (&cals[0], &cals[1]);
    calsync
        .link(
            "busy",
            &["--topology", "pair", "--privacy", "busy"],
            &[a, b],
        )
        .await;
    let secret = uid("secret");
    let date = ical_date(day(13));
    let original = calendar(&format!(
        "BEGIN:VEVENT\r\nUID:{secret}\r\nDTSTAMP:20260101T000000Z\r\n\
         DTSTART:{date}T130000Z\r\nDTEND:{date}T143000Z\r\n\
         SUMMARY:Merger talks\r\nDESCRIPTION:Agenda: the acquisition\r\n\
         LOCATION:Boardroom 3\r\nCATEGORIES:Confidential-tag\r\n\
         URL:https://intranet.example/merger\r\n\
         ORGANIZER;CN=Carol:mailto:carol@example.com\r\n\
         ATTENDEE;CN=Dave;PARTSTAT=ACCEPTED:mailto:dave@example.com\r\n\
         BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n\
         END:VEVENT\r\n"
    ));
    a.raw.put("secret.ics", &original).await;

    let pass = calsync.sync().await;
    assert_eq!(pass.ops(b).created, 1, "{kind}: {pass:#?}");
    let on_b = Held::read(b).await;
    on_b.assert_exactly(&[&secret], "after the pass");
    let copy = on_b.get(&secret);
    assert_eq!(
        copy.values("SUMMARY"),
        vec!["Busy"],
        "{kind}: the neutral title only:\n{}",
        copy.text
    );
    for property in [
        "DESCRIPTION",
        "LOCATION",
        "ATTENDEE",
        "ORGANIZER",
        "CATEGORIES",
        "URL",
    ] {
        assert!(
            copy.lines_named(property).is_empty(),
            "{kind}: the busy copy has no {property}:\n{}",
            copy.text
        );
    }
    assert!(
        !copy.text.contains("VALARM"),
        "{kind}: the busy copy has no alarm:\n{}",
        copy.text
    );
    for word in PRIVATE {
        assert!(
            !copy.text.contains(word),
            "{kind}: {word:?} leaked into the busy copy:\n{}",
            copy.text
        );
    }
    assert_eq!(
        (copy.value("DTSTART"), copy.value("DTEND")),
        (
            Some(format!("{date}T130000Z").as_str()),
            Some(format!("{date}T143000Z").as_str())
        ),
        "{kind}: the busy copy blocks the same time:\n{}",
        copy.text
    );

    calsync
        .sync_expecting_nothing("a busy copy is stable")
        .await;

    // A busy copy is a mirror: an edit to it is reverted, and never reaches the original.
    let copy = copy.clone();
    rewrite(b, &copy, |t| {
        set_property(t, "SUMMARY", "SUMMARY:Renamed busy copy")
    })
    .await;
    let pass = calsync.sync().await;
    assert_eq!(
        (pass.ops(b).updated, pass.writes()),
        (1, 1),
        "{kind}: the mirror is restored, the original left alone: {pass:#?}"
    );
    assert_eq!(
        find(b, &secret).await.values("SUMMARY"),
        vec!["Busy"],
        "{kind}: the edit to the busy copy is reverted"
    );
    let (text, _) = a.raw.get("secret.ics").await.unwrap();
    assert!(
        text.contains("Merger talks") && !text.contains("Renamed busy copy"),
        "{kind}: the original keeps its title:\n{text}"
    );
    calsync
        .sync_expecting_nothing("the restored mirror is stable")
        .await;

    // A deleted mirror is made again, and its deletion never reaches the original.
    b.raw.delete(&find(b, &secret).await.href).await;
    let pass = calsync.sync().await;
    assert_eq!(
        (pass.ops(b).created, pass.writes()),
        (1, 1),
        "{kind}: the mirror is recreated: {pass:#?}"
    );
    assert_eq!(
        find(b, &secret).await.values("SUMMARY"),
        vec!["Busy"],
        "{kind}"
    );
    assert!(
        a.raw.get("secret.ics").await.is_some(),
        "{kind}: the original stays"
    );
}
