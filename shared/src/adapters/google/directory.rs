//! The account's calendars (`calendarList.list`).

use super::http::{Call, GoogleClient};
use super::wire::{CalendarListEntry, CalendarListPage};
use crate::domain::{Capabilities, RecurrenceSupport};
use crate::ports::{DiscoveredCalendar, ProviderError};

const MAX_PAGES: usize = 1_000;

/// What every Google calendar can do: sync tokens, push, and recurrence kept intact.
pub(super) fn capabilities() -> Capabilities {
    Capabilities {
        sync_collection: true,
        ctag: false,
        recurrence: RecurrenceSupport::Intact,
    }
}

pub(super) async fn calendars(
    client: &GoogleClient,
) -> Result<Vec<DiscoveredCalendar>, ProviderError> {
    let mut found = Vec::new();
    let mut page_token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut call = Call::get(&["users", "me", "calendarList"]).query("maxResults", "250");
        if let Some(token) = &page_token {
            call = call.query("pageToken", token.clone());
        }
        let page: CalendarListPage = client.send(&call).await?.json("calendarList.list")?;
        found.extend(
            page.items
                .into_iter()
                .filter(|c| !c.deleted)
                .map(discovered),
        );
        match page.next_page_token {
            Some(token) if !token.is_empty() => page_token = Some(token),
            _ => return Ok(found),
        }
    }
    Err(ProviderError::Transient(format!(
        "calendarList.list: still paging after {MAX_PAGES} pages"
    )))
}

fn discovered(entry: CalendarListEntry) -> DiscoveredCalendar {
    let role = entry.access_role.as_deref().unwrap_or("reader");
    // A user's own calendars have their address as id; shared ones have generated ids.
    let owner_emails = if role == "owner"
        && entry.id.contains('@')
        && !entry.id.ends_with("calendar.google.com")
    {
        vec![entry.id.to_ascii_lowercase()]
    } else {
        Vec::new()
    };
    DiscoveredCalendar {
        name: entry
            .summary_override
            .or(entry.summary)
            .unwrap_or_else(|| entry.id.clone()),
        url: entry.id,
        color: entry.background_color,
        owner_emails,
        read_only: matches!(role, "reader" | "freeBusyReader"),
        capabilities: capabilities(),
    }
}
