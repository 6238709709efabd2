//! One emulator, one connected account and one calendar per test, plus event builders.

use calsync_core::adapters::endpoints::ProviderEndpoints;
use calsync_core::adapters::google::GoogleAccount;
use calsync_core::adapters::oauth::{OAuthApp, TokenSet};
use calsync_core::domain::{
    AccountId, CalendarId, CalendarInfo, Component, CopyKey, Event, EventTime, OriginTag, RemoteId,
};
use calsync_core::ports::{ChangeBatch, ChangeFeed, EventReader, ItemChange, Listing};
use calsync_emulators::google::GoogleEmulator;
use chrono::{Duration, NaiveDateTime, TimeZone, Utc};
use serde_json::{Value, json};
use std::time::Duration as StdDuration;

pub const CALENDAR: &str = "alice@example.org";

pub struct Google {
    pub emulator: GoogleEmulator,
    pub account: GoogleAccount,
    pub info: CalendarInfo,
}

impl Google {
    pub async fn new() -> Self {
        let emulator = GoogleEmulator::start_seeded(7).await;
        emulator.add_calendar(CALENDAR, "Alice");
        let account = account(&emulator);
        Self {
            emulator,
            account,
            info: info(CALENDAR),
        }
    }

    pub async fn changes(&self, cursor: &calsync_core::domain::SyncCursor) -> ChangeBatch {
        self.account
            .changes(&self.info, cursor, window())
            .await
            .unwrap()
    }

    /// Inserts as the user; returns the new event's id.
    pub fn user_inserts(&self, body: Value) -> String {
        let event = self.emulator.insert_event(CALENDAR, body).unwrap();
        event["id"].as_str().unwrap().to_string()
    }
}

/// An account connected with freshly issued tokens.
pub fn account(emulator: &GoogleEmulator) -> GoogleAccount {
    let issued = emulator.issue_tokens();
    let (api, oauth) = (emulator.api_url(), emulator.oauth_url());
    let endpoints = ProviderEndpoints::from_lookup(|name| match name {
        "CALSYNC_GOOGLE_API_URL" => Some(api.clone()),
        "CALSYNC_GOOGLE_OAUTH_URL" => Some(oauth.clone()),
        _ => None,
    });
    let app = OAuthApp {
        client_id: "calsync-test".into(),
        client_secret: None,
    };
    let tokens = TokenSet {
        access_token: issued.access_token,
        refresh_token: Some(issued.refresh_token),
        expires_at: Some(Utc::now() + Duration::hours(1)),
    };
    GoogleAccount::connect(&endpoints, app, tokens, None).unwrap()
}

pub fn info(calendar: &str) -> CalendarInfo {
    CalendarInfo {
        id: CalendarId::derive("google", calendar),
        account: AccountId::parse("test").unwrap(),
        name: calendar.into(),
        url: calendar.into(),
        color: None,
        owner_emails: vec![calendar.into()],
        read_only: false,
        capabilities: Default::default(),
    }
}

pub fn window() -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    let now = Utc::now();
    (now - Duration::days(365), now + Duration::days(365))
}

pub fn tag(n: u32) -> OriginTag {
    OriginTag::parse(&format!("t1:csource:uid-{n}@example.org")).unwrap()
}

/// The copy key of original `n` on the test calendar.
pub fn key(n: u32) -> CopyKey {
    tag(n).copy_key(&CalendarId::parse("ctarget").unwrap())
}

pub fn utc(s: &str) -> EventTime {
    EventTime::Utc {
        at: NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S").unwrap(),
    }
}

/// A single timed event in UTC.
pub fn timed(summary: &str, start: &str, end: &str) -> Event {
    Event {
        uid: "ignored@example.org".into(),
        master: Some(Component {
            summary: Some(summary.into()),
            start: Some(utc(start)),
            end: Some(utc(end)),
            ..Component::default()
        }),
        overrides: Default::default(),
        origin: None,
        owner_link: None,
        timezones: Vec::new(),
    }
}

/// A user's event body on 5 January 2026 plus `day` days, 09:00-10:00 UTC.
pub fn user_event(summary: &str, day: i64) -> Value {
    let start = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap() + Duration::days(day);
    let end = start + Duration::hours(1);
    json!({
        "summary": summary,
        "start": {"dateTime": start.to_rfc3339()},
        "end": {"dateTime": end.to_rfc3339()},
    })
}

pub fn upserted_ids(items: &[ItemChange]) -> Vec<String> {
    let mut ids: Vec<String> = items
        .iter()
        .filter_map(|i| match i {
            ItemChange::Upserted { remote_id, .. } => Some(remote_id.0.clone()),
            ItemChange::Removed { .. } => None,
        })
        .collect();
    ids.sort();
    ids
}

pub fn complete_items(listing: Listing) -> Vec<ItemChange> {
    match listing {
        Listing::Complete { items, windowed } => {
            assert!(!windowed, "Google listings are never windowed");
            items
        }
        other => panic!("expected a complete listing, got {other:?}"),
    }
}

pub fn delta_items(listing: Listing) -> Vec<ItemChange> {
    match listing {
        Listing::Delta(items) => items,
        other => panic!("expected a delta, got {other:?}"),
    }
}

/// Polls `condition` until it holds; fails after ten seconds.
pub async fn eventually(what: &str, condition: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(10);
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
}

/// One item read back through the adapter, as its event.
pub async fn read_back(google: &Google, id: &RemoteId) -> Event {
    let fetched = google
        .account
        .fetch(&google.info, std::slice::from_ref(id))
        .await
        .unwrap();
    fetched[0].body.clone().unwrap().unwrap()
}
