//! Arbitrary events in the form `parse_event` produces: what the round trip starts from.

use crate::domain::{
    CalendarId, Component, Event, EventStatus, EventTime, LinkId, OriginKey, OriginTag,
    Participant, Recurrence, RecurrenceKey, TenantId, Transparency,
};
use crate::ical::canonical::{canonical_block, canonical_line};
use calcard::common::IanaParse;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarParameter,
    ICalendarParameterName, ICalendarProperty, ICalendarValue, Uri,
};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use std::collections::BTreeMap;

/// Unicode, the characters iCalendar escapes or quotes (`,;:\"`), newlines and tabs.
fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 äöüßé日本語🎉,;:\\\\\"'\n\t.@/-]{1,40}"
}

/// Parameter values cannot hold a newline or a tab that survives unquoted.
fn param_text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 äöüß日本🎉,;:\\\\\"'.@/-]{1,20}".prop_map(|s| s.trim().to_string())
}

fn naive_date() -> impl Strategy<Value = NaiveDate> {
    (1970i32..2100, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

fn naive_date_time() -> impl Strategy<Value = NaiveDateTime> {
    (naive_date(), 0u32..24, 0u32..60, 0u32..60)
        .prop_map(|(date, h, m, s)| date.and_hms_opt(h, m, s).unwrap())
}

fn utc_instant() -> impl Strategy<Value = DateTime<Utc>> {
    naive_date_time().prop_map(|at| Utc.from_utc_datetime(&at))
}

fn tzid() -> impl Strategy<Value = String> {
    select(vec![
        "Europe/Berlin",
        "America/New_York",
        "Asia/Kolkata",
        "W. Europe Standard Time",
        "My Own Zone",
    ])
    .prop_map(String::from)
}

pub fn event_time() -> impl Strategy<Value = EventTime> {
    prop_oneof![
        naive_date().prop_map(|date| EventTime::Date { date }),
        naive_date_time().prop_map(|local| EventTime::Floating { local }),
        naive_date_time().prop_map(|at| EventTime::Utc { at }),
        (naive_date_time(), tzid()).prop_map(|(local, tzid)| EventTime::Zoned { local, tzid }),
    ]
}

fn participant() -> impl Strategy<Value = Participant> {
    (
        "[a-z0-9._-]{1,10}@[a-z]{1,8}\\.(com|org)",
        option::of(param_text()),
        option::of(select(vec![
            "ACCEPTED",
            "DECLINED",
            "TENTATIVE",
            "NEEDS-ACTION",
        ])),
        option::of(select(vec!["CHAIR", "REQ-PARTICIPANT", "OPT-PARTICIPANT"])),
    )
        .prop_map(|(email, name, partstat, role)| Participant {
            email,
            name: name.filter(|n| !n.is_empty()),
            partstat: partstat.map(String::from),
            role: role.map(String::from),
        })
}

/// Rules in calcard's part order, as `parse_event` writes them.
fn rrule() -> impl Strategy<Value = String> {
    let end = prop_oneof![
        Just(String::new()),
        (1u32..50).prop_map(|count| format!(";COUNT={count}")),
        naive_date_time().prop_map(|until| format!(";UNTIL={}Z", until.format("%Y%m%dT%H%M%S"))),
        naive_date().prop_map(|until| format!(";UNTIL={}", until.format("%Y%m%d"))),
    ];
    (
        select(vec!["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]),
        end,
        option::of(2u16..5),
        proptest::sample::subsequence(vec!["MO", "TU", "WE", "TH", "FR", "SA", "SU"], 0..3),
    )
        .prop_map(|(freq, end, interval, byday)| {
            let mut rule = format!("FREQ={freq}{end}");
            if let Some(interval) = interval {
                rule.push_str(&format!(";INTERVAL={interval}"));
            }
            if !byday.is_empty() {
                rule.push_str(&format!(";BYDAY={}", byday.join(",")));
            }
            rule
        })
}

/// Reads text back the way `parse_event` would, so the model starts in canonical form.
fn reparsed_component(block: &str) -> ICalendar {
    ICalendar::parse(format!("BEGIN:VCALENDAR\r\n{block}\r\nEND:VCALENDAR\r\n")).unwrap()
}

fn extra_line() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        "X-[A-Z]{1,8}(-[A-Z]{1,6})?",
        select(vec!["CATEGORIES", "COMMENT", "CONTACT"]).prop_map(String::from),
    ];
    let params = vec(("X-[A-Za-z]{1,6}", param_text()), 0..3);
    let value = prop_oneof![
        text().prop_map(ICalendarValue::Text),
        "[a-z]{1,8}".prop_map(|p| ICalendarValue::Uri(Uri::Location(format!(
            "https://example.com/{p}?a=1,2;b"
        )))),
    ];
    (name, params, value).prop_map(|(name, params, value)| {
        let property =
            ICalendarProperty::parse(name.as_bytes()).unwrap_or(ICalendarProperty::Other(name));
        let entry = ICalendarEntry::new(property)
            .with_params(
                params
                    .into_iter()
                    .map(|(n, v)| ICalendarParameter::new(ICalendarParameterName::Other(n), v))
                    .collect(),
            )
            .with_value(value);
        let line = canonical_line(&entry);
        let ical = reparsed_component(&format!("BEGIN:VEVENT\r\n{line}\r\nEND:VEVENT"));
        canonical_line(&ical.components[1].entries[0])
    })
}

fn alarm() -> impl Strategy<Value = String> {
    (select(vec!["DISPLAY", "AUDIO"]), 0u32..2000, text()).prop_map(
        |(action, minutes, description)| {
            let alarm = ICalendarComponent {
                component_type: ICalendarComponentType::VAlarm,
                entries: vec![
                    ICalendarEntry::new(ICalendarProperty::Action).with_value(action),
                    ICalendarEntry::new(ICalendarProperty::Trigger)
                        .with_value(ICalendarValue::Text(format!("-PT{minutes}M"))),
                    ICalendarEntry::new(ICalendarProperty::Description).with_value(description),
                ],
                component_ids: vec![],
            };
            let ical = ICalendar {
                components: vec![ICalendarComponent::default(), alarm],
            };
            let block = canonical_block(&ical, 1);
            canonical_block(&reparsed_component(&block), 1)
        },
    )
}

fn component(recurrence_id: Option<EventTime>) -> impl Strategy<Value = Component> {
    let texts = (
        option::of(text()),
        option::of(text()),
        option::of(text()),
        option::of(select(vec![
            "PUBLIC",
            "PRIVATE",
            "CONFIDENTIAL",
            "X-SECRET",
        ])),
    );
    let times = (event_time(), option::of(event_time()));
    let flags = (
        any::<bool>(),
        option::of(select(vec![
            EventStatus::Tentative,
            EventStatus::Confirmed,
            EventStatus::Cancelled,
        ])),
        option::of(utc_instant()),
        0u32..5,
    );
    let people = (option::of(participant()), vec(participant(), 0..4));
    let recurrence = (
        option::of(rrule()),
        vec(event_time(), 0..4),
        vec(event_time(), 0..4),
    );
    let carried = (vec(alarm(), 0..3), vec(extra_line(), 0..4));
    (texts, times, flags, people, recurrence, carried).prop_map(
        move |(texts, times, flags, people, recurrence, carried)| {
            let (summary, description, location, class) = texts;
            let (start, end) = times;
            let (transparent, status, last_modified, sequence) = flags;
            let (organizer, attendees) = people;
            let (rrule, rdates, exdates) = recurrence;
            let (alarms, mut extra) = carried;
            extra.sort();
            Component {
                recurrence_id: recurrence_id.clone(),
                summary,
                description,
                location,
                start: Some(start),
                end,
                transparency: if transparent {
                    Transparency::Transparent
                } else {
                    Transparency::Opaque
                },
                status,
                class: class.map(String::from),
                organizer,
                attendees,
                recurrence: Recurrence {
                    rrule,
                    rdates,
                    exdates,
                },
                last_modified,
                dtstamp: None,
                sequence,
                alarms,
                extra,
            }
        },
    )
}

fn origin() -> impl Strategy<Value = OriginTag> {
    ("[a-z0-9]{1,8}", "c[a-z2-7]{10}", "[a-zA-Z0-9@:;,._-]{1,30}").prop_map(
        |(tenant, calendar, uid)| {
            OriginTag::new(
                TenantId::parse(tenant).unwrap(),
                OriginKey {
                    calendar: CalendarId::parse(calendar).unwrap(),
                    uid,
                },
            )
        },
    )
}

fn overrides() -> impl Strategy<Value = BTreeMap<RecurrenceKey, Component>> {
    vec(event_time().prop_flat_map(|rid| component(Some(rid))), 0..3).prop_map(|components| {
        components
            .into_iter()
            .filter_map(|c| Some((RecurrenceKey::of(c.recurrence_id.as_ref()?), c)))
            .collect()
    })
}

pub fn event() -> impl Strategy<Value = Event> {
    (
        "[a-zA-Z0-9@:;,._-]{1,40}",
        option::of(component(None)),
        overrides(),
        option::of(origin()),
        option::of("[a-z0-9-]{1,12}".prop_map(|id| LinkId::parse(id).unwrap())),
    )
        .prop_filter(
            "an event needs at least one component",
            |(_, master, overrides, ..)| master.is_some() || !overrides.is_empty(),
        )
        .prop_map(|(uid, master, overrides, origin, owner_link)| Event {
            uid,
            master,
            overrides,
            origin,
            owner_link,
            timezones: vec![],
        })
}
