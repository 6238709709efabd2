//! Creating, updating and deleting series. Creates use the client-chosen id (the copy key),
//! so a create retried after a lost answer gets 409 instead of making a duplicate. Updates
//! PATCH (an update would drop reminders, attachments and conference data calsync does not
//! model) under `If-Match`. `sendUpdates=none`: copies never email anyone.

use super::etag::{compose, master_part};
use super::http::{Call, GoogleClient};
use super::items::read_series;
use super::read::{Series, UID_KEY};
use super::recurrence;
use super::restore::restore_deleted;
use super::times::instance_id;
use super::wire::WireEvent;
use super::write_body::{master_body, override_body};
use crate::domain::{
    Component, CopyKey, Etag, Event, EventStatus, EventTime, RecurrenceKey, RemoteId,
};
use crate::ports::{ProviderError, WriteOutcome};
use reqwest::Method;
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn events_call(method: Method, calendar_id: &str, event_id: Option<&str>) -> Call {
    let mut segments = vec!["calendars", calendar_id, "events"];
    segments.extend(event_id);
    Call::new(method, &segments)
        .query("sendUpdates", "none")
        // Version 0: conference data is neither read nor touched.
        .query("conferenceDataVersion", "0")
}

pub(super) fn to_json(body: &WireEvent) -> Result<serde_json::Value, ProviderError> {
    serde_json::to_value(body)
        .map_err(|e| ProviderError::Permanent(format!("cannot encode the event: {e}")))
}

/// The component that stands for the series: the master, else (Google cannot hold
/// instances without their series) the first override, as a single event.
fn series_master(event: &Event) -> Result<Component, ProviderError> {
    match (&event.master, event.overrides.values().next()) {
        (Some(master), _) => Ok(master.clone()),
        (None, Some(first)) => Ok(Component {
            recurrence_id: None,
            ..first.clone()
        }),
        (None, None) => Err(ProviderError::Permanent(
            "an event without components".into(),
        )),
    }
}

pub(super) async fn create(
    client: &GoogleClient,
    calendar_id: &str,
    key: &CopyKey,
    event: &Event,
) -> Result<WriteOutcome, ProviderError> {
    let master = series_master(event)?;
    let mut body = master_body(event, &master);
    body.id = Some(key.as_str().to_string());
    if event.origin.is_none() {
        // An original (restored by calsync): keep the UID it has everywhere else.
        body.extended_properties
            .get_or_insert_with(Default::default)
            .private
            .get_or_insert_with(Default::default)
            .insert(UID_KEY.to_string(), event.uid.clone());
    }
    let call = events_call(Method::POST, calendar_id, None).json(to_json(&body)?);
    let created: WireEvent = match client.send(&call).await {
        Ok(reply) => reply.json("events.insert")?,
        // 409: the id is taken, by a copy whose answer was lost (the caller reads it back)
        // or by a copy deleted earlier, which Google keeps cancelled under its id.
        Err(ProviderError::PreconditionFailed) => {
            restore_deleted(client, calendar_id, key.as_str(), event, body).await?
        }
        Err(other) => return Err(other),
    };
    let master_etag = created.etag.unwrap_or_default();
    let written = if event.master.is_some() {
        write_overrides(client, calendar_id, key.as_str(), event, &BTreeMap::new()).await?
    } else {
        Some(Vec::new())
    };
    Ok(WriteOutcome {
        remote_id: RemoteId(key.as_str().to_string()),
        etag: written.map(|exceptions| compose(&master_etag, &exceptions)),
    })
}

pub(super) async fn update(
    client: &GoogleClient,
    calendar_id: &str,
    id: &RemoteId,
    etag: Option<&Etag>,
    event: &Event,
) -> Result<WriteOutcome, ProviderError> {
    let current = read_series(client, calendar_id, &id.0)
        .await?
        .ok_or(ProviderError::NotFound)?;
    // The master's ETag only guards the master: an edited instance must fail the write too.
    if etag.is_some_and(|expected| current.etag().as_ref() != Some(expected)) {
        return Err(ProviderError::PreconditionFailed);
    }
    let master = series_master(event)?;
    let current_master_etag = current.master.as_ref().and_then(|m| m.etag.clone());
    let call = events_call(Method::PATCH, calendar_id, Some(&id.0))
        .if_match(current_master_etag.as_deref())
        .json(to_json(&master_body(event, &master))?);
    let patched: WireEvent = client.send(&call).await?.json("events.patch")?;
    let known = existing_exceptions(&current);
    let written = if event.master.is_some() {
        write_overrides(client, calendar_id, &id.0, event, &known).await?
    } else {
        None
    };
    let cancelled_restorable = same_rule(&current, &master);
    let dropped = Dropped {
        known: &known,
        cancelled_restorable,
    };
    let reset =
        reset_dropped_overrides(client, calendar_id, &id.0, event, &master, dropped).await?;
    let etag = match (written, reset) {
        (Some(mut exceptions), Some(reset)) => {
            // Untouched exceptions keep their ETags; rewritten ones have new ones.
            let rewritten: BTreeSet<String> = exceptions
                .iter()
                .chain(reset.iter())
                .map(|(id, _)| id.clone())
                .collect();
            exceptions.extend(reset);
            exceptions.extend(
                known
                    .into_iter()
                    .filter(|(id, _)| !rewritten.contains(id))
                    .map(|(id, (etag, _))| (id, etag)),
            );
            Some(compose(&patched.etag.unwrap_or_default(), &exceptions))
        }
        _ => None,
    };
    Ok(WriteOutcome {
        remote_id: id.clone(),
        etag,
    })
}

/// Instance id -> (ETag, cancelled) of the series' stored exceptions.
fn existing_exceptions(series: &Series) -> BTreeMap<String, (String, bool)> {
    series
        .exceptions
        .iter()
        .filter_map(|e| {
            Some((
                e.id.clone()?,
                (e.etag.clone().unwrap_or_default(), e.is_cancelled()),
            ))
        })
        .collect()
}

/// Writes each override to its instance id; cancelled overrides and EXDATEs of live
/// exceptions are deleted. `None` when a deletion left an ETag unknown.
async fn write_overrides(
    client: &GoogleClient,
    calendar_id: &str,
    master_id: &str,
    event: &Event,
    known: &BTreeMap<String, (String, bool)>,
) -> Result<Option<Vec<(String, String)>>, ProviderError> {
    let mut written = Vec::new();
    let mut all_known = true;
    for (key, component) in &event.overrides {
        let Some(original) = original_start(key, component) else {
            continue;
        };
        let instance = instance_id(master_id, &original);
        let live = known.get(&instance).filter(|(_, cancelled)| !cancelled);
        if component.status == Some(EventStatus::Cancelled) {
            delete_instance(client, calendar_id, &instance).await?;
            all_known = false;
            continue;
        }
        let call = events_call(Method::PATCH, calendar_id, Some(&instance))
            .if_match(live.map(|(etag, _)| etag.as_str()))
            .json(to_json(&override_body(event, component))?);
        let patched: WireEvent = client.send(&call).await?.json("events.patch")?;
        written.push((instance, patched.etag.unwrap_or_default()));
    }
    // EXDATEs are in the master's recurrence, but Google keeps a modified instance even so.
    if let Some(master) = &event.master {
        for exdate in &master.recurrence.exdates {
            let instance = instance_id(master_id, exdate);
            if known
                .get(&instance)
                .is_some_and(|(_, cancelled)| !cancelled)
            {
                delete_instance(client, calendar_id, &instance).await?;
                all_known = false;
            }
        }
    }
    Ok(all_known.then_some(written))
}

/// The stored exceptions of a series being rewritten, and whether its cancelled ones are
/// occurrences the new version may bring back.
struct Dropped<'a> {
    known: &'a BTreeMap<String, (String, bool)>,
    cancelled_restorable: bool,
}

/// Whether the stored series repeats by the same rule as `master` (exclusions aside): only
/// then are its cancelled instances sure to be occurrences of the version being written.
fn same_rule(current: &Series, master: &Component) -> bool {
    let Some(lines) = current.master.as_ref().and_then(|m| m.recurrence.as_ref()) else {
        return false;
    };
    let canonical = |rule: &Option<String>| {
        rule.as_ref().map(|rule| {
            let mut parts: Vec<String> = rule.split(';').map(str::to_ascii_uppercase).collect();
            parts.sort();
            parts
        })
    };
    recurrence::from_lines(lines).is_ok_and(|stored| {
        canonical(&stored.rrule) == canonical(&master.recurrence.rrule)
            && stored.rdates == master.recurrence.rdates
    })
}

/// Exceptions the event no longer overrides (nor excludes) go back to the series' values:
/// Google has no way to drop a modification, so it is overwritten. A cancelled instance the
/// event no longer cancels is restored the same way (the body's status is `confirmed`):
/// otherwise it stays cancelled on Google and reads back excluded, while calsync records
/// the series as written whole.
async fn reset_dropped_overrides(
    client: &GoogleClient,
    calendar_id: &str,
    master_id: &str,
    event: &Event,
    master: &Component,
    dropped: Dropped<'_>,
) -> Result<Option<Vec<(String, String)>>, ProviderError> {
    let mut kept: BTreeSet<String> = event
        .overrides
        .iter()
        .filter_map(|(key, c)| original_start(key, c).map(|s| instance_id(master_id, &s)))
        .collect();
    kept.extend(
        master
            .recurrence
            .exdates
            .iter()
            .map(|t| instance_id(master_id, t)),
    );
    let mut reset = Vec::new();
    for (instance, (etag, cancelled)) in dropped.known {
        if (*cancelled && !dropped.cancelled_restorable) || kept.contains(instance) {
            continue;
        }
        let Some(start) = instance_start(master, master_id, instance) else {
            continue;
        };
        let component = series_instance(master, start);
        let call = events_call(Method::PATCH, calendar_id, Some(instance))
            .if_match(Some(etag))
            .json(to_json(&override_body(event, &component))?);
        let patched: WireEvent = client.send(&call).await?.json("events.patch")?;
        reset.push((instance.clone(), patched.etag.unwrap_or_default()));
    }
    Ok(Some(reset))
}

/// The series' own values for its instance starting at `start`.
pub(super) fn series_instance(master: &Component, start: EventTime) -> Component {
    let mut component = master.clone();
    component.end = match (&master.start, &master.end) {
        (Some(s), Some(e)) => Some(start.shifted(e.to_utc_lenient() - s.to_utc_lenient())),
        _ => None,
    };
    component.start = Some(start);
    component
}

/// The original start of an instance, in the form of the series' start, from its id suffix.
pub(super) fn instance_start(
    master: &Component,
    master_id: &str,
    instance: &str,
) -> Option<EventTime> {
    let suffix = instance.strip_prefix(master_id)?.strip_prefix('_')?;
    if let Ok(date) = chrono::NaiveDate::parse_from_str(suffix, "%Y%m%d") {
        return Some(EventTime::Date { date });
    }
    let at = chrono::NaiveDateTime::parse_from_str(suffix, "%Y%m%dT%H%M%SZ").ok()?;
    let utc = EventTime::Utc { at };
    Some(match master.start.as_ref().and_then(EventTime::tzid) {
        Some(tzid) => match crate::domain::resolve_zone(tzid) {
            Some(zone) => EventTime::Zoned {
                local: chrono::TimeZone::from_utc_datetime(&zone, &at).naive_local(),
                tzid: tzid.to_string(),
            },
            None => utc,
        },
        None => utc,
    })
}

pub(super) fn original_start(key: &RecurrenceKey, component: &Component) -> Option<EventTime> {
    component.recurrence_id.clone().or_else(|| {
        let text = &key.0;
        if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y%m%d") {
            return Some(EventTime::Date { date });
        }
        chrono::NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%SZ")
            .ok()
            .map(|at| EventTime::Utc { at })
    })
}

async fn delete_instance(
    client: &GoogleClient,
    calendar_id: &str,
    instance: &str,
) -> Result<(), ProviderError> {
    let call = events_call(Method::DELETE, calendar_id, Some(instance));
    match client.send(&call).await {
        Ok(_) | Err(ProviderError::NotFound) => Ok(()),
        Err(other) => Err(other),
    }
}

pub(super) async fn delete(
    client: &GoogleClient,
    calendar_id: &str,
    id: &RemoteId,
    etag: Option<&Etag>,
) -> Result<(), ProviderError> {
    let if_match = match etag {
        // A series ETag: compare it whole first (the master's alone misses instance edits).
        Some(etag) if master_part(etag) != etag.0 => {
            let current = read_series(client, calendar_id, &id.0)
                .await?
                .ok_or(ProviderError::NotFound)?;
            if current.etag().as_ref() != Some(etag) {
                return Err(ProviderError::PreconditionFailed);
            }
            Some(master_part(etag).to_string())
        }
        Some(etag) => Some(etag.0.clone()),
        None => None,
    };
    let call = events_call(Method::DELETE, calendar_id, Some(&id.0)).if_match(if_match.as_deref());
    client.send(&call).await.map(|_| ())
}
