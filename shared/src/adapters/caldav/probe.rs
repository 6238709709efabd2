//! What a calendar's server really does: sync-collection (advertised AND answered) and
//! whether a recurring event with an EXDATE and a moved instance survives a round trip.

use super::changes::{SyncFailure, classify_failure};
use super::discovery::{CALENDAR_PROPS, advertised_capabilities, unreadable, writable};
use super::http::DavClient;
use super::http_message::{Condition, HttpRequest};
use super::multistatus;
use super::request_body::{propfind, sync_collection};
use super::writes::resource_url;
use super::xml::DAV;
use crate::domain::{Capabilities, Event, RecurrenceKey, RecurrenceSupport};
use crate::ports::ProviderError;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use url::Url;

pub(super) async fn probe(
    client: &DavClient,
    url: &Url,
    known_read_only: bool,
) -> Result<Capabilities, ProviderError> {
    let reply = client
        .send(HttpRequest::propfind(
            url.clone(),
            "0",
            propfind(CALENDAR_PROPS),
        ))
        .await?
        .success()?;
    let listing = multistatus::parse(&reply.body).map_err(|e| unreadable(&reply.url, e))?;
    let response =
        listing.responses.into_iter().next().ok_or_else(|| {
            ProviderError::Permanent(format!("PROPFIND {}: empty reply", url.path()))
        })?;
    let mut capabilities = advertised_capabilities(&response);
    if let Some(token) = response.prop_text(DAV, "sync-token")
        && capabilities.sync_collection
    {
        capabilities.sync_collection = sync_collection_answers(client, url, &token).await?;
    }
    if !known_read_only && writable(&response) {
        capabilities.recurrence = recurrence_round_trip(client, url).await?;
    }
    Ok(capabilities)
}

/// Asks for the changes since the current token: cheap (nothing changed) and proves the
/// REPORT works, which advertising alone does not.
async fn sync_collection_answers(
    client: &DavClient,
    url: &Url,
    token: &str,
) -> Result<bool, ProviderError> {
    let body = sync_collection(Some(token), &[(DAV, "getetag")]);
    let reply = client
        .send(HttpRequest::report(url.clone(), Some("0"), body))
        .await?;
    if reply.is_success() {
        return Ok(true);
    }
    match classify_failure(&reply, true) {
        // The report exists; it merely did not like its own token.
        SyncFailure::InvalidToken => Ok(true),
        SyncFailure::Unsupported => Ok(false),
        SyncFailure::Other => Err(reply.error()),
    }
}

async fn recurrence_round_trip(
    client: &DavClient,
    calendar: &Url,
) -> Result<RecurrenceSupport, ProviderError> {
    let name = format!("calsync-probe-{:016x}", rand::random::<u64>());
    let url = resource_url(calendar, &name)?;
    let sent = probe_event(&format!("{name}@calsync"), Utc::now());
    let Some(expected) = crate::ical::parse_event(&sent)
        .ok()
        .and_then(|event| RecurrenceShape::of(&event))
    else {
        // Our own reader cannot judge this event: no verdict rather than a wrong one.
        tracing::warn!(
            "capability probe skipped: the iCalendar reader cannot read the probe event"
        );
        return Ok(RecurrenceSupport::Unknown);
    };
    let put = client
        .send(HttpRequest::put_calendar(
            url.clone(),
            sent,
            Condition::IfNoneMatchAny,
        ))
        .await?;
    if !put.is_success() {
        let error = put.error();
        if error.is_retryable() || matches!(error, ProviderError::Auth(_)) {
            return Err(error);
        }
        tracing::warn!(
            status = put.status.as_u16(),
            "capability probe event refused"
        );
        return Ok(RecurrenceSupport::Unknown);
    }
    let verdict = read_back(client, &put.url, &expected).await;
    let deleted = client
        .send(HttpRequest::delete(put.url.clone(), Condition::None))
        .await
        .and_then(|reply| reply.success());
    if let Err(error) = deleted {
        tracing::warn!(path = put.url.path(), %error, "could not delete the capability probe event");
    }
    verdict
}

async fn read_back(
    client: &DavClient,
    url: &Url,
    expected: &RecurrenceShape,
) -> Result<RecurrenceSupport, ProviderError> {
    let reply = client
        .send(HttpRequest::get(url.clone()))
        .await?
        .success()?;
    let shape = String::from_utf8(reply.body)
        .ok()
        .and_then(|text| crate::ical::parse_event(&text).ok())
        .and_then(|event| RecurrenceShape::of(&event));
    Ok(if shape.as_ref() == Some(expected) {
        RecurrenceSupport::Intact
    } else {
        tracing::warn!(
            path = url.path(),
            "the server altered the recurrence of the probe event"
        );
        RecurrenceSupport::Mangled
    })
}

/// What must survive: compared as meaning, not bytes (Radicale and Xandikos re-serialise,
/// Xandikos reorders RRULE parts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RecurrenceShape {
    rrule: Option<String>,
    start: Option<DateTime<Utc>>,
    exdates: BTreeSet<DateTime<Utc>>,
    rdates: BTreeSet<DateTime<Utc>>,
    overrides: BTreeMap<RecurrenceKey, Option<DateTime<Utc>>>,
}

impl RecurrenceShape {
    pub(super) fn of(event: &Event) -> Option<Self> {
        let master = event.master.as_ref()?;
        Some(Self {
            rrule: master.recurrence.rrule.clone(),
            start: master.start.as_ref().map(|t| t.to_utc_lenient()),
            exdates: master
                .recurrence
                .exdates
                .iter()
                .map(|t| t.to_utc_lenient())
                .collect(),
            rdates: master
                .recurrence
                .rdates
                .iter()
                .map(|t| t.to_utc_lenient())
                .collect(),
            overrides: event
                .overrides
                .iter()
                .map(|(key, c)| (key.clone(), c.start.as_ref().map(|t| t.to_utc_lenient())))
                .collect(),
        })
    }
}

/// A weekly series of five in January 2001 (far from any real agenda), the third instance
/// excluded and the second moved by four hours.
pub(super) fn probe_event(uid: &str, now: DateTime<Utc>) -> String {
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    let summary = "calsync capability probe (safe to delete)";
    [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//calsync//capability probe//EN",
        "BEGIN:VEVENT",
        &format!("UID:{uid}"),
        &format!("DTSTAMP:{stamp}"),
        "DTSTART:20010108T100000Z",
        "DTEND:20010108T110000Z",
        "RRULE:FREQ=WEEKLY;COUNT=5",
        "EXDATE:20010122T100000Z",
        &format!("SUMMARY:{summary}"),
        "END:VEVENT",
        "BEGIN:VEVENT",
        &format!("UID:{uid}"),
        &format!("DTSTAMP:{stamp}"),
        "RECURRENCE-ID:20010115T100000Z",
        "DTSTART:20010115T140000Z",
        "DTEND:20010115T150000Z",
        &format!("SUMMARY:{summary}"),
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    .join("\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Component, EventTime, Recurrence};
    use chrono::NaiveDate;

    fn utc(day: u32, hour: u32) -> EventTime {
        EventTime::Utc {
            at: NaiveDate::from_ymd_opt(2001, 1, day)
                .unwrap()
                .and_hms_opt(hour, 0, 0)
                .unwrap(),
        }
    }

    fn series(exdate_day: u32, moved_hour: u32) -> Event {
        let recurrence_id = utc(15, 10);
        Event {
            uid: "p@calsync".into(),
            master: Some(Component {
                start: Some(utc(8, 10)),
                recurrence: Recurrence {
                    rrule: Some("FREQ=WEEKLY;COUNT=5".into()),
                    rdates: Vec::new(),
                    exdates: vec![utc(exdate_day, 10)],
                },
                ..Component::default()
            }),
            overrides: [(
                RecurrenceKey::of(&recurrence_id),
                Component {
                    recurrence_id: Some(recurrence_id),
                    start: Some(utc(15, moved_hour)),
                    ..Component::default()
                },
            )]
            .into(),
            origin: None,
            owner_link: None,
            timezones: Vec::new(),
        }
    }

    #[test]
    fn the_same_recurrence_in_another_zone_spelling_is_intact() {
        let mut zoned = series(22, 14);
        if let Some(master) = zoned.master.as_mut() {
            master.recurrence.exdates = vec![EventTime::Zoned {
                local: NaiveDate::from_ymd_opt(2001, 1, 22)
                    .unwrap()
                    .and_hms_opt(11, 0, 0)
                    .unwrap(),
                tzid: "Europe/Berlin".into(),
            }];
        }
        assert_eq!(
            RecurrenceShape::of(&series(22, 14)),
            RecurrenceShape::of(&zoned)
        );
    }

    #[test]
    fn a_lost_exdate_or_unmoved_override_is_mangled() {
        let sent = RecurrenceShape::of(&series(22, 14));
        assert_ne!(sent, RecurrenceShape::of(&series(29, 14)));
        assert_ne!(sent, RecurrenceShape::of(&series(22, 10)));
        let mut dropped = series(22, 14);
        dropped.overrides.clear();
        assert_ne!(sent, RecurrenceShape::of(&dropped));
    }

    #[test]
    fn the_probe_event_is_a_far_past_weekly_series_with_exdate_and_override() {
        let text = probe_event("x@calsync", Utc::now());
        assert!(text.contains("RRULE:FREQ=WEEKLY;COUNT=5\r\n"));
        assert!(text.contains("EXDATE:20010122T100000Z\r\n"));
        assert!(text.contains("RECURRENCE-ID:20010115T100000Z\r\n"));
        assert!(text.contains("SUMMARY:calsync capability probe (safe to delete)\r\n"));
        assert_eq!(text.matches("BEGIN:VEVENT").count(), 2);
        assert!(text.ends_with("END:VCALENDAR\r\n"));
    }
}
