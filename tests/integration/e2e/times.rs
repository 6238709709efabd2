//! Copies keep how a time is written: an all-day event stays a date, a zoned event keeps its
//! TZID and local time (not a UTC instant that would drift when the zone's rules change).

use super::fixtures::{NEW_YORK, calendar, day, ical_date, uid};
use super::harness::Calsync;
use super::stored::Held;
use calsync_core::domain::EventTime;
use calsync_testkit::ServerKind;
use chrono::{Days, NaiveTime};

on_every_server!(all_day_and_zoned_events_keep_their_dates_and_zone);

async fn all_day_and_zoned_events_keep_their_dates_and_zone(kind: ServerKind) {
    let (calsync, cals) = Calsync::with_calendars("times", &[kind, kind]).await;
    let (a, b) = (&cals[0], &cals[1]);
    calsync.pair("times", a, b).await;

    // An all-day holiday on A, three days long (DTEND is exclusive, RFC 5545 §3.6.1).
    let holiday = uid("holiday");
    let (first, after) = (day(5), day(8));
    let all_day = format!(
        "BEGIN:VEVENT\r\nUID:{holiday}\r\nDTSTAMP:20260101T000000Z\r\n\
         DTSTART;VALUE=DATE:{}\r\nDTEND;VALUE=DATE:{}\r\nSUMMARY:Holiday\r\n\
         TRANSP:TRANSPARENT\r\nEND:VEVENT\r\n",
        ical_date(first),
        ical_date(after)
    );
    a.raw.put("holiday.ics", &calendar(&all_day)).await;
    // A call in New York on B, 09:30-10:15 local time.
    let call = uid("ny-call");
    let date = day(6);
    let zoned = format!(
        "{NEW_YORK}BEGIN:VEVENT\r\nUID:{call}\r\nDTSTAMP:20260101T000000Z\r\n\
         DTSTART;TZID=America/New_York:{d}T093000\r\n\
         DTEND;TZID=America/New_York:{d}T101500\r\nSUMMARY:Call with NY\r\nEND:VEVENT\r\n",
        d = ical_date(date)
    );
    b.raw.put("ny-call.ics", &calendar(&zoned)).await;

    let pass = calsync.sync().await;
    assert_eq!(
        (pass.ops(a).created, pass.ops(b).created),
        (1, 1),
        "{kind}: {pass:#?}"
    );

    let on_b = Held::read(b).await;
    on_b.assert_exactly(&[&holiday, &call], "after the pass");
    let copy = on_b.get(&holiday);
    assert!(copy.is_copy(), "{kind}: {}", copy.text);
    assert_eq!(
        (
            copy.lines_named("DTSTART").join(""),
            copy.lines_named("DTEND").join("")
        ),
        (
            format!("DTSTART;VALUE=DATE:{}", ical_date(first)),
            format!("DTEND;VALUE=DATE:{}", ical_date(after))
        ),
        "{kind}: the copy is still all-day:\n{}",
        copy.text
    );
    let event = copy.event();
    let master = event.master.as_ref().unwrap();
    assert_eq!(
        master.start,
        Some(EventTime::Date { date: first }),
        "{kind}"
    );
    assert_eq!(
        master.end,
        Some(EventTime::Date {
            date: first + Days::new(3)
        }),
        "{kind}"
    );

    let on_a = Held::read(a).await;
    on_a.assert_exactly(&[&holiday, &call], "after the pass");
    let copy = on_a.get(&call);
    assert!(copy.is_copy(), "{kind}: {}", copy.text);
    assert_eq!(
        (
            copy.lines_named("DTSTART").join(""),
            copy.lines_named("DTEND").join("")
        ),
        (
            format!("DTSTART;TZID=America/New_York:{}T093000", ical_date(date)),
            format!("DTEND;TZID=America/New_York:{}T101500", ical_date(date))
        ),
        "{kind}: the copy keeps the zone and the local time:\n{}",
        copy.text
    );
    assert!(
        copy.text.contains("TZID:America/New_York"),
        "{kind}: the copy carries the VTIMEZONE:\n{}",
        copy.text
    );
    let master = copy.event().master.unwrap();
    assert_eq!(
        master.start,
        Some(EventTime::Zoned {
            local: date.and_time(NaiveTime::from_hms_opt(9, 30, 0).unwrap()),
            tzid: "America/New_York".into()
        }),
        "{kind}"
    );

    calsync
        .sync_expecting_nothing("copies that keep their times are stable")
        .await;
}
