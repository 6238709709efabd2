//! One emulator, one calendar and one connected account per test.

use calsync_core::adapters::endpoints::ProviderEndpoints;
use calsync_core::adapters::graph::GraphAccount;
use calsync_core::adapters::oauth::{OAuthApp, TokenSet};
use calsync_core::domain::{
    AccountId, CalendarId, CalendarInfo, Capabilities, Etag, Event, RemoteId, SyncCursor,
};
use calsync_core::ports::{ChangeBatch, ChangeFeed, EventReader, ItemChange, Listing};
use calsync_emulators::graph::GraphEmulator;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};
use std::time::Duration;

pub struct Setup {
    pub graph: GraphEmulator,
    pub account: GraphAccount,
    pub calendar: CalendarInfo,
}

impl Setup {
    pub async fn new() -> Self {
        let graph = GraphEmulator::start(7).await;
        let calendar_id = graph.add_calendar("Calendar", true);
        let account = account(&graph);
        let calendar = CalendarInfo {
            id: CalendarId::parse("cgraph").unwrap(),
            account: AccountId::parse("a1").unwrap(),
            name: "Calendar".into(),
            url: calendar_id,
            color: None,
            owner_emails: Vec::new(),
            read_only: false,
            capabilities: Capabilities::default(),
        };
        Self {
            graph,
            account,
            calendar,
        }
    }

    pub fn user_creates(&self, event: Value) -> String {
        self.graph
            .user_create_event(&self.calendar.url, event)
            .unwrap()
    }

    /// One item read back through the adapter: its ETag and its event.
    pub async fn read_back(&self, id: &RemoteId) -> (Option<Etag>, Event) {
        let fetched = self
            .account
            .fetch(&self.calendar, std::slice::from_ref(id))
            .await
            .unwrap();
        let item = fetched.into_iter().next().unwrap();
        (item.etag, item.body.unwrap().unwrap())
    }

    pub async fn changes(&self, cursor: &SyncCursor) -> ChangeBatch {
        self.account
            .changes(&self.calendar, cursor, window())
            .await
            .unwrap()
    }
}

/// An account connected with freshly issued tokens.
pub fn account(graph: &GraphEmulator) -> GraphAccount {
    let (access_token, refresh_token) = graph.issue_tokens();
    let endpoints = ProviderEndpoints::from_lookup(|name| match name {
        "CALSYNC_GRAPH_API_URL" => Some(graph.api_url()),
        "CALSYNC_MS_LOGIN_URL" => Some(graph.login_url()),
        _ => None,
    });
    GraphAccount::new(
        &endpoints.graph_api,
        endpoints.microsoft_oauth,
        OAuthApp {
            client_id: "calsync-tests".into(),
            client_secret: None,
        },
        TokenSet {
            access_token,
            refresh_token: Some(refresh_token),
            expires_at: None,
        },
        None,
    )
    .unwrap()
}

/// The sync window of every test: the first half of 2026.
pub fn window() -> (DateTime<Utc>, DateTime<Utc>) {
    (
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap(),
    )
}

/// A one-hour event on 2026-01-`day` at 09:00 in `zone` (Windows or IANA name).
pub fn graph_event(subject: &str, day: u32, zone: &str) -> Value {
    json!({
        "subject": subject,
        "start": {"dateTime": format!("2026-01-{day:02}T09:00:00"), "timeZone": zone},
        "end": {"dateTime": format!("2026-01-{day:02}T10:00:00"), "timeZone": zone},
    })
}

/// The upserted items of a listing, by remote id, with their bodies.
pub fn upserted(listing: &Listing) -> Vec<(String, Event)> {
    let items = match listing {
        Listing::Delta(items) | Listing::Complete { items, .. } => items,
        Listing::Unchanged => return Vec::new(),
    };
    items
        .iter()
        .filter_map(|item| match item {
            ItemChange::Upserted {
                remote_id,
                body: Some(Ok(event)),
                ..
            } => Some((remote_id.0.clone(), event.clone())),
            _ => None,
        })
        .collect()
}

/// Polls `condition` every 20 ms until it holds, failing after 5 s.
pub async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
