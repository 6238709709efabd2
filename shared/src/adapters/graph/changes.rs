//! Change detection with event delta (https://learn.microsoft.com/graph/api/event-delta):
//! `calendarView/delta` over the sync window, pages followed through `@odata.nextLink`, the
//! final `@odata.deltaLink` kept as the cursor. An expired link (410, `syncStateNotFound`,
//! `resyncRequired`) is [`ProviderError::Gone`]: the caller lists everything again.
//!
//! calendarView delta reports occurrences and exceptions, never series masters: each is
//! mapped to its master and the whole series is read again (master + instances). Deletions
//! come as bare ids; one that no longer resolves (a deleted event, series or occurrence)
//! makes the round a complete listing of the window: costlier, never wrong.

use super::http::{Call, GraphClient};
use super::reads::{MAX_PAGES, PAGE_SIZE, get_event, iso, query, read_item, segment};
use super::series::Window;
use super::wire::{GraphEvent, Page};
use crate::domain::{DetectionMethod, RemoteId, SyncCursor};
use crate::ports::{ChangeBatch, FetchedItem, ItemChange, Listing, ProviderError};
use futures::{StreamExt, TryStreamExt};
use reqwest::Method;
use std::collections::BTreeSet;

/// Graph allows 4 concurrent requests per app and mailbox (throttling limits).
const CONCURRENT_READS: usize = 4;

struct Round {
    items: Vec<GraphEvent>,
    delta_link: Option<String>,
}

async fn delta_round(client: &GraphClient, first: String) -> Result<Round, ProviderError> {
    let mut url = first;
    let mut items = Vec::new();
    for _ in 0..MAX_PAGES {
        let call = Call::new(Method::GET, url).header(
            "Prefer",
            format!("odata.maxpagesize={PAGE_SIZE}, outlook.timezone=\"UTC\""),
        );
        let page: Page<GraphEvent> = client.send(&call).await?.json()?;
        items.extend(page.value);
        match (page.next_link, page.delta_link) {
            (Some(next), _) => url = next,
            (None, delta_link) => return Ok(Round { items, delta_link }),
        }
    }
    Err(ProviderError::Transient(
        "Graph kept paginating the delta".into(),
    ))
}

async fn read_all(
    client: &GraphClient,
    ids: BTreeSet<String>,
    window: Window,
) -> Result<Vec<(String, Option<FetchedItem>)>, ProviderError> {
    futures::stream::iter(ids)
        .map(|id| async move { read_item(client, &id, window).await.map(|item| (id, item)) })
        .buffer_unordered(CONCURRENT_READS)
        .try_collect()
        .await
}

pub(super) async fn changes(
    client: &GraphClient,
    calendar_id: &str,
    cursor: &SyncCursor,
    window: Window,
) -> Result<ChangeBatch, ProviderError> {
    match listing(client, calendar_id, cursor.token.clone(), window).await? {
        Some(batch) => Ok(batch),
        // A deleted occurrence or series leaves only instance ids, which name no item of
        // ours: list the window again, so that what is gone is seen as gone.
        None => listing(client, calendar_id, None, window)
            .await?
            .ok_or_else(|| ProviderError::Transient("Graph delta did not settle".into())),
    }
}

/// One delta round; `None` when it reported deletions that cannot be traced to an item.
async fn listing(
    client: &GraphClient,
    calendar_id: &str,
    token: Option<String>,
    window: Window,
) -> Result<Option<ChangeBatch>, ProviderError> {
    let initial = token.is_none();
    let first = token.unwrap_or_else(|| {
        format!(
            "me/calendars/{}/calendarView/delta?{}",
            segment(calendar_id),
            query(&[
                ("startDateTime", &iso(window.0)),
                ("endDateTime", &iso(window.1)),
            ])
        )
    });
    let round = delta_round(client, first).await?;
    let mut touched = BTreeSet::new();
    let mut removed = BTreeSet::new();
    for item in round.items {
        if item.removed.is_some() {
            removed.insert(item.id);
        } else if let Some(master) = item.series_master_id.filter(|_| item.kind.is_some()) {
            touched.insert(master);
        } else {
            touched.insert(item.id);
        }
    }
    let mut changes = Vec::new();
    for id in removed.difference(&touched).cloned().collect::<Vec<_>>() {
        // Deleted, or only left the window: an event still there is read like a change.
        match get_event(client, &id).await? {
            Some(event) if event.kind() == "singleInstance" || event.kind() == "seriesMaster" => {
                touched.insert(event.id);
            }
            Some(event) => {
                touched.extend(event.series_master_id);
            }
            // A first round lists what exists; nothing to remove.
            None if initial => {}
            // Graph ids do not tell a deleted single instance (an item of ours) from a
            // deleted occurrence or series (only instance ids are reported): list again.
            None => return Ok(None),
        }
    }
    for (id, item) in read_all(client, touched, window).await? {
        changes.push(match item {
            Some(item) => ItemChange::Upserted {
                remote_id: item.remote_id,
                etag: item.etag,
                body: item.body,
            },
            None => ItemChange::Removed {
                remote_id: RemoteId(id),
            },
        });
    }
    let listing = if initial {
        changes.retain(|c| matches!(c, ItemChange::Upserted { .. }));
        Listing::Complete {
            items: changes,
            windowed: true,
        }
    } else {
        Listing::Delta(changes)
    };
    Ok(Some(ChangeBatch {
        cursor: SyncCursor {
            token: round.delta_link,
            ctag: None,
            modified_gate: None,
        },
        method: DetectionMethod::Delta,
        listing,
    }))
}
