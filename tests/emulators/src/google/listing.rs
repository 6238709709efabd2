//! `events.list` with sync tokens and page tokens
//! (https://developers.google.com/calendar/api/guides/sync).
//!
//! A sync token names a calendar generation and a change number; a page token names the
//! change number the listing started at and the last id served. Pages walk the events in id
//! order and show each one as it is now, so an event edited mid-listing is neither skipped
//! nor served twice, and the next delta reports it again.

use super::error::ApiError;
use super::state::{State, view};
use serde_json::{Value, json};

#[derive(Debug, Default, Clone)]
pub struct ListQuery {
    pub sync_token: Option<String>,
    pub page_token: Option<String>,
    pub max_results: Option<usize>,
    pub show_deleted: bool,
    pub single_events: bool,
    pub ical_uid: Option<String>,
    /// `privateExtendedProperty=key=value`, all of which must match.
    pub private_properties: Vec<(String, String)>,
    /// Parameters that cannot be combined with a sync token, by name.
    pub restricted: Vec<String>,
}

impl ListQuery {
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self, ApiError> {
        let mut query = Self::default();
        for (key, value) in pairs {
            match key.as_str() {
                "syncToken" => query.sync_token = Some(value.clone()),
                "pageToken" => query.page_token = Some(value.clone()),
                "maxResults" => {
                    let n = value.parse::<usize>().map_err(|_| {
                        ApiError::new(400, "invalid", "Invalid value for maxResults")
                    })?;
                    query.max_results = Some(n.clamp(1, 2500));
                }
                "showDeleted" => query.show_deleted = value == "true",
                "singleEvents" => query.single_events = value == "true",
                "iCalUID" => {
                    query.ical_uid = Some(value.clone());
                    query.restricted.push(key.clone());
                }
                "privateExtendedProperty" => {
                    let (k, v) = value.split_once('=').unwrap_or((value, ""));
                    query
                        .private_properties
                        .push((k.to_string(), v.to_string()));
                    query.restricted.push(key.clone());
                }
                "timeMin"
                | "timeMax"
                | "updatedMin"
                | "q"
                | "orderBy"
                | "sharedExtendedProperty" => {
                    query.restricted.push(key.clone());
                }
                _ => {}
            }
        }
        Ok(query)
    }
}

fn parse_sync_token(token: &str) -> Option<(u64, u64)> {
    let (generation, seq) = token.strip_prefix('g')?.split_once('s')?;
    Some((generation.parse().ok()?, seq.parse().ok()?))
}

fn parse_page_token(token: &str) -> Option<(u64, String)> {
    let (upto, after) = token.strip_prefix('p')?.split_once(':')?;
    Some((upto.parse().ok()?, after.to_string()))
}

pub fn list(state: &State, calendar_id: &str, query: &ListQuery) -> Result<Value, ApiError> {
    let calendar = state.calendar(calendar_id)?;
    if query.single_events {
        return Err(ApiError::bad_request(
            "emulator: singleEvents=true (expanded instances) is not emulated",
        ));
    }
    let since = match &query.sync_token {
        Some(token) => {
            if let Some(name) = query.restricted.first() {
                return Err(ApiError::new(
                    400,
                    "invalid",
                    format!("Sync token cannot be used with the parameter {name}."),
                ));
            }
            match parse_sync_token(token) {
                Some((generation, seq))
                    if generation == calendar.generation && seq <= calendar.seq =>
                {
                    Some(seq)
                }
                _ => {
                    return Err(ApiError::new(
                        410,
                        "fullSyncRequired",
                        "Sync token is no longer valid, a full sync is required.",
                    ));
                }
            }
        }
        None => None,
    };
    let (upto, after) = match &query.page_token {
        Some(token) => parse_page_token(token)
            .map(|(upto, after)| (upto, Some(after)))
            .ok_or_else(|| ApiError::new(400, "invalid", "Invalid page token."))?,
        None => (calendar.seq, None),
    };
    let limit = query.max_results.unwrap_or(250).min(state.page_size.max(1));
    let matches = |resource: &Value, seq: u64| -> bool {
        let cancelled = resource["status"] == "cancelled";
        let listed = match since {
            // Deltas always include deletions.
            Some(since) => seq > since,
            // Cancelled instances of series are listed even without showDeleted
            // (Events: list, `showDeleted`), deleted events are not.
            None => !cancelled || query.show_deleted || !resource["recurringEventId"].is_null(),
        };
        listed
            && query
                .ical_uid
                .as_ref()
                .is_none_or(|uid| resource["iCalUID"] == uid.as_str())
            && query
                .private_properties
                .iter()
                .all(|(k, v)| resource["extendedProperties"]["private"][k.as_str()] == v.as_str())
    };
    let mut page: Vec<(&String, Value)> = calendar
        .events
        .iter()
        .filter(|(id, _)| after.as_ref().is_none_or(|a| id.as_str() > a.as_str()))
        .filter(|(_, stored)| matches(&stored.resource, stored.seq))
        .take(limit + 1)
        .map(|(id, stored)| (id, view(&stored.resource)))
        .collect();
    let more = page.len() > limit;
    page.truncate(limit);
    let mut answer = json!({
        "kind": "calendar#events",
        "etag": format!("\"p{}\"", calendar.seq),
        "summary": calendar.summary,
        "timeZone": calendar.time_zone,
        "accessRole": calendar.access_role,
        "defaultReminders": [],
    });
    if more {
        let last = page.last().map(|(id, _)| id.as_str()).unwrap_or_default();
        answer["nextPageToken"] = json!(format!("p{upto}:{last}"));
    } else {
        answer["nextSyncToken"] = json!(format!("g{}s{upto}", calendar.generation));
    }
    answer["items"] = Value::Array(page.into_iter().map(|(_, v)| v).collect());
    Ok(answer)
}
