//! Plain concurrent PUTs: how the benchmark seeds calendars and measures the server's own raw
//! write time (the physical limit of an initial sync).

use anyhow::Context;
use calsync_testkit::{CaldavServer, TestCalendar};
use futures::StreamExt;
use std::time::Duration;

/// Stores every `(resource name, iCalendar)` in `calendar`, `concurrency` at a time.
pub async fn put_all(calendar: &TestCalendar, items: Vec<(String, String)>, concurrency: usize) {
    futures::stream::iter(items)
        .map(|(name, ics)| async move {
            calendar.put(&name, &ics).await;
        })
        .buffer_unordered(concurrency.max(1))
        .collect::<Vec<()>>()
        .await;
}

/// Creates the calendar at `url` holding every item at once: one PUT of a whole VCALENDAR
/// to a new collection, which Radicale stores in one go. Seeding is not what is measured, and
/// Radicale checks each single PUT against every item already stored (UID uniqueness), so
/// seeding thousands of items one by one would take far longer than the benchmark itself.
pub async fn create_with_items(
    server: &CaldavServer,
    url: &str,
    items: &[String],
) -> anyhow::Result<TestCalendar> {
    let mut body =
        String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//calsync bench//EN\r\n");
    for ics in items {
        let start = ics
            .find("BEGIN:VEVENT")
            .context("a bench event without a VEVENT")?;
        let end = ics.rfind("END:VCALENDAR").unwrap_or(ics.len());
        body.push_str(&ics[start..end]);
    }
    body.push_str("END:VCALENDAR\r\n");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(900))
        .build()?;
    let response = client
        .put(url)
        .basic_auth(&server.username, Some(&server.password))
        .header("Content-Type", "text/calendar; charset=utf-8")
        .body(body)
        .send()
        .await
        .with_context(|| format!("PUT {url}"))?;
    anyhow::ensure!(
        response.status().is_success(),
        "PUT {url} answered {}",
        response.status()
    );
    Ok(TestCalendar {
        url: url.to_string(),
        server: server.clone(),
    })
}

/// GETs every named resource of `calendar`, `concurrency` at a time; how many it found.
pub async fn get_all(calendar: &TestCalendar, names: Vec<String>, concurrency: usize) -> usize {
    futures::stream::iter(names)
        .map(|name| async move { calendar.get(&name).await.is_some() })
        .buffer_unordered(concurrency.max(1))
        .filter(|found| futures::future::ready(*found))
        .count()
        .await
}
