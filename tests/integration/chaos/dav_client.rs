//! A careful CalDAV client (plain HTTP through the testkit, never calsync's code): it finds an
//! event by its tag, edits the master VEVENT and writes back with If-Match, reading again
//! after a 412 as Thunderbird or DAVx5 do.

use super::dav_text::{edit_master, field_lines, new_event};
use super::model::{Field, Value};
use super::plan::Content;
use super::projection::{Projection, project};
use calsync_testkit::TestCalendar;
use chrono::Utc;
use std::collections::HashMap;
use std::sync::Mutex;

/// How often a client tries one write before the run fails.
const ATTEMPTS: u32 = 30;

/// A client's pause before trying again: a server that refused under load (Xandikos's 423 and
/// 500 while it commits other writes) gets a moment, growing to 500 ms.
async fn backoff(attempt: u32) {
    let millis = (20 * u64::from(attempt)).min(500);
    tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
}

/// Where each tag was last seen, per calendar: saves a full scan per edit.
#[derive(Default)]
pub struct HrefCache {
    hrefs: Mutex<HashMap<(String, String), String>>,
}

/// The `c17` of a text whose SUMMARY starts with `[c17]`.
fn tag_of(text: &str) -> Option<&str> {
    let at = text.find("SUMMARY:[")? + "SUMMARY:[".len();
    let end = text[at..].find(']')?;
    Some(&text[at..at + end])
}

impl HrefCache {
    fn remember(&self, calendar: &TestCalendar, tag: &str, href: &str) {
        self.hrefs
            .lock()
            .unwrap()
            .insert((calendar.url.clone(), tag.to_string()), href.to_string());
    }

    fn cached(&self, calendar: &TestCalendar, tag: &str) -> Option<String> {
        self.hrefs
            .lock()
            .unwrap()
            .get(&(calendar.url.clone(), tag.to_string()))
            .cloned()
    }

    /// The href, text and ETag of the resource tagged `tag`, if the calendar holds one.
    async fn find(&self, calendar: &TestCalendar, tag: &str) -> Option<(String, String, String)> {
        let wanted = format!("SUMMARY:[{tag}]");
        if let Some(href) = self.cached(calendar, tag)
            && let Some((text, etag)) = calendar.get(&href).await
            && text.contains(&wanted)
        {
            return Some((href, text, etag));
        }
        let mut found = None;
        for (href, _) in calendar.list().await {
            let Some((text, etag)) = calendar.get(&href).await else {
                continue;
            };
            if let Some(seen) = tag_of(&text) {
                self.remember(calendar, seen, &href);
            }
            if found.is_none() && text.contains(&wanted) {
                found = Some((href, text, etag));
            }
        }
        found
    }

    pub async fn create(&self, calendar: &TestCalendar, tag: &str, content: &Content) {
        let name = format!("{tag}.ics");
        let text = new_event(&format!("{tag}@chaos.test"), content, Utc::now());
        let mut attempts = 0;
        while let Err(refused) = calendar.try_put(&name, &text).await {
            attempts += 1;
            backoff(attempts).await;
            assert!(
                (refused.contains("answered 423") || refused.contains("answered 5"))
                    && attempts < ATTEMPTS,
                "{}: {refused}",
                calendar.server.kind
            );
        }
        self.remember(calendar, tag, &calendar.resource_url(&name));
    }

    /// Edits the event tagged `tag`; false when the calendar does not hold it (any more).
    pub async fn edit(
        &self,
        calendar: &TestCalendar,
        tag: &str,
        field: Field,
        value: &Value,
    ) -> bool {
        let (names, lines, zone) = field_lines(field, value);
        // calsync writes too: a 412 means it did since we read; read again and redo the edit.
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                backoff(attempt).await;
            }
            let Some((href, text, etag)) = self.find(calendar, tag).await else {
                return false;
            };
            let edited = edit_master(&text, &names, lines.clone(), zone, Utc::now());
            match calendar.put_if_match(&href, &edited, &etag).await {
                Ok(_) => return true,
                // 423: Xandikos locks its store while it commits another write; it also
                // answers 500 now and then under concurrent writes. Clients try again.
                Err(412 | 404 | 423 | 500..=599) => continue,
                Err(status) => panic!(
                    "{}: PUT of an edit answered {status}:\n{edited}",
                    calendar.server.kind
                ),
            }
        }
        panic!(
            "{}: {ATTEMPTS} edits of {tag} in a row were refused",
            calendar.server.kind
        )
    }

    /// What the calendar shows for the event tagged `tag`, if it holds it.
    pub async fn shown(&self, calendar: &TestCalendar, tag: &str) -> Option<Projection> {
        let (_, text, _) = self.find(calendar, tag).await?;
        let event = calsync_core::ical::parse_event(&text).ok()?;
        project(&event).map(|(_, projection)| projection)
    }

    pub async fn delete(&self, calendar: &TestCalendar, tag: &str) -> bool {
        let Some((href, _, _)) = self.find(calendar, tag).await else {
            return false;
        };
        matches!(calendar.try_delete(&href).await, 200..=299)
    }
}
