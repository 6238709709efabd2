//! Paging through `events.list`: follow `nextPageToken`; `nextSyncToken` comes only on the
//! last page (https://developers.google.com/calendar/api/guides/sync).

use super::http::{Call, GoogleClient};
use super::wire::EventPage;
use crate::adapters::read_retry::retry_read;
use crate::ports::ProviderError;

/// Google's own default; its maximum is 2500, but smaller pages keep each answer quick.
pub(super) const PAGE_SIZE: &str = "250";
/// A server that keeps handing out page tokens is broken: stop rather than loop for ever.
const MAX_PAGES: usize = 10_000;

pub(super) struct Listed {
    pub items: Vec<serde_json::Value>,
    pub next_sync_token: Option<String>,
}

/// Every page of `call`. A 410 means the sync token expired: [`ProviderError::Gone`].
pub(super) async fn all_pages(client: &GoogleClient, call: Call) -> Result<Listed, ProviderError> {
    let mut items = Vec::new();
    let mut page_token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut page_call = call.clone();
        if let Some(token) = &page_token {
            page_call = page_call.query("pageToken", token.clone());
        }
        let reply = retry_read(true, || async {
            let reply = client.send_raw(&page_call).await?;
            if reply.status == 410 {
                // fullSyncRequired (or an expired page token): only a full listing helps.
                return Err(ProviderError::Gone);
            }
            if !reply.is_success() {
                return Err(super::status::error_for("GET events", &reply));
            }
            Ok(reply)
        })
        .await?;
        let page: EventPage = reply.json("events.list")?;
        items.extend(page.items);
        match page.next_page_token {
            Some(token) if !token.is_empty() => page_token = Some(token),
            _ => {
                return Ok(Listed {
                    items,
                    next_sync_token: page.next_sync_token,
                });
            }
        }
    }
    Err(ProviderError::Transient(format!(
        "events.list: still paging after {MAX_PAGES} pages"
    )))
}
