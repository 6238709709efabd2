//! Reading series whole: the master by id, then (for recurring masters) its exception
//! instances, found through the iCalendar UID they share.

use super::http::{Call, GoogleClient};
use super::listing::{PAGE_SIZE, all_pages};
use super::read::{Series, to_event};
use super::wire::WireEvent;
use crate::domain::RemoteId;
use crate::ports::{FetchedItem, ProviderError};

pub(super) async fn fetch(
    client: &GoogleClient,
    calendar_id: &str,
    ids: &[RemoteId],
) -> Result<Vec<FetchedItem>, ProviderError> {
    let mut fetched = Vec::with_capacity(ids.len());
    for id in ids {
        let item = match read_series(client, calendar_id, &id.0).await? {
            Some(series) => FetchedItem {
                remote_id: id.clone(),
                etag: series.etag(),
                body: Some(to_event(&series)),
            },
            None => FetchedItem {
                remote_id: id.clone(),
                etag: None,
                body: None,
            },
        };
        fetched.push(item);
    }
    Ok(fetched)
}

/// The live series `master_id`, or `None` when it is gone (404, 410 or cancelled).
pub(super) async fn read_series(
    client: &GoogleClient,
    calendar_id: &str,
    master_id: &str,
) -> Result<Option<Series>, ProviderError> {
    let call = Call::get(&["calendars", calendar_id, "events", master_id]);
    let master: WireEvent = match client.send(&call).await {
        Ok(reply) => reply.json("events.get")?,
        Err(ProviderError::NotFound) => return Ok(None),
        Err(other) => return Err(other),
    };
    if master.is_cancelled() {
        return Ok(None);
    }
    let recurring = master.recurrence.as_ref().is_some_and(|r| !r.is_empty());
    let mut series = Series {
        master: Some(master),
        exceptions: Vec::new(),
    };
    let uid = series.master.as_ref().and_then(|m| m.ical_uid.clone());
    if let (true, Some(uid)) = (recurring, uid) {
        series.exceptions = stored_exceptions(client, calendar_id, master_id, &uid).await?;
    }
    Ok(Some(series))
}

/// The stored instances of the series `master_id` (iCalUID `uid`), cancelled ones included:
/// they are the series' EXDATEs and part of its ETag.
pub(super) async fn stored_exceptions(
    client: &GoogleClient,
    calendar_id: &str,
    master_id: &str,
    uid: &str,
) -> Result<Vec<WireEvent>, ProviderError> {
    let call = Call::get(&["calendars", calendar_id, "events"])
        .query("iCalUID", uid)
        .query("showDeleted", "true")
        .query("singleEvents", "false")
        .query("maxResults", PAGE_SIZE);
    let listed = all_pages(client, call).await?;
    Ok(listed
        .items
        .into_iter()
        .filter_map(|item| serde_json::from_value::<WireEvent>(item).ok())
        .filter(|e| e.recurring_event_id.as_deref() == Some(master_id))
        .collect())
}
