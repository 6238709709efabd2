//! CalDAV (RFC 4791) provider adapter, tolerant of the quirks of Radicale 3, Xandikos 0.4,
//! sabre/dav 1.8 and DAViCal 1.1 (see each module for the quirk it handles).
//!
//! - [`http`] / [`http_message`]: client, Basic auth, manual redirects, bounded bodies,
//!   requests, replies and what their statuses mean;
//! - [`xml`] / [`multistatus`] / [`request_body`]: safe XML in and out;
//! - [`href`]: one normal form for hrefs (decoded paths) and one encoding for URLs;
//! - [`discovery`], [`probe`], [`changes`], [`items`], [`writes`]: the provider port;
//! - [`fuzzing`]: reply bodies through every reader, for the fuzz targets in `fuzz/`.

#[cfg(test)]
macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/adapters/caldav/fixtures/",
            $name
        ))
    };
}

mod changes;
mod discovery;
#[doc(hidden)]
pub mod fuzzing;
mod href;
mod http;
mod http_message;
mod items;
mod multistatus;
mod probe;
mod request_body;
mod writes;
mod xml;

#[cfg(test)]
mod http_tests;

pub use http::{AllowAllUrls, CaldavOptions, DnsResolver, UrlPolicy};

use crate::domain::{CalendarInfo, Capabilities, CopyKey, Etag, Event, RemoteId, SyncCursor};
use crate::ports::{
    CalendarDirectory, ChangeBatch, ChangeFeed, DiscoveredCalendar, EventReader, EventWriter,
    FetchedItem, ProviderError, PushSubscriptions, PushSupport, WriteOutcome,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use http::DavClient;
use url::Url;
use zeroize::Zeroizing;

/// One CalDAV account: the address discovery starts from and the credentials for it.
#[derive(Debug)]
pub struct CaldavAccount {
    client: DavClient,
    discovery_url: Url,
}

impl CaldavAccount {
    /// `discovery_url` may be a bare host (`https://dav.example.org`), a principal or home
    /// URL, or a calendar collection. Credentials embedded in it are refused: they belong in
    /// `username` / `password`, which are never logged.
    pub fn new(
        discovery_url: &str,
        username: &str,
        password: Zeroizing<String>,
        options: CaldavOptions,
    ) -> Result<Self, ProviderError> {
        let discovery_url = Url::parse(discovery_url.trim()).map_err(|_| {
            ProviderError::Permanent("the CalDAV address is not a valid URL".into())
        })?;
        if !discovery_url.username().is_empty() || discovery_url.password().is_some() {
            return Err(ProviderError::Permanent(
                "the CalDAV address must not contain credentials".into(),
            ));
        }
        let client = DavClient::new(username, password, options)?;
        client.approve(&discovery_url)?;
        Ok(Self {
            client,
            discovery_url,
        })
    }

    /// Creates `<key>.ics` from iCalendar text the caller already holds, only if it does
    /// not exist yet (`PreconditionFailed` when it does).
    pub async fn create_ics(
        &self,
        calendar: &CalendarInfo,
        key: &CopyKey,
        ics: String,
    ) -> Result<WriteOutcome, ProviderError> {
        let url = href::calendar_url(&calendar.url)?;
        writes::create(&self.client, &url, key, ics).await
    }

    /// Replaces an item with iCalendar text if it is still at `etag`.
    pub async fn update_ics(
        &self,
        calendar: &CalendarInfo,
        id: &RemoteId,
        etag: Option<&Etag>,
        ics: String,
    ) -> Result<WriteOutcome, ProviderError> {
        let url = href::calendar_url(&calendar.url)?;
        writes::update(&self.client, &url, id, etag, ics).await
    }
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

/// CalDAV has no standard push: its calendars are polled (CTag / sync-token checks).
impl PushSupport for CaldavAccount {
    fn push(&self) -> Option<&dyn PushSubscriptions> {
        None
    }
}

#[async_trait]
impl CalendarDirectory for CaldavAccount {
    async fn calendars(&self) -> Result<Vec<DiscoveredCalendar>, ProviderError> {
        discovery::discover(&self.client, &self.discovery_url).await
    }

    async fn probe(&self, calendar: &CalendarInfo) -> Result<Capabilities, ProviderError> {
        let url = href::calendar_url(&calendar.url)?;
        probe::probe(&self.client, &url, calendar.read_only).await
    }
}

#[async_trait]
impl ChangeFeed for CaldavAccount {
    /// CalDAV listings are never windowed: `window` is ignored.
    async fn changes(
        &self,
        calendar: &CalendarInfo,
        cursor: &SyncCursor,
        _window: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<ChangeBatch, ProviderError> {
        let url = href::calendar_url(&calendar.url)?;
        changes::changes(
            &self.client,
            &url,
            calendar.capabilities.sync_collection,
            cursor,
        )
        .await
    }
}

#[async_trait]
impl EventReader for CaldavAccount {
    async fn fetch(
        &self,
        calendar: &CalendarInfo,
        ids: &[RemoteId],
    ) -> Result<Vec<FetchedItem>, ProviderError> {
        let url = href::calendar_url(&calendar.url)?;
        items::fetch(&self.client, &url, ids).await
    }
}

#[async_trait]
impl EventWriter for CaldavAccount {
    async fn create(
        &self,
        calendar: &CalendarInfo,
        key: &CopyKey,
        event: &Event,
    ) -> Result<WriteOutcome, ProviderError> {
        self.create_ics(calendar, key, crate::ical::emit_event(event, now()))
            .await
    }

    async fn update(
        &self,
        calendar: &CalendarInfo,
        id: &RemoteId,
        etag: Option<&Etag>,
        event: &Event,
    ) -> Result<WriteOutcome, ProviderError> {
        self.update_ics(calendar, id, etag, crate::ical::emit_event(event, now()))
            .await
    }

    async fn delete(
        &self,
        calendar: &CalendarInfo,
        id: &RemoteId,
        etag: Option<&Etag>,
    ) -> Result<(), ProviderError> {
        let url = href::calendar_url(&calendar.url)?;
        writes::delete(&self.client, &url, id, etag).await
    }
}
