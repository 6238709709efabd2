//! Google Calendar API v3 provider adapter (https://developers.google.com/calendar/api).
//!
//! - [`http`] / [`status`]: bearer-token client (one refresh after a 401), what statuses mean;
//! - [`wire`]: the JSON resources; [`times`], [`recurrence`], [`read`], [`write_body`]: the
//!   mapping to and from the domain [`Event`];
//! - [`etag`]: one ETag per series (master + exception instances);
//! - [`directory`], [`changes`], [`items`], [`writes`], [`push`]: the provider port.
//!
//! One port item is one series: remote id = the master's Google id, like one CalDAV resource
//! per UID. Calendar ids (`CalendarInfo::url`) are Google's calendar ids.

mod changes;
mod directory;
mod etag;
mod http;
mod items;
mod listing;
mod push;
mod read;
mod recurrence;
mod restore;
mod status;
mod times;
mod wire;
mod write_body;
mod writes;

#[cfg(test)]
mod tests;

pub use read::{LINK_KEY as LINK_PROPERTY, ORIGIN_KEY as ORIGIN_PROPERTY};

use super::endpoints::ProviderEndpoints;
use super::oauth::{OAuthApp, TokenKeeper, TokenSet};
use crate::domain::{CalendarInfo, Capabilities, CopyKey, Etag, Event, RemoteId, SyncCursor};
use crate::ports::{
    CalendarDirectory, ChangeBatch, ChangeFeed, DiscoveredCalendar, EventReader, EventWriter,
    FetchedItem, ProviderError, PushChannel, PushEndpoints, PushSubscriptions, PushSupport,
    SecretSink, Subscription, WriteOutcome,
};
use crate::usecases::Credentials;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use http::GoogleClient;
use std::sync::Arc;

/// One connected Google account.
pub struct GoogleAccount {
    client: GoogleClient,
}

impl std::fmt::Debug for GoogleAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoogleAccount").finish_non_exhaustive()
    }
}

impl GoogleAccount {
    /// `api_base`: `https://www.googleapis.com/calendar/v3` or an emulator's equivalent.
    pub fn new(api_base: &str, keeper: Arc<TokenKeeper>) -> Result<Self, ProviderError> {
        Ok(Self {
            client: GoogleClient::new(api_base, keeper)?,
        })
    }

    /// An account from its stored token set; refreshed tokens go to `sink` to be stored.
    pub fn connect(
        endpoints: &ProviderEndpoints,
        app: OAuthApp,
        tokens: TokenSet,
        sink: Option<Arc<dyn SecretSink>>,
    ) -> Result<Self, ProviderError> {
        let keeper = TokenKeeper::new(
            reqwest::Client::new(),
            endpoints.google_oauth.clone(),
            app,
            tokens,
            sink,
        );
        Self::new(&endpoints.google_api, Arc::new(keeper))
    }

    /// What the connector does for a Google account: the sealed secret is its token set.
    pub fn from_credentials(
        credentials: &Credentials,
        endpoints: &ProviderEndpoints,
        app: Option<&OAuthApp>,
    ) -> Result<Self, ProviderError> {
        let app = app.cloned().ok_or_else(|| {
            ProviderError::Permanent(
                "no Google OAuth application is configured (CALSYNC_GOOGLE_CLIENT_ID)".into(),
            )
        })?;
        let tokens = TokenSet::from_secret(&credentials.secret).map_err(|_| {
            ProviderError::Permanent(
                "the stored Google token set is unreadable; reconnect the account".into(),
            )
        })?;
        Self::connect(endpoints, app, tokens, credentials.renewed.clone())
    }
}

impl PushSupport for GoogleAccount {
    fn push(&self) -> Option<&dyn PushSubscriptions> {
        Some(self)
    }
}

#[async_trait]
impl CalendarDirectory for GoogleAccount {
    async fn calendars(&self) -> Result<Vec<DiscoveredCalendar>, ProviderError> {
        directory::calendars(&self.client).await
    }

    /// Nothing to probe: every Google calendar has sync tokens, push and intact recurrence.
    async fn probe(&self, _calendar: &CalendarInfo) -> Result<Capabilities, ProviderError> {
        Ok(directory::capabilities())
    }
}

#[async_trait]
impl ChangeFeed for GoogleAccount {
    /// Listings are never windowed: `window` is ignored (sync tokens cannot be combined with
    /// timeMin/timeMax).
    async fn changes(
        &self,
        calendar: &CalendarInfo,
        cursor: &SyncCursor,
        _window: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<ChangeBatch, ProviderError> {
        changes::changes(&self.client, &calendar.url, cursor).await
    }
}

#[async_trait]
impl EventReader for GoogleAccount {
    async fn fetch(
        &self,
        calendar: &CalendarInfo,
        ids: &[RemoteId],
    ) -> Result<Vec<FetchedItem>, ProviderError> {
        items::fetch(&self.client, &calendar.url, ids).await
    }
}

#[async_trait]
impl EventWriter for GoogleAccount {
    async fn create(
        &self,
        calendar: &CalendarInfo,
        key: &CopyKey,
        event: &Event,
    ) -> Result<WriteOutcome, ProviderError> {
        writes::create(&self.client, &calendar.url, key, event).await
    }

    async fn update(
        &self,
        calendar: &CalendarInfo,
        id: &RemoteId,
        etag: Option<&Etag>,
        event: &Event,
    ) -> Result<WriteOutcome, ProviderError> {
        writes::update(&self.client, &calendar.url, id, etag, event).await
    }

    async fn delete(
        &self,
        calendar: &CalendarInfo,
        id: &RemoteId,
        etag: Option<&Etag>,
    ) -> Result<(), ProviderError> {
        writes::delete(&self.client, &calendar.url, id, etag).await
    }
}

#[async_trait]
impl PushSubscriptions for GoogleAccount {
    async fn subscribe(
        &self,
        calendar: &CalendarInfo,
        endpoints: &PushEndpoints,
        channel_id: &str,
        secret: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<Subscription, ProviderError> {
        push::watch(
            &self.client,
            &calendar.url,
            endpoints,
            channel_id,
            secret,
            expires_at,
        )
        .await
    }

    /// Google channels cannot be extended: the caller opens a new one and stops this one.
    async fn renew(
        &self,
        _channel: &PushChannel,
        _expires_at: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, ProviderError> {
        Ok(None)
    }

    async fn unsubscribe(&self, channel: &PushChannel) -> Result<(), ProviderError> {
        push::stop(&self.client, channel).await
    }
}
