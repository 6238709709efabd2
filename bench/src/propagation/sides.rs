//! The two ends of a direction: where the benchmark makes a change, as the provider's own UI
//! (or another CalDAV client) would, and where it looks for the change to show up.

use anyhow::{Context, anyhow};
use calsync_emulators::google::GoogleEmulator;
use calsync_emulators::graph::GraphEmulator;
use calsync_testkit::{TestCalendar, ics_event};
use chrono::{DateTime, Days, NaiveTime, Utc};
use serde_json::json;
use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

/// An event the benchmark created on a source: enough to edit it later.
#[derive(Debug, Clone)]
pub struct Handle {
    /// The provider's event id (Google, Graph) or the UID and resource name (CalDAV).
    id: String,
    start: DateTime<Utc>,
}

pub enum Source<'w> {
    Google(&'w GoogleEmulator, &'w str),
    Graph(&'w GraphEmulator, &'w str),
    Dav(&'w TestCalendar),
}

impl Source<'_> {
    /// Creates a one-hour event titled `title`, on one of the next 150 days (by `n`).
    pub async fn create(&self, title: &str, n: usize) -> anyhow::Result<Handle> {
        let start = slot(n);
        let end = start + chrono::TimeDelta::hours(1);
        let id = match self {
            Source::Google(google, calendar) => {
                let inserted = google
                    .insert_event(
                        calendar,
                        json!({"summary": title, "start": {"dateTime": rfc3339(start)},
                               "end": {"dateTime": rfc3339(end)}}),
                    )
                    .map_err(|e| anyhow!("google insert: {e:?}"))?;
                inserted["id"].as_str().context("an id")?.to_string()
            }
            Source::Graph(graph, calendar) => graph
                .user_create_event(calendar, graph_event(title, start, end))
                .map_err(|e| anyhow!("graph create: {e}"))?,
            Source::Dav(calendar) => {
                let uid = format!("propagation-{n}-{:x}", start.timestamp());
                calendar
                    .try_put(&format!("{uid}.ics"), &dav_event(&uid, title, start, end))
                    .await
                    .map_err(|e| anyhow!(e))?;
                uid
            }
        };
        Ok(Handle { id, start })
    }

    /// Gives the event behind `handle` the title `title` (nothing else changes).
    pub async fn rename(&self, handle: &Handle, title: &str) -> anyhow::Result<()> {
        match self {
            Source::Google(google, calendar) => google
                .patch_event(calendar, &handle.id, json!({ "summary": title }))
                .map(drop)
                .map_err(|e| anyhow!("google patch: {e:?}")),
            Source::Graph(graph, _) => graph
                .user_update_event(&handle.id, json!({ "subject": title }))
                .map_err(|e| anyhow!("graph update: {e}")),
            Source::Dav(calendar) => {
                let end = handle.start + chrono::TimeDelta::hours(1);
                let ics = dav_event(&handle.id, title, handle.start, end);
                calendar
                    .try_put(&format!("{}.ics", handle.id), &ics)
                    .await
                    .map(drop)
                    .map_err(|e| anyhow!(e))
            }
        }
    }
}

fn slot(n: usize) -> DateTime<Utc> {
    let day = Utc::now().date_naive() + Days::new(1 + (n % 150) as u64);
    day.and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default())
        .and_utc()
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn graph_event(title: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> serde_json::Value {
    let local = |at: DateTime<Utc>| at.format("%Y-%m-%dT%H:%M:%S").to_string();
    json!({"subject": title,
           "start": {"dateTime": local(start), "timeZone": "UTC"},
           "end": {"dateTime": local(end), "timeZone": "UTC"}})
}

fn dav_event(uid: &str, title: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    let ical = |at: DateTime<Utc>| at.format("%Y%m%dT%H%M%SZ").to_string();
    ics_event(uid, title, &ical(start), &ical(end))
}

/// The titles a destination showed, and when.
pub struct Sighting {
    pub at: Instant,
    pub titles: HashSet<String>,
}

pub enum Destination<'w> {
    /// Read from the emulator's state in this process: no HTTP, no load on anything.
    Google(&'w GoogleEmulator, &'w str),
    Dav(DavWatch),
}

impl Destination<'_> {
    /// One look; `None` when a CalDAV collection is provably unchanged since the last look.
    pub async fn look(&mut self) -> anyhow::Result<Option<Sighting>> {
        match self {
            Destination::Google(google, calendar) => Ok(Some(Sighting {
                titles: google.live_summaries(calendar).into_iter().collect(),
                at: Instant::now(),
            })),
            Destination::Dav(watch) => watch.look().await,
        }
    }

    /// What the looks cost the server (CalDAV only): requests and their mean time.
    pub fn observer_load(&self) -> Option<(u64, Duration)> {
        match self {
            Destination::Google(..) => None,
            Destination::Dav(watch) => Some((watch.ctag_requests, watch.ctag_time)),
        }
    }
}

/// Watches a CalDAV collection cheaply: one Depth:0 PROPFIND of the CTag per look over a
/// kept-alive connection; only when its answer differs is the collection listed (getetag)
/// and each new or changed member fetched to read its title.
pub struct DavWatch {
    calendar: TestCalendar,
    client: reqwest::Client,
    last_answer: Option<String>,
    /// href -> (ETag, title)
    members: BTreeMap<String, (String, String)>,
    pub ctag_requests: u64,
    pub ctag_time: Duration,
}

const CTAG_PROPFIND: &str = r#"<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop><cs:getctag/></d:prop></d:propfind>"#;

impl DavWatch {
    pub fn new(calendar: TestCalendar) -> anyhow::Result<Self> {
        Ok(Self {
            calendar,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()?,
            last_answer: None,
            members: BTreeMap::new(),
            ctag_requests: 0,
            ctag_time: Duration::ZERO,
        })
    }

    async fn look(&mut self) -> anyhow::Result<Option<Sighting>> {
        let asked = Instant::now();
        let server = &self.calendar.server;
        let response = self
            .client
            .request(
                reqwest::Method::from_bytes(b"PROPFIND")?,
                &self.calendar.url,
            )
            .basic_auth(&server.username, Some(&server.password))
            .header("Depth", "0")
            .header("Content-Type", "application/xml; charset=utf-8")
            .body(CTAG_PROPFIND)
            .send()
            .await
            .context("CTag PROPFIND")?;
        let answer = response.text().await?;
        let at = Instant::now();
        self.ctag_requests += 1;
        self.ctag_time += at - asked;
        if self.last_answer.as_deref() == Some(answer.as_str()) {
            return Ok(None);
        }
        self.last_answer = Some(answer);
        let listed = self.calendar.list().await;
        self.members
            .retain(|href, _| listed.iter().any(|(listed, _)| listed == href));
        for (href, etag) in listed {
            if self
                .members
                .get(&href)
                .is_some_and(|(known, _)| *known == etag)
            {
                continue;
            }
            if let Some((text, etag)) = self.calendar.get(&href).await {
                self.members.insert(href, (etag, summary(&text)));
            }
        }
        Ok(Some(Sighting {
            at,
            titles: self.members.values().map(|(_, t)| t.clone()).collect(),
        }))
    }
}

/// The SUMMARY of the first component (the benchmark's titles need no unescaping or
/// unfolding: short, plain ASCII).
fn summary(ics: &str) -> String {
    ics.lines()
        .find(|line| line.starts_with("SUMMARY"))
        .and_then(|line| line.split_once(':'))
        .map(|(_, value)| value.trim_end().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_is_read_with_or_without_parameters() {
        let ics = "BEGIN:VEVENT\r\nSUMMARY;LANGUAGE=en:g2d 0ms 7\r\nEND:VEVENT\r\n";
        assert_eq!(summary(ics), "g2d 0ms 7");
        assert_eq!(summary(&dav_event("u", "plain", slot(1), slot(2))), "plain");
        assert_eq!(summary("BEGIN:VEVENT\r\nEND:VEVENT\r\n"), "");
    }
}
