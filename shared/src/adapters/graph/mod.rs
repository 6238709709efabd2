//! Microsoft Graph v1.0 calendar adapter (Outlook / Microsoft 365).
//!
//! - [`http`]: bearer tokens (refresh once after a 401), statuses → [`ProviderError`];
//! - [`wire`]: the JSON calsync reads and writes; [`zones`]: Windows ⇄ IANA zone names;
//! - [`mapping`] / [`recurrence`] / [`series`]: Graph events ⇄ the model, one item per
//!   series (master + exceptions + cancelled occurrences);
//! - [`reads`], [`changes`] (event delta), [`writes`], [`push`] (subscriptions): the ports.

mod changes;
mod http;
mod mapping;
mod push;
mod reads;
mod recurrence;
mod series;
mod wire;
mod writes;
mod zones;

#[cfg(test)]
mod tests;

use crate::adapters::oauth::{OAuthApp, OAuthEndpoints, TokenKeeper, TokenSet};
use crate::domain::{
    CalendarInfo, Capabilities, CopyKey, Etag, Event, RecurrenceSupport, RemoteId, SyncCursor,
};
use crate::ports::{
    CalendarDirectory, ChangeBatch, ChangeFeed, DiscoveredCalendar, EventReader, EventWriter,
    FetchedItem, ProviderError, PushChannel, PushEndpoints, PushSubscriptions, PushSupport,
    SecretSink, Subscription, WriteOutcome,
};
use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use http::{Call, GraphClient};
use reqwest::Method;
use series::Window;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wire::{GraphCalendar, Page};

/// One Microsoft account, reached through Graph with a delegated token.
pub struct GraphAccount {
    client: GraphClient,
    /// The sync window of the last change check: instances of a series are read over it
    /// (`/instances` needs a range; `fetch` is not given one).
    window: Mutex<Option<Window>>,
}

impl std::fmt::Debug for GraphAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphAccount").finish_non_exhaustive()
    }
}

impl GraphAccount {
    /// `api_base`: `https://graph.microsoft.com/v1.0` or an emulator. Refreshed tokens go to
    /// `sink` to be sealed and stored.
    pub fn new(
        api_base: &str,
        oauth: OAuthEndpoints,
        app: OAuthApp,
        tokens: TokenSet,
        sink: Option<Arc<dyn SecretSink>>,
    ) -> Result<Self, ProviderError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("calsync/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            // Graph answers directly; following a redirect could carry the token elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ProviderError::Permanent(format!("cannot build the HTTP client: {e}")))?;
        let keeper = TokenKeeper::new(http.clone(), oauth, app, tokens, sink);
        Ok(Self {
            client: GraphClient::new(api_base, keeper, http),
            window: Mutex::new(None),
        })
    }

    /// The last change check's window, or one year back and two ahead.
    fn window(&self) -> Window {
        let remembered = self.window.lock().ok().and_then(|w| *w);
        remembered.unwrap_or_else(|| {
            let now = Utc::now();
            (now - TimeDelta::days(365), now + TimeDelta::days(730))
        })
    }
}

fn capabilities() -> Capabilities {
    Capabilities {
        sync_collection: false,
        ctag: false,
        // Graph keeps what the adapter writes; rules it cannot express are refused per event.
        recurrence: RecurrenceSupport::Intact,
    }
}

impl PushSupport for GraphAccount {
    fn push(&self) -> Option<&dyn PushSubscriptions> {
        Some(self)
    }
}

#[async_trait]
impl CalendarDirectory for GraphAccount {
    async fn calendars(&self) -> Result<Vec<DiscoveredCalendar>, ProviderError> {
        let mut url = "me/calendars".to_string();
        let mut found = Vec::new();
        for _ in 0..reads::MAX_PAGES {
            let page: Page<GraphCalendar> = self
                .client
                .send(&Call::new(Method::GET, url))
                .await?
                .json()?;
            found.extend(page.value.into_iter().map(|calendar| {
                DiscoveredCalendar {
                    url: calendar.id,
                    name: calendar.name,
                    color: calendar.hex_color.filter(|c| !c.is_empty()),
                    owner_emails: calendar
                        .owner
                        .and_then(|o| o.address)
                        .map(|a| vec![a.to_lowercase()])
                        .unwrap_or_default(),
                    read_only: !calendar.can_edit,
                    capabilities: capabilities(),
                }
            }));
            match page.next_link {
                Some(next) => url = next,
                None => return Ok(found),
            }
        }
        Err(ProviderError::Transient(
            "Graph kept paginating calendars".into(),
        ))
    }

    async fn probe(&self, _calendar: &CalendarInfo) -> Result<Capabilities, ProviderError> {
        Ok(capabilities())
    }
}

#[async_trait]
impl ChangeFeed for GraphAccount {
    async fn changes(
        &self,
        calendar: &CalendarInfo,
        cursor: &SyncCursor,
        window: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<ChangeBatch, ProviderError> {
        if let Ok(mut remembered) = self.window.lock() {
            *remembered = Some(window);
        }
        changes::changes(&self.client, &calendar.url, cursor, window).await
    }
}

#[async_trait]
impl EventReader for GraphAccount {
    async fn fetch(
        &self,
        _calendar: &CalendarInfo,
        ids: &[RemoteId],
    ) -> Result<Vec<FetchedItem>, ProviderError> {
        let window = self.window();
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            let item = reads::read_item(&self.client, &id.0, window).await?;
            items.push(item.unwrap_or_else(|| FetchedItem {
                remote_id: id.clone(),
                etag: None,
                body: None,
            }));
        }
        Ok(items)
    }
}

#[async_trait]
impl EventWriter for GraphAccount {
    async fn create(
        &self,
        calendar: &CalendarInfo,
        key: &CopyKey,
        event: &Event,
    ) -> Result<WriteOutcome, ProviderError> {
        writes::create(&self.client, &calendar.url, key, event, self.window()).await
    }

    async fn update(
        &self,
        _calendar: &CalendarInfo,
        id: &RemoteId,
        etag: Option<&Etag>,
        event: &Event,
    ) -> Result<WriteOutcome, ProviderError> {
        writes::update(&self.client, id, etag, event, self.window()).await
    }

    async fn delete(
        &self,
        _calendar: &CalendarInfo,
        id: &RemoteId,
        etag: Option<&Etag>,
    ) -> Result<(), ProviderError> {
        writes::delete(&self.client, id, etag).await
    }
}

#[async_trait]
impl PushSubscriptions for GraphAccount {
    async fn subscribe(
        &self,
        calendar: &CalendarInfo,
        endpoints: &PushEndpoints,
        _channel_id: &str,
        secret: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<Subscription, ProviderError> {
        push::subscribe(&self.client, calendar, endpoints, secret, expires_at).await
    }

    async fn renew(
        &self,
        channel: &PushChannel,
        expires_at: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, ProviderError> {
        push::renew(&self.client, channel, expires_at).await
    }

    async fn unsubscribe(&self, channel: &PushChannel) -> Result<(), ProviderError> {
        push::unsubscribe(&self.client, channel).await
    }
}
