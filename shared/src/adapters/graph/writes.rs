//! Writes. Creates are POSTed with a `transactionId` derived from the copy key, so a create
//! retried after a lost answer gets the same event back instead of a duplicate. Exceptions
//! are written by patching the matching occurrence, cancelled occurrences by deleting it
//! (Graph has no other way to edit one instance). Updates and deletes carry `If-Match`.

use super::http::{Call, GraphClient};
use super::mapping::{event_zone, parse_instant, read_component, write_component, write_time};
use super::reads::{instances, read_item, segment};
use super::recurrence::to_graph;
use super::series::{Window, master_etag, series_start};
use super::wire::{GraphEvent, LINK_NAME, ORIGIN_NAME, PatternedRecurrence, UID_NAME, property_id};
use crate::domain::{
    Component, CopyKey, Etag, Event, EventStatus, EventTime, Field, FieldKey, RemoteId,
    field_hashes,
};
use crate::ports::{FetchedItem, ProviderError, WriteOutcome};
use chrono::{DateTime, TimeDelta, Utc};
use reqwest::Method;
use serde_json::{Value, json};

fn refuse(reason: impl std::fmt::Display) -> ProviderError {
    ProviderError::Permanent(format!(
        "the event cannot be written to Microsoft Graph: {reason}"
    ))
}

/// The JSON of the event's master, with its recurrence and calsync's markers.
fn master_body(event: &Event) -> Result<serde_json::Map<String, Value>, ProviderError> {
    let master = event
        .master
        .as_ref()
        .ok_or_else(|| refuse("it has no master component"))?;
    let mut body = write_component(master);
    if !master.recurrence.rdates.is_empty() {
        return Err(refuse("Graph recurrence has no RDATE"));
    }
    let recurrence = match pattern(master)? {
        Some(pattern) => json!(pattern),
        None => Value::Null,
    };
    body.insert("recurrence".into(), recurrence);
    let mut markers = Vec::new();
    if let Some(origin) = &event.origin {
        markers.push(json!({"id": property_id(ORIGIN_NAME), "value": origin.to_string()}));
    }
    if let Some(link) = &event.owner_link {
        markers.push(json!({"id": property_id(LINK_NAME), "value": link.as_str()}));
    }
    if !markers.is_empty() {
        body.insert(
            "singleValueExtendedProperties".into(),
            Value::Array(markers),
        );
    }
    Ok(body)
}

/// The series' recurrence as Graph is sent it; `None` for a single event.
fn pattern(master: &Component) -> Result<Option<PatternedRecurrence>, ProviderError> {
    match (&master.recurrence.rrule, &master.start) {
        (Some(rrule), Some(start)) => {
            let (written, _) = write_time(start);
            let zone = event_zone(Some(&written.time_zone));
            to_graph(rrule, series_start(start, zone), &written.time_zone)
                .map(Some)
                .map_err(refuse)
        }
        (Some(_), None) => Err(refuse("a recurring event needs a start")),
        (None, _) => Ok(None),
    }
}

/// Whether the stored series and `event` repeat by the same pattern, as calsync writes it.
fn keeps_pattern(stored: &FetchedItem, event: &Event) -> bool {
    let Some(Ok(stored)) = &stored.body else {
        return false;
    };
    match (&stored.master, &event.master) {
        (Some(before), Some(after)) => {
            matches!((pattern(before), pattern(after)), (Ok(Some(a)), Ok(Some(b))) if a == b)
        }
        _ => false,
    }
}

/// Whether the event Graph answered a create with holds what calsync sent: title,
/// description, location and time of the master.
fn shows_what_was_sent(created: &GraphEvent, event: &Event) -> bool {
    let Ok(stored) = read_component(created) else {
        return false;
    };
    let stored = field_hashes(&Event {
        master: Some(stored),
        overrides: Default::default(),
        ..event.clone()
    });
    let sent = field_hashes(event);
    [
        Field::Summary,
        Field::Description,
        Field::Location,
        Field::Time,
    ]
    .into_iter()
    .all(|field| stored.get(&FieldKey::Master(field)) == sent.get(&FieldKey::Master(field)))
}

pub(super) async fn create(
    client: &GraphClient,
    calendar_id: &str,
    key: &CopyKey,
    event: &Event,
    window: Window,
) -> Result<WriteOutcome, ProviderError> {
    let mut body = master_body(event)?;
    body.insert("transactionId".into(), json!(key.as_str()));
    if event.origin.is_none() {
        // An original (restored by calsync): keep the UID it has everywhere else.
        let uid = json!({"id": property_id(UID_NAME), "value": event.uid});
        match body.get_mut("singleValueExtendedProperties") {
            Some(Value::Array(markers)) => markers.push(uid),
            _ => {
                body.insert("singleValueExtendedProperties".into(), json!([uid]));
            }
        }
    }
    let body = Value::Object(body);
    let url = format!("me/calendars/{}/events", segment(calendar_id));
    let created: GraphEvent = client
        .send(&Call::new(Method::POST, url).json(&body).reading_events())
        .await?
        .json()?;
    if !shows_what_was_sent(&created, event) {
        // A create retried after a lost answer: Graph gives back the event the first
        // attempt made, as it is now (an earlier attempt's content, or edited since).
        // Reported as written, its differences would hide inside its ETag for good (chaos
        // run: a Graph copy's own edit never read); as a race, the next pass reads it.
        return Err(ProviderError::PreconditionFailed);
    }
    let occurrences = write_occurrences(client, &created, event).await?;
    outcome(client, &created, occurrences, window).await
}

pub(super) async fn update(
    client: &GraphClient,
    id: &RemoteId,
    etag: Option<&Etag>,
    event: &Event,
    window: Window,
) -> Result<WriteOutcome, ProviderError> {
    let mut body = master_body(event)?;
    let mut if_match = None;
    if let Some(etag) = etag {
        // The item ETag also covers the exceptions, which If-Match on the master does not.
        let current = read_item(client, &id.0, window)
            .await?
            .ok_or(ProviderError::NotFound)?;
        if current.etag.as_ref() != Some(etag) {
            return Err(ProviderError::PreconditionFailed);
        }
        // A written pattern that Graph takes for a change drops the series' exceptions and
        // cancelled occurrences (as Outlook does when a recurrence is edited); the ones the
        // event keeps are written again below, but a write cut short in between (a 5xx, a
        // killed worker) would leave the series without them, read back as a user's edit
        // (chaos run: a moved instance lost on every calendar). An unchanged one is left out.
        if keeps_pattern(&current, event) {
            body.remove("recurrence");
        }
        if_match = Some(master_etag(etag));
    }
    let body = Value::Object(body);
    let mut call = Call::new(Method::PATCH, format!("me/events/{}", segment(&id.0)))
        .json(&body)
        .reading_events();
    if let Some(if_match) = if_match {
        call = call.header("If-Match", if_match);
    }
    let updated: GraphEvent = client.send(&call).await?.json()?;
    let occurrences = write_occurrences(client, &updated, event).await?;
    outcome(client, &updated, occurrences, window).await
}

pub(super) async fn delete(
    client: &GraphClient,
    id: &RemoteId,
    etag: Option<&Etag>,
) -> Result<(), ProviderError> {
    let mut call = Call::new(Method::DELETE, format!("me/events/{}", segment(&id.0)));
    if let Some(etag) = etag {
        call = call.header("If-Match", master_etag(etag));
    }
    client.send(&call).await.map(|_| ())
}

/// The written item's ETag. A single event's is the one our write was answered with. A
/// series' also covers its occurrences, so it is read back; unless we wrote occurrences too
/// (which changes the master's ETag), it is kept only while the master still carries our
/// write's ETag: an edit made in between would otherwise hide inside the ETag we record and
/// never be read (found by the chaos run: Graph copies that diverged for good). Unknown, the
/// next pass reads the item and finds nothing new if nobody wrote.
async fn outcome(
    client: &GraphClient,
    written: &GraphEvent,
    occurrences_written: bool,
    window: Window,
) -> Result<WriteOutcome, ProviderError> {
    let remote_id = RemoteId(written.id.clone());
    if written.kind() != "seriesMaster" {
        return Ok(WriteOutcome {
            remote_id,
            etag: written.etag.clone().map(Etag),
        });
    }
    let read = read_item(client, &written.id, window).await?;
    let etag = read
        .and_then(|item| item.etag)
        .filter(|etag| occurrences_written || Some(master_etag(etag)) == written.etag.as_deref());
    Ok(WriteOutcome { remote_id, etag })
}

/// What to do to one occurrence of the series.
enum Change<'a> {
    Patch(&'a Component),
    Delete,
}

/// Patches the occurrences the event overrides and deletes the cancelled ones; whether it
/// wrote any.
async fn write_occurrences(
    client: &GraphClient,
    master: &GraphEvent,
    event: &Event,
) -> Result<bool, ProviderError> {
    let Some(component) = event
        .master
        .as_ref()
        .filter(|_| master.kind() == "seriesMaster")
    else {
        return Ok(false);
    };
    let mut wanted: Vec<(&EventTime, Change<'_>)> = component
        .recurrence
        .exdates
        .iter()
        .map(|exdate| (exdate, Change::Delete))
        .collect();
    for exception in event.overrides.values() {
        let Some(recurrence_id) = &exception.recurrence_id else {
            continue;
        };
        let change = if exception.status == Some(EventStatus::Cancelled) {
            Change::Delete
        } else {
            Change::Patch(exception)
        };
        wanted.push((recurrence_id, change));
    }
    if wanted.is_empty() {
        return Ok(false);
    }
    let instants: Vec<DateTime<Utc>> = wanted.iter().map(|(at, _)| at.to_utc_lenient()).collect();
    let (Some(first), Some(last)) = (instants.iter().min(), instants.iter().max()) else {
        return Ok(false);
    };
    let span = (*first - TimeDelta::days(2), *last + TimeDelta::days(2));
    let listed = instances(client, &master.id, span).await?;
    let mut wrote = false;
    let zone = event_zone(master.original_start_time_zone.as_deref());
    for (recurrence_id, change) in wanted {
        let found = listed.iter().find(|instance| {
            let Some(at) = instance
                .original_start
                .as_deref()
                .and_then(|v| parse_instant(v).ok())
            else {
                return false;
            };
            match recurrence_id {
                EventTime::Date { date } => at.with_timezone(&zone).date_naive() == *date,
                other => other.to_utc_lenient() == at,
            }
        });
        let Some(instance) = found else {
            // Already deleted, or not an occurrence of the pattern: nothing Graph can hold.
            tracing::debug!("no Graph occurrence matches an override; skipped");
            continue;
        };
        let url = format!("me/events/{}", segment(&instance.id));
        wrote = true;
        match change {
            Change::Delete => match client.send(&Call::new(Method::DELETE, url)).await {
                Ok(_) | Err(ProviderError::NotFound) => {}
                Err(error) => return Err(error),
            },
            Change::Patch(exception) => {
                let body = Value::Object(write_component(exception));
                client
                    .send(&Call::new(Method::PATCH, url).json(&body))
                    .await?;
            }
        }
    }
    Ok(wrote)
}
