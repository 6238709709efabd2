//! How individual properties are read.

use super::*;
use crate::domain::{Component, Event, EventStatus, EventTime};
use crate::ical::parse_event;
use chrono::TimeZone;

fn master_of(vevent_lines: &str) -> Component {
    parse_event(&object(vevent_lines)).unwrap().master.unwrap()
}

fn object(vevent_lines: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:p-1\r\n{vevent_lines}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

fn zoned(text: &str) -> EventTime {
    EventTime::Zoned {
        local: local(text),
        tzid: "Europe/Berlin".into(),
    }
}

#[test]
fn date_time_forms_map_to_their_kinds() {
    let master = master_of(
        "DTSTART;TZID=Europe/Berlin:20260115T100000\r\nDTEND:20260115T100000\r\n\
         RDATE:20260116T100000Z\r\nRDATE;VALUE=DATE:20260117\r\nRDATE:20260118\r\n",
    );
    assert_eq!(master.start, Some(zoned("20260115T100000")));
    assert_eq!(
        master.end,
        Some(EventTime::Floating {
            local: local("20260115T100000")
        })
    );
    assert_eq!(
        master.recurrence.rdates,
        vec![
            EventTime::Utc {
                at: local("20260116T100000")
            },
            EventTime::Date {
                date: date("20260117")
            },
            EventTime::Date {
                date: date("20260118")
            },
        ]
    );
}

#[test]
fn a_period_rdate_counts_as_its_start() {
    let master = master_of(
        "DTSTART:20260115T100000Z\r\n\
         RDATE;VALUE=PERIOD:20260120T100000Z/PT1H,20260121T100000Z/20260121T120000Z\r\n",
    );
    assert_eq!(
        master.recurrence.rdates,
        vec![
            EventTime::Utc {
                at: local("20260120T100000")
            },
            EventTime::Utc {
                at: local("20260121T100000")
            },
        ]
    );
}

#[test]
fn duration_days_are_nominal_and_hours_exact_across_dst() {
    // Berlin switches to summer time at 02:00 on 2026-03-29.
    let day = master_of("DTSTART;TZID=Europe/Berlin:20260328T120000\r\nDURATION:P1D\r\n");
    assert_eq!(
        day.end,
        Some(zoned("20260329T120000")),
        "same wall-clock time"
    );
    let hours = master_of("DTSTART;TZID=Europe/Berlin:20260328T120000\r\nDURATION:PT24H\r\n");
    assert_eq!(hours.end, Some(zoned("20260329T130000")), "24 real hours");
    let week = master_of("DTSTART;VALUE=DATE:20260328\r\nDURATION:P1W\r\n");
    assert_eq!(
        week.end,
        Some(EventTime::Date {
            date: date("20260404")
        })
    );
    let dtend_wins =
        master_of("DTSTART:20260328T120000Z\r\nDURATION:PT1H\r\nDTEND:20260328T150000Z\r\n");
    assert_eq!(
        dtend_wins.end,
        Some(EventTime::Utc {
            at: local("20260328T150000")
        })
    );
}

#[test]
fn stamps_in_a_zone_or_floating_are_read_leniently_and_bad_ones_dropped() {
    let master = master_of(
        "DTSTART:20260101T100000Z\r\nDTSTAMP;TZID=Europe/Berlin:20260101T100000\r\n\
         LAST-MODIFIED:20260102T080000\r\nCREATED:garbage\r\nSEQUENCE:-3\r\n",
    );
    assert_eq!(
        master.dtstamp,
        Some(Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap())
    );
    assert_eq!(
        master.last_modified,
        Some(Utc.with_ymd_and_hms(2026, 1, 2, 8, 0, 0).unwrap())
    );
    assert_eq!(master.sequence, 0);
    assert!(master.extra.is_empty(), "CREATED is never carried");

    let bad = master_of("DTSTART:20260101T100000Z\r\nLAST-MODIFIED:yesterday\r\nSEQUENCE:7\r\n");
    assert_eq!(bad.last_modified, None);
    assert_eq!(bad.sequence, 7);
}

#[test]
fn only_the_first_rrule_is_kept() {
    let master = master_of(
        "DTSTART:20260101T100000Z\r\nRRULE:INTERVAL=2;FREQ=DAILY\r\nRRULE:FREQ=YEARLY\r\n",
    );
    assert_eq!(
        master.recurrence.rrule.as_deref(),
        Some("FREQ=DAILY;INTERVAL=2")
    );
    assert!(master.extra.is_empty());
}

#[test]
fn status_class_and_transparency_are_normalised() {
    let master = master_of(
        "DTSTART:20260101T100000Z\r\nSTATUS:cancelled\r\nCLASS:x-team-only\r\n\
         TRANSP:transparent\r\n",
    );
    assert_eq!(master.status, Some(EventStatus::Cancelled));
    assert_eq!(master.class.as_deref(), Some("X-TEAM-ONLY"));
    assert_eq!(
        master.transparency,
        crate::domain::Transparency::Transparent
    );
    let todo_status = master_of("DTSTART:20260101T100000Z\r\nSTATUS:NEEDS-ACTION\r\n");
    assert_eq!(todo_status.status, None);
}

#[test]
fn participants_lose_mailto_and_server_parameters() {
    let master = master_of(
        "DTSTART:20260101T100000Z\r\n\
         ORGANIZER;CN=Boss;SCHEDULE-STATUS=1.1;SENT-BY=\"mailto:pa@x.com\":MAILTO:Boss@X.com\r\n\
         ATTENDEE;PARTSTAT=accepted;role=chair;RSVP=TRUE;SCHEDULE-AGENT=SERVER:mailto:A@X.com\r\n\
         ATTENDEE;CN=Room:urn:uuid:1B2C\r\nATTENDEE:\r\n",
    );
    let organizer = master.organizer.unwrap();
    assert_eq!(
        (organizer.email.as_str(), organizer.name.as_deref()),
        ("boss@x.com", Some("Boss"))
    );
    assert_eq!(master.attendees.len(), 2, "an empty address is no attendee");
    assert_eq!(master.attendees[0].email, "a@x.com");
    assert_eq!(master.attendees[0].partstat.as_deref(), Some("ACCEPTED"));
    assert_eq!(master.attendees[0].role.as_deref(), Some("CHAIR"));
    assert_eq!(master.attendees[1].email, "urn:uuid:1b2c");
    assert!(master.extra.is_empty());
}

#[test]
fn calsync_and_server_bookkeeping_never_lands_in_extra() {
    for sample in [APPLE, GOOGLE, OUTLOOK, THUNDERBIRD] {
        let event: Event = parse_event(sample).unwrap();
        for component in event.components() {
            for line in &component.extra {
                for name in [
                    "UID",
                    "DTSTAMP",
                    "LAST-MODIFIED",
                    "SEQUENCE",
                    "CREATED",
                    "RECURRENCE-ID",
                    "DTSTART",
                    "DTEND",
                    "DURATION",
                    "SUMMARY",
                    "DESCRIPTION",
                    "LOCATION",
                    "TRANSP",
                    "STATUS",
                    "CLASS",
                    "ORGANIZER",
                    "ATTENDEE",
                    "RRULE",
                    "RDATE",
                    "EXDATE",
                    "X-CALSYNC-",
                ] {
                    assert!(!line.starts_with(name), "{line}");
                }
            }
        }
    }
}

#[test]
fn timezones_are_sorted_by_tzid_and_deduplicated() {
    let text = "BEGIN:VCALENDAR\r\n\
        BEGIN:VTIMEZONE\r\nTZID:Zulu/Custom\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n\
        TZOFFSETFROM:+0000\r\nTZOFFSETTO:+0000\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n\
        BEGIN:VEVENT\r\nUID:tz\r\nDTSTART;TZID=Zulu/Custom:20260101T100000\r\nEND:VEVENT\r\n\
        BEGIN:VTIMEZONE\r\nTZID:Alpha/Custom\r\nEND:VTIMEZONE\r\n\
        BEGIN:VTIMEZONE\r\nTZID:Alpha/Custom\r\nX-DUPLICATE:1\r\nEND:VTIMEZONE\r\n\
        END:VCALENDAR\r\n";
    let event = parse_event(text).unwrap();
    assert_eq!(
        event.timezones,
        vec![
            "BEGIN:VTIMEZONE\r\nTZID:Alpha/Custom\r\nEND:VTIMEZONE".to_string(),
            "BEGIN:VTIMEZONE\r\nTZID:Zulu/Custom\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n\
             TZOFFSETFROM:+0000\r\nTZOFFSETTO:+0000\r\nEND:STANDARD\r\nEND:VTIMEZONE"
                .to_string(),
        ]
    );
}

#[test]
fn where_a_producer_folds_does_not_change_the_canonical_form() {
    // calcard collapses repeated whitespace in list values it had to copy; unfolding
    // first keeps the result independent of the fold position.
    let line = "CATEGORIES:Team  Offsite,Q1  Planning";
    let unfolded = master_of(&format!("DTSTART:20260101T100000Z\r\n{line}\r\n"));
    for at in [12, 16, 20, 25] {
        let folded = format!("{}\r\n {}", &line[..at], &line[at..]);
        let master = master_of(&format!("DTSTART:20260101T100000Z\r\n{folded}\r\n"));
        assert_eq!(master.extra, unfolded.extra, "folded at {at}");
    }
    let tab_folded = master_of("DTSTART:20260101T100000Z\nSUMMARY:Fold\n\twith a tab\n");
    assert_eq!(tab_folded.summary.as_deref(), Some("Foldwith a tab"));
}
