//! Reading items: an event with calsync's markers, a series' instances in a window, and the
//! logical item (master + instances) behind any event id Graph reports.

use super::http::{Call, GraphClient};
use super::series::{Window, assemble};
use super::wire::{GraphEvent, Page, expand_markers};
use crate::domain::RemoteId;
use crate::ports::{FetchedItem, ProviderError};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Method;

/// A server that keeps sending nextLinks is broken; stop rather than loop for ever.
pub const MAX_PAGES: usize = 10_000;
/// Graph's per-page maximum for event collections is far higher; 100 keeps replies small.
pub const PAGE_SIZE: u32 = 100;

pub fn segment(id: &str) -> String {
    utf8_percent_encode(id, NON_ALPHANUMERIC).to_string()
}

pub fn query(pairs: &[(&str, &str)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        serializer.append_pair(name, value);
    }
    serializer.finish()
}

pub fn iso(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// One event with its markers; `None` when Graph no longer has it.
pub async fn get_event(
    client: &GraphClient,
    id: &str,
) -> Result<Option<GraphEvent>, ProviderError> {
    let url = format!(
        "me/events/{}?{}",
        segment(id),
        query(&[("$expand", &expand_markers())])
    );
    match client
        .send(&Call::new(Method::GET, url).reading_events())
        .await
    {
        Ok(reply) => reply.json().map(Some),
        Err(ProviderError::NotFound) => Ok(None),
        Err(error) => Err(error),
    }
}

/// Every page of a collection, following `@odata.nextLink`.
pub async fn all_pages(
    client: &GraphClient,
    first: String,
) -> Result<Vec<GraphEvent>, ProviderError> {
    let mut url = first;
    let mut items = Vec::new();
    for _ in 0..MAX_PAGES {
        let call = Call::new(Method::GET, url)
            .reading_events()
            .header("Prefer", format!("odata.maxpagesize={PAGE_SIZE}"));
        let page: Page<GraphEvent> = client.send(&call).await?.json()?;
        items.extend(page.value);
        match page.next_link {
            Some(next) => url = next,
            None => return Ok(items),
        }
    }
    Err(ProviderError::Transient("Graph kept paginating".into()))
}

/// The occurrences and exceptions of a series in `window` (cancelled ones are not listed).
pub async fn instances(
    client: &GraphClient,
    master_id: &str,
    window: Window,
) -> Result<Vec<GraphEvent>, ProviderError> {
    let url = format!(
        "me/events/{}/instances?{}",
        segment(master_id),
        query(&[
            ("startDateTime", &iso(window.0)),
            ("endDateTime", &iso(window.1)),
        ])
    );
    all_pages(client, url).await
}

/// The logical item behind `id`: an occurrence or exception id leads to its series master.
/// `None` when it no longer exists.
pub async fn read_item(
    client: &GraphClient,
    id: &str,
    window: Window,
) -> Result<Option<FetchedItem>, ProviderError> {
    let Some(mut master) = get_event(client, id).await? else {
        return Ok(None);
    };
    if matches!(master.kind(), "occurrence" | "exception") {
        let Some(series) = master.series_master_id.clone() else {
            return Err(ProviderError::Permanent(
                "Graph reported an occurrence without its series master".into(),
            ));
        };
        match get_event(client, &series).await? {
            Some(found) => master = found,
            None => return Ok(None),
        }
    }
    let listed = if master.kind() == "seriesMaster" {
        match instances(client, &master.id, window).await {
            Ok(listed) => listed,
            // Deleted between the two reads.
            Err(ProviderError::NotFound) => return Ok(None),
            Err(error) => return Err(error),
        }
    } else {
        Vec::new()
    };
    let (etag, body) = assemble(&master, &listed, window);
    Ok(Some(FetchedItem {
        remote_id: RemoteId(master.id.clone()),
        etag: Some(etag),
        body: Some(body),
    }))
}
