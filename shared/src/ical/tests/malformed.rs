//! Bad input gets a clear error that never repeats the event's text.

use crate::ical::{IcalError, MAX_BODY_BYTES, MAX_VEVENTS, parse_event};

const SECRETS: [&str; 4] = [
    "Secret merger talks",
    "uid-secret-4711",
    "notadate",
    "SOMETIMES",
];

fn object(vevent_lines: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n\
         UID:uid-secret-4711\r\nSUMMARY:Secret merger talks\r\n{vevent_lines}\
         END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// Parses `text`, expecting an error whose message and debug form hold none of the secrets.
fn rejected(text: &str) -> IcalError {
    let err = parse_event(text).expect_err("must be rejected");
    for secret in SECRETS {
        assert!(!err.to_string().contains(secret), "{err} leaks {secret}");
        assert!(
            !format!("{err:?}").contains(secret),
            "{err:?} leaks {secret}"
        );
    }
    err
}

#[test]
fn garbage_is_rejected() {
    assert!(matches!(
        rejected("Secret merger talks\r\nnotadate\r\n"),
        IcalError::Syntax(_)
    ));
    assert!(matches!(rejected(""), IcalError::Syntax(_)));
    assert!(matches!(
        rejected("<html><body>Secret merger talks</body></html>"),
        IcalError::Syntax(_)
    ));
}

#[test]
fn a_calendar_without_vevent_is_rejected() {
    let timezone_only = "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n\
                         END:VTIMEZONE\r\nEND:VCALENDAR\r\n";
    assert_eq!(rejected(timezone_only), IcalError::NoEvent);
    let todo = "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:uid-secret-4711\r\n\
                SUMMARY:Secret merger talks\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";
    assert_eq!(rejected(todo), IcalError::NotAnEvent("VTODO"));
    let journal = todo.replace("VTODO", "VJOURNAL");
    assert_eq!(rejected(&journal), IcalError::NotAnEvent("VJOURNAL"));
}

#[test]
fn a_bare_vevent_without_vcalendar_is_rejected() {
    let bare = "BEGIN:VEVENT\r\nUID:uid-secret-4711\r\nDTSTART:20260101T100000Z\r\nEND:VEVENT\r\n";
    assert!(matches!(rejected(bare), IcalError::Syntax(_)));
}

#[test]
fn missing_dtstart_is_rejected_for_master_and_override() {
    assert_eq!(
        rejected(&object("")),
        IcalError::MissingStart("the master VEVENT")
    );
    let override_only = object("RECURRENCE-ID:20260101T100000Z\r\n");
    assert_eq!(
        rejected(&override_only),
        IcalError::MissingStart("an override VEVENT")
    );
}

#[test]
fn bad_dates_name_the_property_not_the_value() {
    for (line, property) in [
        ("DTSTART:notadate\r\n", "DTSTART"),
        ("DTSTART:20261345T100000\r\n", "DTSTART"),
        ("DTSTART;VALUE=DATE:20260230\r\n", "DTSTART"),
        ("DTSTART:20260101T250000Z\r\n", "DTSTART"),
        ("DTSTART:20260101T100000Z\r\nDTEND:notadate\r\n", "DTEND"),
        (
            "DTSTART:20260101T100000Z\r\nDURATION:notadate\r\n",
            "DURATION",
        ),
        (
            "DTSTART:20260101T100000Z\r\nRRULE:FREQ=SOMETIMES\r\n",
            "RRULE",
        ),
        (
            "DTSTART:20260101T100000Z\r\nEXDATE:20260101T100000Z,notadate\r\n",
            "EXDATE",
        ),
        ("DTSTART:20260101T100000Z\r\nRDATE:notadate\r\n", "RDATE"),
        (
            "DTSTART:20260101T100000Z\r\nRECURRENCE-ID:notadate\r\n",
            "RECURRENCE-ID",
        ),
    ] {
        let err = rejected(&object(line));
        assert_eq!(err, IcalError::InvalidValue { property }, "{line}");
        assert_eq!(err.to_string(), format!("invalid {property} value"));
    }
}

#[test]
fn a_duration_too_large_for_the_calendar_is_rejected_not_a_panic() {
    let err = rejected(&object(
        "DTSTART:20260101T100000Z\r\nDURATION:P4000000000W\r\n",
    ));
    assert_eq!(
        err,
        IcalError::InvalidValue {
            property: "DURATION"
        }
    );
    let past_9999 = rejected(&object("DTSTART;VALUE=DATE:99991201\r\nDURATION:P60D\r\n"));
    assert!(matches!(
        past_9999,
        IcalError::InvalidValue {
            property: "DURATION"
        }
    ));
}

#[test]
fn two_uids_are_rejected() {
    let text = "BEGIN:VCALENDAR\r\n\
                BEGIN:VEVENT\r\nUID:uid-secret-4711\r\nDTSTART:20260101T100000Z\r\nEND:VEVENT\r\n\
                BEGIN:VEVENT\r\nUID:other\r\nRECURRENCE-ID:20260101T100000Z\r\n\
                DTSTART:20260101T110000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    assert_eq!(rejected(text), IcalError::SeveralUids(2));
    let missing = text.replace("UID:other\r\n", "");
    assert_eq!(rejected(&missing), IcalError::MissingUid);
}

#[test]
fn two_masters_are_rejected() {
    let vevent =
        "BEGIN:VEVENT\r\nUID:uid-secret-4711\r\nDTSTART:20260101T100000Z\r\nEND:VEVENT\r\n";
    let text = format!("BEGIN:VCALENDAR\r\n{vevent}{vevent}END:VCALENDAR\r\n");
    assert_eq!(rejected(&text), IcalError::SeveralMasters);
}

#[test]
fn two_overrides_of_one_instance_are_rejected_even_in_different_zones() {
    // 10:00 in Berlin in January is 09:00 UTC: the same instance.
    let text = "BEGIN:VCALENDAR\r\n\
        BEGIN:VEVENT\r\nUID:uid-secret-4711\r\nRECURRENCE-ID;TZID=Europe/Berlin:20260115T100000\r\n\
        DTSTART:20260115T120000Z\r\nEND:VEVENT\r\n\
        BEGIN:VEVENT\r\nUID:uid-secret-4711\r\nRECURRENCE-ID:20260115T090000Z\r\n\
        DTSTART:20260115T130000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    assert_eq!(rejected(text), IcalError::DuplicateOverride);
}

#[test]
fn unterminated_components_are_rejected() {
    let full = object("DTSTART:20260101T100000Z\r\n");
    let no_calendar_end = full.replace("END:VCALENDAR\r\n", "");
    assert_eq!(
        rejected(&no_calendar_end),
        IcalError::Unterminated("VCALENDAR".into())
    );
    let truncated = &full[..full.find("END:VEVENT").unwrap()];
    assert_eq!(
        rejected(truncated),
        IcalError::Unterminated("VEVENT".into())
    );
    let mismatched = full.replace("END:VEVENT", "END:VTODO");
    assert_eq!(
        rejected(&mismatched),
        IcalError::Unterminated("VEVENT".into())
    );
    let alarm = full.replace("END:VEVENT", "BEGIN:VALARM\r\nACTION:DISPLAY\r\nEND:VEVENT");
    assert_eq!(rejected(&alarm), IcalError::Unterminated("VALARM".into()));
}

#[test]
fn a_second_calendar_after_the_first_is_rejected_rather_than_dropped() {
    let one = object("DTSTART:20260101T100000Z\r\n");
    assert!(matches!(
        rejected(&format!("{one}{one}")),
        IcalError::Syntax(_)
    ));
}

#[test]
fn oversize_bodies_are_rejected() {
    let description = format!("DESCRIPTION:{}\r\n", "Secret merger talks ".repeat(60_000));
    let err = rejected(&object(&format!(
        "DTSTART:20260101T100000Z\r\n{description}"
    )));
    assert!(matches!(
        err,
        IcalError::TooLarge {
            limit: MAX_BODY_BYTES,
            ..
        }
    ));
}

fn series_with_overrides(count: usize) -> String {
    let first = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let mut text = String::from(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\nDTSTART:20260101T100000Z\r\n\
         RRULE:FREQ=DAILY\r\nEND:VEVENT\r\n",
    );
    for day in 0..count {
        let instance = (first + chrono::Days::new(day as u64)).format("%Y%m%d");
        text.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:u\r\nRECURRENCE-ID:{instance}T100000Z\r\n\
             DTSTART:{instance}T120000Z\r\nEND:VEVENT\r\n"
        ));
    }
    text.push_str("END:VCALENDAR\r\n");
    text
}

#[test]
fn too_many_vevents_are_rejected() {
    let at_limit = parse_event(&series_with_overrides(MAX_VEVENTS - 1)).unwrap();
    assert_eq!(at_limit.overrides.len(), MAX_VEVENTS - 1);
    assert_eq!(
        rejected(&series_with_overrides(MAX_VEVENTS)),
        IcalError::TooManyEvents { limit: MAX_VEVENTS }
    );
}

#[test]
fn deeply_nested_components_are_rejected() {
    let text = format!(
        "BEGIN:VCALENDAR\r\n{}{}END:VCALENDAR\r\n",
        "BEGIN:X-A\r\n".repeat(50),
        "END:X-A\r\n".repeat(50)
    );
    assert!(matches!(rejected(&text), IcalError::TooDeep { .. }));
}
