//! Property values between calcard's representation and the domain's: date-times,
//! durations, participants and text.

use super::IcalError;
use crate::domain::{EventTime, Participant, resolve_zone};
use calcard::common::PartialDateTime;
use calcard::icalendar::utils::strip_mailto_scheme;
use calcard::icalendar::{
    ICalendarDuration, ICalendarEntry, ICalendarParameter, ICalendarParameterName,
    ICalendarParameterValue, ICalendarPeriod, ICalendarProperty, ICalendarValue,
    ICalendarValueType, Uri,
};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike, Utc};

/// The first value of a date or date-time property (DTSTART, DTEND, RECURRENCE-ID).
pub fn event_time(entry: &ICalendarEntry, property: &'static str) -> Result<EventTime, IcalError> {
    entry
        .values
        .first()
        .and_then(|value| time_of(entry, value))
        .ok_or(IcalError::InvalidValue { property })
}

/// Every value of a list property (RDATE, EXDATE); a PERIOD counts as its start.
pub fn event_times(
    entry: &ICalendarEntry,
    property: &'static str,
) -> Result<Vec<EventTime>, IcalError> {
    entry
        .values
        .iter()
        .map(|value| time_of(entry, value).ok_or(IcalError::InvalidValue { property }))
        .collect()
}

/// DTSTAMP and LAST-MODIFIED must be UTC (RFC 5545 §3.8.7); zoned or floating values are
/// read leniently. A malformed stamp is dropped: stamps are metadata servers rewrite, and
/// one should not make an event unsyncable.
pub fn utc_stamp(entry: &ICalendarEntry) -> Option<DateTime<Utc>> {
    let value = entry.values.first()?;
    time_of(entry, value).map(|time| time.to_utc_lenient())
}

fn time_of(entry: &ICalendarEntry, value: &ICalendarValue) -> Option<EventTime> {
    let partial = match value {
        ICalendarValue::PartialDateTime(partial) => partial.as_ref(),
        ICalendarValue::Period(
            ICalendarPeriod::Range { start, .. } | ICalendarPeriod::Duration { start, .. },
        ) => start,
        _ => return None,
    };
    let date_only = entry
        .parameters(&ICalendarParameterName::Value)
        .any(|v| matches!(v, ICalendarParameterValue::Value(ICalendarValueType::Date)));
    let tzid = entry.tz_id().map(str::trim).filter(|tzid| !tzid.is_empty());
    from_partial(partial, date_only, tzid)
}

fn from_partial(
    partial: &PartialDateTime,
    date_only: bool,
    tzid: Option<&str>,
) -> Option<EventTime> {
    let date = NaiveDate::from_ymd_opt(
        i32::from(partial.year?),
        u32::from(partial.month?),
        u32::from(partial.day?),
    )?;
    let Some(hour) = partial.hour.filter(|_| !date_only) else {
        return Some(EventTime::Date { date });
    };
    // A leap second (:60) is read as :59; chrono has no other way to hold it.
    let second = partial.second.unwrap_or(0).min(59);
    let time = NaiveTime::from_hms_opt(
        u32::from(hour),
        u32::from(partial.minute.unwrap_or(0)),
        u32::from(second),
    )?;
    let local = date.and_time(time);
    if let Some(offset_hours) = partial.tz_hour {
        // `Z`, or a numeric offset some producers write although RFC 5545 has none.
        let offset = TimeDelta::try_hours(i64::from(offset_hours))?
            + TimeDelta::try_minutes(i64::from(partial.tz_minute.unwrap_or(0)))?;
        let at = if partial.tz_minus {
            local.checked_add_signed(offset)?
        } else {
            local.checked_sub_signed(offset)?
        };
        return Some(EventTime::Utc { at });
    }
    Some(match tzid {
        Some(tzid) => EventTime::Zoned {
            local,
            tzid: tzid.to_string(),
        },
        None => EventTime::Floating { local },
    })
}

/// DTEND from DTSTART and DURATION. RFC 5545 §3.3.6: weeks and days are nominal (the same
/// wall-clock time on a later day), hours, minutes and seconds exact, so a one-hour meeting
/// that starts just before a DST change still lasts one hour. `None` when out of range.
pub fn end_from_duration(start: &EventTime, duration: &ICalendarDuration) -> Option<EventTime> {
    shifted_by_duration(start, duration).filter(writable_year)
}

/// iCalendar years have four digits (RFC 5545 §3.3.4).
fn writable_year(time: &EventTime) -> bool {
    let year = match time {
        EventTime::Date { date } => date.year(),
        EventTime::Floating { local }
        | EventTime::Utc { at: local }
        | EventTime::Zoned { local, .. } => local.year(),
    };
    (0..=9999).contains(&year)
}

fn shifted_by_duration(start: &EventTime, duration: &ICalendarDuration) -> Option<EventTime> {
    let sign = if duration.neg { -1 } else { 1 };
    let days =
        TimeDelta::try_days(sign * (i64::from(duration.weeks) * 7 + i64::from(duration.days)))?;
    let exact = TimeDelta::try_hours(sign * i64::from(duration.hours))?
        .checked_add(&TimeDelta::try_minutes(sign * i64::from(duration.minutes))?)?
        .checked_add(&TimeDelta::try_seconds(sign * i64::from(duration.seconds))?)?;
    match start {
        // A date has no time of day: only whole days count.
        EventTime::Date { date } => {
            date.checked_add_days(chrono::Days::new(days.num_days().max(0).unsigned_abs()))?;
            Some(start.shifted(days))
        }
        EventTime::Floating { local } | EventTime::Utc { at: local } => {
            local.checked_add_signed(days)?.checked_add_signed(exact)?;
            Some(start.shifted(days + exact))
        }
        EventTime::Zoned { local, tzid } => {
            let nominal = local.checked_add_signed(days)?;
            let exact_end = match resolve_zone(tzid) {
                Some(zone) if !exact.is_zero() => {
                    let at = EventTime::Zoned {
                        local: nominal,
                        tzid: tzid.clone(),
                    }
                    .to_utc()
                    .ok()?;
                    at.checked_add_signed(exact)?
                        .with_timezone(&zone)
                        .naive_local()
                }
                // Unknown (custom) zones: wall-clock time is the best available reading.
                _ => nominal.checked_add_signed(exact)?,
            };
            Some(EventTime::Zoned {
                local: exact_end,
                tzid: tzid.clone(),
            })
        }
    }
}

/// ORGANIZER / ATTENDEE. Parameters other than CN, PARTSTAT and ROLE are dropped: servers
/// add their own (SCHEDULE-STATUS, RSVP, X-NUM-GUESTS) and they carry no meaning for a copy.
pub fn participant(entry: &ICalendarEntry) -> Option<Participant> {
    let address = entry.values.first()?.as_text()?;
    // Written raw as a URI, with every control character dropped (lines.rs), and calcard
    // drops the backslash of `\~` in a URI on reading: read the same way, or an address
    // holding either would differ from its own copy. Neither belongs in an address. They go
    // before the scheme is stripped: `m<NUL>ailto:` is written as `mailto:` (fuzzing).
    let cleaned: String = address
        .chars()
        .filter(|c| !c.is_control() && *c != '\\')
        .collect();
    let email = strip_mailto_scheme(cleaned.trim()).trim().to_lowercase();
    if email.is_empty() {
        return None;
    }
    let parameter = |name: &ICalendarParameterName| {
        entry
            .parameter(name)
            .and_then(ICalendarParameterValue::as_text)
            .map(|value| printable(value.trim()))
            .filter(|value| !value.is_empty())
    };
    Some(Participant {
        email,
        name: parameter(&ICalendarParameterName::Cn),
        partstat: parameter(&ICalendarParameterName::Partstat).map(|v| v.to_uppercase()),
        role: parameter(&ICalendarParameterName::Role).map(|v| v.to_uppercase()),
    })
}

pub fn participant_entry(
    property: ICalendarProperty,
    participant: &Participant,
    client_scheduling: bool,
) -> ICalendarEntry {
    let mut params = Vec::new();
    let mut text_param = |name: ICalendarParameterName, value: Option<&str>| {
        if let Some(value) = value.map(|v| printable(v.trim())).filter(|v| !v.is_empty()) {
            params.push(ICalendarParameter::new(name, value));
        }
    };
    text_param(ICalendarParameterName::Cn, participant.name.as_deref());
    text_param(
        ICalendarParameterName::Partstat,
        participant.partstat.as_deref(),
    );
    text_param(ICalendarParameterName::Role, participant.role.as_deref());
    if client_scheduling {
        // RFC 6638 §7.1: the server must not send invitations for this attendee. Servers
        // with implicit scheduling (Nextcloud, SOGo) would otherwise mail every attendee
        // of every copy calsync writes.
        text_param(ICalendarParameterName::ScheduleAgent, Some("CLIENT"));
    }
    let email = printable(&participant.email);
    // Addresses that are URIs of another scheme (urn:uuid:, https:) are kept as they are.
    let address = if email.contains(':') && !email.contains('@') {
        email
    } else {
        format!("mailto:{email}")
    };
    ICalendarEntry::new(property)
        .with_params(params)
        .with_value(Uri::Location(address))
}

/// A date or date-time property with the parameters its kind needs.
pub fn time_entry(property: ICalendarProperty, times: &[&EventTime]) -> ICalendarEntry {
    let mut entry = ICalendarEntry::new(property);
    if let Some(first) = times.first() {
        match first {
            EventTime::Date { .. } => entry.add_param(ICalendarParameter::new(
                ICalendarParameterName::Value,
                ICalendarParameterValue::Value(ICalendarValueType::Date),
            )),
            EventTime::Zoned { tzid, .. } => entry.add_param(ICalendarParameter::new(
                ICalendarParameterName::Tzid,
                printable(tzid),
            )),
            EventTime::Floating { .. } | EventTime::Utc { .. } => {}
        }
    }
    entry.values = times
        .iter()
        .map(|time| ICalendarValue::PartialDateTime(Box::new(partial_of(time))))
        .collect();
    entry
}

/// Whether two times can share one RDATE/EXDATE line (same VALUE and TZID).
pub fn same_line_kind(a: &EventTime, b: &EventTime) -> bool {
    match (a, b) {
        (EventTime::Zoned { tzid: x, .. }, EventTime::Zoned { tzid: y, .. }) => x == y,
        _ => std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

pub fn utc_entry(property: ICalendarProperty, at: DateTime<Utc>) -> ICalendarEntry {
    ICalendarEntry::new(property).with_value(partial_of(&EventTime::utc(at)))
}

fn partial_of(time: &EventTime) -> PartialDateTime {
    let date_part = |date: NaiveDate| PartialDateTime {
        year: u16::try_from(date.year()).ok(),
        month: u8::try_from(date.month()).ok(),
        day: u8::try_from(date.day()).ok(),
        ..PartialDateTime::default()
    };
    let date_time_part = |local: &NaiveDateTime, utc: bool| PartialDateTime {
        hour: u8::try_from(local.hour()).ok(),
        minute: u8::try_from(local.minute()).ok(),
        second: u8::try_from(local.second()).ok(),
        tz_hour: utc.then_some(0),
        tz_minute: utc.then_some(0),
        ..date_part(local.date())
    };
    match time {
        EventTime::Date { date } => date_part(*date),
        EventTime::Floating { local } | EventTime::Zoned { local, .. } => {
            date_time_part(local, false)
        }
        EventTime::Utc { at } => date_time_part(at, true),
    }
}

/// The text of a single-valued text property; empty text counts as absent.
pub fn text(entry: &ICalendarEntry) -> Option<String> {
    let joined = entry
        .values
        .iter()
        .filter_map(ICalendarValue::as_text)
        .collect::<Vec<_>>()
        .join(",");
    let text = printable(&joined);
    (!text.is_empty()).then_some(text)
}

/// Drops control characters other than tab, LF and CR: RFC 5545 §3.3.11 forbids them and
/// some servers reject the whole object when they appear.
pub fn printable(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .collect()
}
