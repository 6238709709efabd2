//! A calendar in a cloud test, on whichever backend: what its user can do there (create,
//! rename, delete, as in the provider's own UI or another CalDAV client) and what it holds.

use super::rig::Rig;
use crate::e2e::fixtures::{day, ical_date, timed_event, uid};
use crate::e2e::harness::Cal;
use crate::e2e::stored::Stored;
use serde_json::{Value, json};

#[derive(Clone)]
pub enum Side {
    Google(String),
    Graph(String),
    Dav(Cal),
}

/// The start and end of a one-hour event `offset` days ahead at `hour`:00 UTC (RFC 3339).
fn slot(offset: u64, hour: u32) -> (String, String) {
    let date = day(offset).format("%Y-%m-%d");
    (
        format!("{date}T{hour:02}:00:00"),
        format!("{date}T{:02}:00:00", hour + 1),
    )
}

impl Side {
    pub fn name(&self) -> String {
        match self {
            Side::Google(id) => format!("google:{id}"),
            Side::Graph(id) => format!("graph:{id}"),
            Side::Dav(cal) => format!("{}:{}", cal.kind().name(), cal.raw.url),
        }
    }

    /// The user creates a one-hour event titled `title`.
    pub async fn create(&self, rig: &Rig, title: &str, offset: u64, hour: u32) {
        let (start, end) = slot(offset, hour);
        match self {
            Side::Google(cal) => {
                rig.google
                    .insert_event(
                        cal,
                        json!({
                            "summary": title,
                            "start": {"dateTime": format!("{start}Z")},
                            "end": {"dateTime": format!("{end}Z")},
                        }),
                    )
                    .unwrap();
            }
            Side::Graph(cal) => {
                rig.graph
                    .user_create_event(
                        cal,
                        json!({
                            "subject": title,
                            "start": {"dateTime": start, "timeZone": "UTC"},
                            "end": {"dateTime": end, "timeZone": "UTC"},
                        }),
                    )
                    .unwrap();
            }
            Side::Dav(cal) => {
                let uid = uid("cloud");
                let ics = timed_event(&uid, title, offset, hour, &[]);
                cal.raw.put(&format!("{uid}.ics"), &ics).await;
            }
        }
    }

    /// The user renames the event titled `from`.
    pub async fn rename(&self, rig: &Rig, from: &str, to: &str) {
        match self {
            Side::Google(cal) => {
                let id = self.google_id(rig, from);
                rig.google
                    .patch_event(cal, &id, json!({ "summary": to }))
                    .unwrap();
            }
            Side::Graph(_) => {
                let id = self.graph_id(rig, from);
                rig.graph
                    .user_update_event(&id, json!({ "subject": to }))
                    .unwrap();
            }
            Side::Dav(cal) => {
                let stored = self.dav_find(cal, from).await;
                let text = stored
                    .text
                    .replace(&format!("SUMMARY:{from}\r\n"), &format!("SUMMARY:{to}\r\n"));
                cal.raw.put(stored.name(), &text).await;
            }
        }
    }

    /// The user deletes the event titled `title`.
    pub async fn delete(&self, rig: &Rig, title: &str) {
        match self {
            Side::Google(cal) => {
                let id = self.google_id(rig, title);
                rig.google.delete_event(cal, &id).unwrap();
            }
            Side::Graph(_) => {
                let id = self.graph_id(rig, title);
                rig.graph.user_delete_event(&id).unwrap();
            }
            Side::Dav(cal) => {
                let stored = self.dav_find(cal, title).await;
                cal.raw.delete(stored.name()).await;
            }
        }
    }

    /// The events it holds (series count once), as the provider stores them.
    pub async fn events(&self, rig: &Rig) -> Vec<Value> {
        match self {
            Side::Google(cal) => rig
                .google
                .live_events(cal)
                .into_iter()
                .filter(|e| e.get("recurringEventId").is_none())
                .collect(),
            Side::Graph(cal) => rig.graph.events(cal),
            Side::Dav(cal) => {
                let mut events = Vec::new();
                for body in cal.raw.bodies().await {
                    let stored = Stored::new(String::new(), body);
                    events.push(json!({
                        "summary": stored.summary(),
                        "origin": stored.origin(),
                        "text": stored.text,
                    }));
                }
                events
            }
        }
    }

    /// The sorted titles of its events: a duplicate shows as a repeated title.
    pub async fn titles(&self, rig: &Rig) -> Vec<String> {
        let key = match self {
            Side::Graph(_) => "subject",
            _ => "summary",
        };
        let mut titles: Vec<String> = self
            .events(rig)
            .await
            .iter()
            .map(|e| e[key].as_str().unwrap_or("").to_string())
            .collect();
        titles.sort();
        titles
    }

    fn google_id(&self, rig: &Rig, title: &str) -> String {
        let Side::Google(cal) = self else {
            unreachable!()
        };
        let event = rig
            .google
            .live_events(cal)
            .into_iter()
            .find(|e| e["summary"] == title && e.get("recurringEventId").is_none())
            .unwrap_or_else(|| panic!("no event {title:?} on {}", self.name()));
        event["id"].as_str().unwrap().to_string()
    }

    fn graph_id(&self, rig: &Rig, title: &str) -> String {
        let Side::Graph(cal) = self else {
            unreachable!()
        };
        let event = rig
            .graph
            .events(cal)
            .into_iter()
            .find(|e| e["subject"] == title)
            .unwrap_or_else(|| panic!("no event {title:?} on {}", self.name()));
        event["id"].as_str().unwrap().to_string()
    }

    async fn dav_find(&self, cal: &Cal, title: &str) -> Stored {
        for (href, _) in cal.raw.list().await {
            if let Some((text, _)) = cal.raw.get(&href).await {
                let stored = Stored::new(href, text);
                if stored.summary() == Some(title) {
                    return stored;
                }
            }
        }
        panic!("no event {title:?} on {}", self.name())
    }
}

/// Waits until every side holds exactly `titles` (each once); returns how long it took.
pub async fn converge(
    rig: &Rig,
    sides: &[&Side],
    titles: &[&str],
    when: &str,
) -> std::time::Duration {
    let mut expected: Vec<String> = titles.iter().map(|t| t.to_string()).collect();
    expected.sort();
    let started = std::time::Instant::now();
    loop {
        let mut all = true;
        let mut seen = Vec::new();
        for side in sides {
            let held = side.titles(rig).await;
            all &= held == expected;
            seen.push((side.name(), held));
        }
        if all {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < super::rig::CONVERGENCE_DEADLINE,
            "{when}: expected {expected:?} everywhere, still seeing {seen:#?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// `ical_date` of a day offset, for assertions on stored iCalendar.
pub fn ical_day(offset: u64) -> String {
    ical_date(day(offset))
}
