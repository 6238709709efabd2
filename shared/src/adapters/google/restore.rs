//! Bringing back a deleted copy (an edit elsewhere beat its deletion). Google keeps a
//! deleted event, cancelled, under its id and refuses a new event with that id, so the copy is
//! restored in place. Deleting a series also cancelled its stored instances (its moved ones
//! among them): those the event does not cancel are restored first, while the series still
//! reads as deleted, and the series last. A restore cut short then leaves a deleted copy, not
//! a live series whose instances read back cancelled, which the next pass would take for its
//! user's cancellations (chaos run: a moved instance cancelled on every calendar).

use super::http::{Call, GoogleClient};
use super::items::stored_exceptions;
use super::times::instance_id;
use super::wire::WireEvent;
use super::write_body::override_body;
use super::writes::{events_call, instance_start, original_start, series_instance, to_json};
use crate::domain::{Component, Event, EventStatus, EventTime};
use crate::ports::ProviderError;
use reqwest::Method;

/// Restores the cancelled event `id` as `event` (`body` is its master's body); a live event
/// under the id stays `PreconditionFailed`: the copy a lost answer made.
pub(super) async fn restore_deleted(
    client: &GoogleClient,
    calendar_id: &str,
    id: &str,
    event: &Event,
    mut body: WireEvent,
) -> Result<WireEvent, ProviderError> {
    let call = Call::get(&["calendars", calendar_id, "events", id]);
    let current: WireEvent = match client.send(&call).await {
        Ok(reply) => reply.json("events.get")?,
        Err(ProviderError::NotFound) => return Err(ProviderError::PreconditionFailed),
        Err(other) => return Err(other),
    };
    if !current.is_cancelled() {
        return Err(ProviderError::PreconditionFailed);
    }
    if let Some(master) = &event.master {
        restore_overrides(client, calendar_id, id, event).await?;
        // Google keeps a deleted event's details on its organizer's calendar; where the
        // iCalUID is left, the other instances the deletion cancelled come back too.
        if let Some(uid) = current.ical_uid.as_deref() {
            for instance in stored_exceptions(client, calendar_id, id, uid).await? {
                restore_instance(client, calendar_id, id, event, master, &instance).await?;
            }
        }
    }
    body.id = None;
    body.status = Some("confirmed".to_string());
    let call = events_call(Method::PATCH, calendar_id, Some(id))
        .if_match(current.etag.as_deref())
        .json(to_json(&body)?);
    client.send(&call).await?.json("events.patch")
}

/// Writes the event's moved (not cancelled) instances while the series is still cancelled.
/// One that was never stored is no instance of a cancelled series yet (404): it is written
/// with the others once the series is back.
async fn restore_overrides(
    client: &GoogleClient,
    calendar_id: &str,
    master_id: &str,
    event: &Event,
) -> Result<(), ProviderError> {
    for (key, component) in &event.overrides {
        if component.status == Some(EventStatus::Cancelled) {
            continue;
        }
        let Some(original) = original_start(key, component) else {
            continue;
        };
        let instance = instance_id(master_id, &original);
        let call = events_call(Method::PATCH, calendar_id, Some(&instance))
            .json(to_json(&override_body(event, component))?);
        match client.send(&call).await {
            Ok(_) | Err(ProviderError::NotFound) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(())
}

/// Brings back one cancelled stored instance as the event has it (its override, else the
/// series' own values), unless the event cancels it too.
async fn restore_instance(
    client: &GoogleClient,
    calendar_id: &str,
    master_id: &str,
    event: &Event,
    master: &Component,
    instance: &WireEvent,
) -> Result<(), ProviderError> {
    let Some(id) = instance.id.as_deref() else {
        return Ok(());
    };
    if !instance.is_cancelled() {
        return Ok(());
    }
    let Some(start) = instance_start(master, master_id, id) else {
        return Ok(());
    };
    let same = |at: &EventTime| instance_id(master_id, at) == id;
    if master.recurrence.exdates.iter().any(same) {
        return Ok(());
    }
    let overriding = event
        .overrides
        .iter()
        .find(|(key, c)| original_start(key, c).is_some_and(|s| same(&s)))
        .map(|(_, c)| c);
    let component = match overriding {
        Some(c) if c.status == Some(EventStatus::Cancelled) => return Ok(()),
        Some(c) => c.clone(),
        None => series_instance(master, start),
    };
    let call = events_call(Method::PATCH, calendar_id, Some(id))
        .json(to_json(&override_body(event, &component))?);
    client.send(&call).await.map(|_| ())
}
