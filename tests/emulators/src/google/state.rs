//! The emulated account: calendars, their events and per-calendar change log. Pure data and
//! rules (no HTTP): the routes and the test handle both act through these methods.

use super::error::ApiError;
use super::instances::{is_recurring, split_instance_id, virtual_instance};
use super::rules::{merge, validate};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub struct Calendar {
    pub id: String,
    pub summary: String,
    /// owner / writer / reader / freeBusyReader.
    pub access_role: String,
    pub time_zone: String,
    pub events: BTreeMap<String, Stored>,
    /// The number of the last change; every write takes the next one.
    pub seq: u64,
    /// Sync tokens name a generation; `expire_sync_tokens` starts a new one (410 for the old).
    pub generation: u64,
}

pub struct Stored {
    pub resource: Value,
    pub seq: u64,
}

pub struct State {
    pub calendars: BTreeMap<String, Calendar>,
    /// The most events or calendars one page holds, whatever `maxResults` asks.
    pub page_size: usize,
    etags: u64,
    ids: u64,
}

impl Default for State {
    fn default() -> Self {
        Self {
            calendars: BTreeMap::new(),
            page_size: 3,
            etags: 3_181_161_784_712_000,
            ids: 0,
        }
    }
}

fn now_text(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Event ids: base32hex (`[a-v0-9]`), 5-1024 characters (Events resource, `id`).
pub fn valid_event_id(id: &str) -> bool {
    (5..=1024).contains(&id.len()) && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'v'))
}

/// Deleted events are reported with little more than their id and status.
pub fn view(resource: &Value) -> Value {
    if resource["status"] != "cancelled" {
        return resource.clone();
    }
    let mut out = Map::new();
    for key in [
        "kind",
        "etag",
        "id",
        "status",
        "updated",
        "recurringEventId",
        "originalStartTime",
    ] {
        if let Some(value) = resource.get(key) {
            out.insert(key.into(), value.clone());
        }
    }
    Value::Object(out)
}

impl State {
    pub fn add_calendar(&mut self, id: &str, summary: &str, access_role: &str) {
        self.calendars.insert(
            id.to_string(),
            Calendar {
                id: id.to_string(),
                summary: summary.to_string(),
                access_role: access_role.to_string(),
                time_zone: "UTC".into(),
                events: BTreeMap::new(),
                seq: 0,
                generation: 1,
            },
        );
    }

    pub fn calendar(&self, id: &str) -> Result<&Calendar, ApiError> {
        self.calendars.get(id).ok_or_else(ApiError::not_found)
    }

    fn calendar_mut(&mut self, id: &str) -> Result<&mut Calendar, ApiError> {
        self.calendars.get_mut(id).ok_or_else(ApiError::not_found)
    }

    fn writable(&mut self, id: &str) -> Result<&mut Calendar, ApiError> {
        let calendar = self.calendar_mut(id)?;
        if matches!(calendar.access_role.as_str(), "reader" | "freeBusyReader") {
            return Err(ApiError::new(
                403,
                "requiredAccessLevel",
                "You need to have writer access to this calendar.",
            ));
        }
        Ok(calendar)
    }

    /// Stores `resource` as the new version of event `id`: next change number, new ETag.
    fn commit(
        &mut self,
        calendar: &str,
        mut resource: Value,
        now: DateTime<Utc>,
    ) -> Result<Value, ApiError> {
        self.etags += 1;
        let etag = format!("\"{}\"", self.etags);
        let calendar = self.calendar_mut(calendar)?;
        calendar.seq += 1;
        let id = resource["id"].as_str().unwrap_or_default().to_string();
        resource["etag"] = json!(etag);
        resource["updated"] = json!(now_text(now));
        resource["kind"] = json!("calendar#event");
        calendar.events.insert(
            id,
            Stored {
                resource: resource.clone(),
                seq: calendar.seq,
            },
        );
        Ok(view(&resource))
    }

    /// The event as stored, or the virtual instance of a stored series.
    pub fn current(&self, calendar: &str, id: &str) -> Result<Value, ApiError> {
        let calendar = self.calendar(calendar)?;
        if let Some(stored) = calendar.events.get(id) {
            return Ok(stored.resource.clone());
        }
        let (master_id, original) = split_instance_id(id).ok_or_else(ApiError::not_found)?;
        let master = calendar
            .events
            .get(master_id)
            .ok_or_else(ApiError::not_found)?;
        if !is_recurring(&master.resource) {
            return Err(ApiError::not_found());
        }
        virtual_instance(&master.resource, id, &original).ok_or_else(ApiError::not_found)
    }

    pub fn get(&self, calendar: &str, id: &str) -> Result<Value, ApiError> {
        self.current(calendar, id).map(|e| view(&e))
    }

    pub fn insert(
        &mut self,
        calendar: &str,
        mut body: Value,
        now: DateTime<Utc>,
    ) -> Result<Value, ApiError> {
        let owner = self.writable(calendar)?.id.clone();
        let id = match body["id"].as_str() {
            Some(id) if !valid_event_id(id) => {
                return Err(ApiError::new(400, "invalid", "Invalid resource id value."));
            }
            Some(id) => id.to_string(),
            None => {
                self.ids += 1;
                format!("gen{:020}", self.ids)
            }
        };
        // Ids of deleted events stay taken: Google answers 409 for them too.
        if self.calendar(calendar)?.events.contains_key(&id) {
            return Err(ApiError::new(
                409,
                "duplicate",
                "The requested identifier already exists.",
            ));
        }
        let object = body
            .as_object_mut()
            .ok_or_else(|| ApiError::bad_request("Parse Error"))?;
        for server_owned in [
            "recurringEventId",
            "originalStartTime",
            "etag",
            "updated",
            "created",
        ] {
            object.remove(server_owned);
        }
        object.insert("id".into(), json!(id));
        object
            .entry("iCalUID")
            .or_insert_with(|| json!(format!("{id}@google.com")));
        object.entry("status").or_insert_with(|| json!("confirmed"));
        object.entry("sequence").or_insert_with(|| json!(0));
        object.insert("created".into(), json!(now_text(now)));
        object.insert("organizer".into(), json!({"email": owner, "self": true}));
        object.insert("creator".into(), json!({"email": owner, "self": true}));
        validate(&body)?;
        self.commit(calendar, body, now)
    }

    fn check_if_match(current: &Value, if_match: Option<&str>) -> Result<(), ApiError> {
        match if_match {
            Some(expected) if expected != "*" && current["etag"].as_str() != Some(expected) => {
                Err(ApiError::precondition_failed())
            }
            _ => Ok(()),
        }
    }

    /// `events.update`: the body replaces the event (server-owned fields are kept).
    pub fn update(
        &mut self,
        calendar: &str,
        id: &str,
        body: Value,
        if_match: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Value, ApiError> {
        self.writable(calendar)?;
        let current = self.current(calendar, id)?;
        Self::check_if_match(&current, if_match)?;
        let mut next = body;
        let object = next
            .as_object_mut()
            .ok_or_else(|| ApiError::bad_request("Parse Error"))?;
        for kept in [
            "id",
            "iCalUID",
            "created",
            "organizer",
            "creator",
            "recurringEventId",
            "originalStartTime",
        ] {
            match current.get(kept) {
                Some(value) => object.insert(kept.into(), value.clone()),
                None => object.remove(kept),
            };
        }
        object.entry("status").or_insert_with(|| json!("confirmed"));
        self.write_back(calendar, id, next, now)
    }

    /// `events.patch`: objects merge, arrays and scalars replace, `null` removes.
    pub fn patch(
        &mut self,
        calendar: &str,
        id: &str,
        body: Value,
        if_match: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Value, ApiError> {
        self.writable(calendar)?;
        let mut current = self.current(calendar, id)?;
        Self::check_if_match(&current, if_match)?;
        if !body.is_object() {
            return Err(ApiError::bad_request("Parse Error"));
        }
        let mut body = body;
        if let Some(object) = body.as_object_mut() {
            for server_owned in [
                "id",
                "iCalUID",
                "created",
                "recurringEventId",
                "originalStartTime",
                "etag",
                "updated",
            ] {
                object.remove(server_owned);
            }
        }
        merge(&mut current, body);
        self.write_back(calendar, id, current, now)
    }

    fn write_back(
        &mut self,
        calendar: &str,
        id: &str,
        next: Value,
        now: DateTime<Utc>,
    ) -> Result<Value, ApiError> {
        if next["status"] != "cancelled" {
            validate(&next)?;
        }
        if next["recurringEventId"].is_null() && next["status"] == "cancelled" {
            return self.cancel_series(calendar, id, next, now);
        }
        self.commit(calendar, next, now)
    }

    /// `events.delete`: the event stays, cancelled, so that deltas report it; deleting a
    /// series cancels its stored instances too.
    pub fn delete(
        &mut self,
        calendar: &str,
        id: &str,
        if_match: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        self.writable(calendar)?;
        let mut current = self.current(calendar, id)?;
        if current["status"] == "cancelled" {
            return Err(ApiError::new(410, "deleted", "Resource has been deleted"));
        }
        Self::check_if_match(&current, if_match)?;
        current["status"] = json!("cancelled");
        if current["recurringEventId"].is_null() {
            self.cancel_series(calendar, id, current, now)?;
        } else {
            self.commit(calendar, current, now)?;
        }
        Ok(())
    }

    fn cancel_series(
        &mut self,
        calendar: &str,
        id: &str,
        master: Value,
        now: DateTime<Utc>,
    ) -> Result<Value, ApiError> {
        let instances: Vec<Value> = self
            .calendar(calendar)?
            .events
            .values()
            .map(|s| &s.resource)
            .filter(|r| r["recurringEventId"] == id && r["status"] != "cancelled")
            .cloned()
            .collect();
        for mut instance in instances {
            instance["status"] = json!("cancelled");
            self.commit(calendar, instance, now)?;
        }
        self.commit(calendar, master, now)
    }
}
