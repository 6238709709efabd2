//! A recurring series keeps its shape when copied: the same RRULE, the same excluded
//! instance, the same moved instance, in the same time zone.

use super::fixtures::{ical_date, uid, weekly_series};
use super::harness::Calsync;
use super::stored::{Held, assert_holds, unfold};
use calsync_core::domain::{EventTime, RecurrenceKey};
use calsync_testkit::{ServerKind, escape_text};
use chrono::{Days, NaiveDate, NaiveTime};

on_every_server!(a_weekly_series_with_an_exdate_and_a_moved_instance_is_copied_intact);

fn berlin(date: NaiveDate, hour: u32, minute: u32) -> EventTime {
    EventTime::Zoned {
        local: date.and_time(NaiveTime::from_hms_opt(hour, minute, 0).unwrap()),
        tzid: "Europe/Berlin".into(),
    }
}

async fn a_weekly_series_with_an_exdate_and_a_moved_instance_is_copied_intact(kind: ServerKind) {
    let (calsync, cals) = Calsync::with_calendars("recurrence", &[kind, kind]).await;
    let (a, b) = (&cals[0], &cals[1]);
    calsync.pair("recurrence", a, b).await;
    let series = weekly_series(&uid("weekly"));
    a.raw.put("weekly.ics", &series.ics).await;

    let pass = calsync.sync().await;
    assert!(
        pass.notices().is_empty(),
        "{kind}: the series is synced, not skipped: {pass:#?}"
    );
    assert_eq!(
        (pass.ops(b).created, pass.writes()),
        (1, 1),
        "{kind}: one copy created, the original left alone: {pass:#?}"
    );
    assert_holds(b, &[&series.uid], "after the pass").await;
    let held = Held::read(b).await;
    let copy = held.get(&series.uid);
    assert!(copy.is_copy(), "{kind}: {}", copy.text);

    // What the server stores, as text: the zone travels with the copy.
    assert!(
        copy.text.contains("BEGIN:VTIMEZONE") && copy.text.contains("TZID:Europe/Berlin"),
        "{kind}: the copy carries the VTIMEZONE:\n{}",
        copy.text
    );
    assert_eq!(
        copy.lines_named("EXDATE"),
        vec![format!(
            "EXDATE;TZID=Europe/Berlin:{}T100000",
            ical_date(series.excluded)
        )],
        "{kind}:\n{}",
        copy.text
    );

    // And structurally, master and override.
    let event = copy.event();
    let master = event.master.as_ref().expect("a master");
    assert_eq!(
        master.recurrence.rrule.as_deref(),
        Some("FREQ=WEEKLY;COUNT=6"),
        "{kind}"
    );
    assert_eq!(
        master.recurrence.exdates,
        vec![berlin(series.excluded, 10, 0)],
        "{kind}"
    );
    assert_eq!(master.start, Some(berlin(series.first, 10, 0)), "{kind}");
    assert_eq!(master.end, Some(berlin(series.first, 11, 0)), "{kind}");
    assert_eq!(master.summary.as_deref(), Some("Weekly planning"), "{kind}");
    assert_eq!(event.overrides.len(), 1, "{kind}: {:#?}", event.overrides);
    let key = RecurrenceKey::of(&berlin(series.moved, 10, 0));
    let moved = event
        .overrides
        .get(&key)
        .unwrap_or_else(|| panic!("{kind}: no override for {key:?}: {:#?}", event.overrides));
    let next_day = series.moved + Days::new(1);
    assert_eq!(moved.start, Some(berlin(next_day, 14, 30)), "{kind}");
    assert_eq!(moved.end, Some(berlin(next_day, 15, 30)), "{kind}");
    assert_eq!(
        moved.summary.as_deref(),
        Some("Weekly planning (moved)"),
        "{kind}"
    );

    calsync
        .sync_expecting_nothing("a re-serialised recurring copy is not an edit")
        .await;

    // The moved instance is renamed on the copy: only that override changes on the original.
    let renamed = rename_override(&copy.text, "Weekly planning (moved, renamed on B)");
    b.raw.put(&copy.href, &renamed).await;
    let pass = calsync.sync().await;
    assert_eq!(
        (pass.ops(a).updated, pass.writes()),
        (1, 1),
        "{kind}: the override's edit updates the original: {pass:#?}"
    );
    let original = Held::read(a).await.get(&series.uid).event();
    let master = original.master.as_ref().unwrap();
    assert_eq!(master.summary.as_deref(), Some("Weekly planning"), "{kind}");
    assert_eq!(
        master.recurrence.exdates,
        vec![berlin(series.excluded, 10, 0)],
        "{kind}"
    );
    let moved = &original.overrides[&key];
    assert_eq!(
        moved.summary.as_deref(),
        Some("Weekly planning (moved, renamed on B)"),
        "{kind}"
    );
    assert_eq!(moved.start, Some(berlin(next_day, 14, 30)), "{kind}");
    calsync
        .sync_expecting_nothing("the override edit is on both sides")
        .await;
}

/// The stored text with the override's SUMMARY replaced (the master's is left alone).
fn rename_override(text: &str, summary: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut block: Option<Vec<String>> = None;
    for line in unfold(text) {
        match (&mut block, line.as_str()) {
            (None, "BEGIN:VEVENT") => block = Some(vec![line]),
            (Some(lines), "END:VEVENT") => {
                lines.push(line);
                let is_override = lines.iter().any(|l| l.starts_with("RECURRENCE-ID"));
                for l in block.take().unwrap() {
                    if is_override && l.starts_with("SUMMARY") {
                        // Escaped: Radicale cuts an unescaped comma's tail off a TEXT value.
                        out.push(format!("SUMMARY:{}", escape_text(summary)));
                    } else {
                        out.push(l);
                    }
                }
            }
            (Some(lines), _) => lines.push(line),
            (None, _) => out.push(line),
        }
    }
    out.join("\r\n") + "\r\n"
}
