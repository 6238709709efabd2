//! A fresh calendar per test, seen both through the adapter and through the testkit's raw
//! HTTP observer (which edits behind the adapter's back).

use calsync_core::adapters::caldav::{CaldavAccount, CaldavOptions};
use calsync_core::domain::{AccountId, CalendarId, CalendarInfo, CopyKey, OriginTag, SyncCursor};
use calsync_core::ports::{CalendarDirectory, ChangeBatch, ChangeFeed, ItemChange, Listing};
use calsync_testkit::{CaldavServer, ServerKind, TestCalendar, ics_event};
use chrono::{Duration, Utc};
use std::collections::{BTreeMap, BTreeSet};
use zeroize::Zeroizing;

pub fn account(server: &CaldavServer, url: &str, password: &str) -> CaldavAccount {
    CaldavAccount::new(
        url,
        &server.username,
        Zeroizing::new(password.to_string()),
        CaldavOptions::default(),
    )
    .unwrap()
}

/// An event on 5 January 2026, 09:00-10:00 UTC.
pub fn ics(uid: &str, summary: &str) -> String {
    ics_event(uid, summary, "20260105T090000Z", "20260105T100000Z")
}

pub struct AdapterCalendar {
    pub server: CaldavServer,
    pub account: CaldavAccount,
    /// The testkit's observer of the same collection.
    pub raw: TestCalendar,
    /// As discovery reported it, made into what the store would keep.
    pub info: CalendarInfo,
    pub display_name: String,
}

impl AdapterCalendar {
    /// Makes a calendar named `hint` and finds it through discovery from the server root.
    pub async fn new(kind: ServerKind, hint: &str) -> Self {
        let server = CaldavServer::get(kind);
        let raw = server.new_calendar(hint).await;
        let account = account(&server, &server.discovery_url(), &server.password);
        let found = account
            .calendars()
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.url == raw.url)
            .unwrap_or_else(|| panic!("{kind}: discovery did not find {}", raw.url));
        let info = CalendarInfo {
            id: CalendarId::derive("caldav", &found.url),
            account: AccountId::parse("test").unwrap(),
            name: found.name,
            url: found.url,
            color: found.color,
            owner_emails: found.owner_emails,
            read_only: found.read_only,
            capabilities: found.capabilities,
        };
        Self {
            server,
            account,
            raw,
            info,
            display_name: hint.to_string(),
        }
    }

    /// The remote id the adapter reports for a member (its decoded absolute path).
    pub fn remote_id(&self, decoded_name: &str) -> String {
        let path = reqwest::Url::parse(&self.info.url)
            .unwrap()
            .path()
            .to_string();
        format!("{path}{decoded_name}")
    }

    pub async fn stored_summary(&self, resource_name: &str) -> Option<String> {
        let (body, _) = self.raw.get(resource_name).await?;
        body.lines()
            .find_map(|line| line.strip_prefix("SUMMARY:"))
            .map(|summary| summary.trim_end().to_string())
    }
}

pub fn window() -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    (
        Utc::now() - Duration::days(365),
        Utc::now() + Duration::days(365),
    )
}

pub async fn changes(calendar: &AdapterCalendar, cursor: &SyncCursor) -> ChangeBatch {
    calendar
        .account
        .changes(&calendar.info, cursor, window())
        .await
        .unwrap()
}

pub fn items(listing: &Listing) -> &[ItemChange] {
    match listing {
        Listing::Delta(items) | Listing::Complete { items, .. } => items,
        Listing::Unchanged => &[],
    }
}

pub fn upserts(listing: &Listing) -> BTreeMap<String, Option<String>> {
    items(listing)
        .iter()
        .filter_map(|item| match item {
            ItemChange::Upserted {
                remote_id, etag, ..
            } => Some((remote_id.0.clone(), etag.as_ref().map(|e| e.0.clone()))),
            ItemChange::Removed { .. } => None,
        })
        .collect()
}

pub fn removals(listing: &Listing) -> BTreeSet<String> {
    items(listing)
        .iter()
        .filter_map(|item| match item {
            ItemChange::Removed { remote_id } => Some(remote_id.0.clone()),
            ItemChange::Upserted { .. } => None,
        })
        .collect()
}

pub fn copy_key(calendar: &AdapterCalendar) -> CopyKey {
    let tag = OriginTag::parse(&format!("t1:corigin:uid-{:x}", rand::random::<u64>())).unwrap();
    tag.copy_key(&calendar.info.id)
}
