//! The mailbox the emulator serves: calendars, events, the change history delta queries
//! read, subscriptions and OAuth grants. Every mutation records what changed, so that delta
//! and change notifications see the same history.

use super::model::{StoredEvent, occurrence_id, split_occurrence_id};
use super::oauth::OAuthState;
use super::subscriptions::StoredSubscription;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone)]
pub struct Calendar {
    pub id: String,
    pub name: String,
    pub can_edit: bool,
}

/// Something deleted, as delta reports it (`@removed`).
#[derive(Debug, Clone)]
pub struct Tombstone {
    pub id: String,
    pub calendar: String,
    pub seq: u64,
}

/// What a change notification is about.
#[derive(Debug, Clone)]
pub struct Change {
    pub calendar: String,
    pub id: String,
    pub etag: Option<String>,
    /// created | updated | deleted
    pub kind: &'static str,
}

#[derive(Debug, Clone)]
pub struct DeltaToken {
    pub calendar: String,
    pub window: (DateTime<Utc>, DateTime<Utc>),
    pub seq: u64,
}

/// Why a request about an event failed.
#[derive(Debug)]
pub enum EventError {
    NotFound,
    PreconditionFailed,
    Invalid(String),
}

pub struct Inner {
    pub calendars: Vec<Calendar>,
    pub events: BTreeMap<String, StoredEvent>,
    pub seq: u64,
    /// Event (master or single) id -> seq of its last change.
    pub changed: HashMap<String, u64>,
    pub tombstones: Vec<Tombstone>,
    pub delta_tokens: HashMap<String, DeltaToken>,
    /// Remaining pages of a delta round, by skip token.
    pub pages: HashMap<String, (Vec<Value>, String)>,
    pub page_size: usize,
    pub subscriptions: BTreeMap<String, StoredSubscription>,
    pub oauth: OAuthState,
    next_id: u64,
}

impl Inner {
    pub fn new() -> Self {
        Self {
            calendars: Vec::new(),
            events: BTreeMap::new(),
            seq: 0,
            changed: HashMap::new(),
            tombstones: Vec::new(),
            delta_tokens: HashMap::new(),
            pages: HashMap::new(),
            page_size: 10,
            subscriptions: BTreeMap::new(),
            oauth: OAuthState::default(),
            next_id: 0,
        }
    }

    /// An opaque id in Graph's style (base64-ish, no `_`: that separates occurrence ids).
    pub fn new_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}AAMkAGI2{:08}AAA=", self.next_id)
    }

    fn bump(&mut self, id: &str) -> u64 {
        self.seq += 1;
        self.changed.insert(id.to_string(), self.seq);
        self.seq
    }

    pub fn calendar(&self, id: &str) -> Option<&Calendar> {
        self.calendars.iter().find(|c| c.id == id)
    }

    pub fn create_event(
        &mut self,
        calendar: &str,
        body: &Map<String, Value>,
    ) -> Result<(String, Option<Change>), EventError> {
        if self.calendar(calendar).is_none() {
            return Err(EventError::NotFound);
        }
        // transactionId: a retried POST gets the event the first one created.
        if let Some(transaction) = body.get("transactionId").and_then(Value::as_str)
            && let Some(existing) = self
                .events
                .values()
                .find(|e| e.transaction_id.as_deref() == Some(transaction))
        {
            return Ok((existing.id.clone(), None));
        }
        let id = self.new_id("");
        let event = StoredEvent::new(id.clone(), calendar.to_string(), body)
            .map_err(EventError::Invalid)?;
        let etag = event.etag();
        self.events.insert(id.clone(), event);
        self.bump(&id);
        let change = Change {
            calendar: calendar.to_string(),
            id: id.clone(),
            etag: Some(etag),
            kind: "created",
        };
        Ok((id, Some(change)))
    }

    fn check_etag(event: &StoredEvent, if_match: Option<&str>) -> Result<(), EventError> {
        match if_match {
            Some(tag) if tag != "*" && tag != event.etag() => Err(EventError::PreconditionFailed),
            _ => Ok(()),
        }
    }

    /// PATCH on a master, single instance, occurrence or exception id.
    pub fn update_event(
        &mut self,
        id: &str,
        patch: &Map<String, Value>,
        if_match: Option<&str>,
    ) -> Result<Change, EventError> {
        if let Some(event) = self.events.get_mut(id) {
            Self::check_etag(event, if_match)?;
            event.apply(patch).map_err(EventError::Invalid)?;
            let change = Change {
                calendar: event.calendar.clone(),
                id: id.to_string(),
                etag: Some(event.etag()),
                kind: "updated",
            };
            self.bump(id);
            return Ok(change);
        }
        let (master, original) = split_occurrence_id(id).ok_or(EventError::NotFound)?;
        let event = self.events.get_mut(master).ok_or(EventError::NotFound)?;
        if event.instance(original).is_none() {
            return Err(EventError::NotFound);
        }
        event
            .patch_occurrence(original, patch)
            .map_err(EventError::Invalid)?;
        let change = Change {
            calendar: event.calendar.clone(),
            id: id.to_string(),
            etag: None,
            kind: "updated",
        };
        let master = master.to_string();
        self.bump(&master);
        Ok(change)
    }

    /// DELETE on a master, single instance, occurrence or exception id.
    pub fn delete_event(&mut self, id: &str, if_match: Option<&str>) -> Result<Change, EventError> {
        if let Some(event) = self.events.get(id) {
            Self::check_etag(event, if_match)?;
            let event = self.events.remove(id).ok_or(EventError::NotFound)?;
            self.seq += 1;
            // calendarView delta lists instances: a deleted series leaves its occurrences.
            let far = chrono::TimeDelta::days(366 * 5);
            let now = Utc::now();
            let mut removed: Vec<String> = event
                .instances(now - far, now + far)
                .iter()
                .map(|i| occurrence_id(&event.id, i.original))
                .collect();
            if event.recurrence.is_none() {
                removed.push(event.id.clone());
            }
            for gone in removed {
                self.tombstones.push(Tombstone {
                    id: gone,
                    calendar: event.calendar.clone(),
                    seq: self.seq,
                });
            }
            return Ok(Change {
                calendar: event.calendar,
                id: id.to_string(),
                etag: None,
                kind: "deleted",
            });
        }
        let (master, original) = split_occurrence_id(id).ok_or(EventError::NotFound)?;
        let event = self.events.get_mut(master).ok_or(EventError::NotFound)?;
        if event.instance(original).is_none() {
            return Err(EventError::NotFound);
        }
        event.exceptions.remove(&original);
        event.cancelled.insert(original);
        // Cancelling an occurrence rewrites the master's recurrence data in Exchange.
        event.touch();
        let calendar = event.calendar.clone();
        let master = master.to_string();
        let seq = self.bump(&master);
        self.tombstones.push(Tombstone {
            id: id.to_string(),
            calendar: calendar.clone(),
            seq,
        });
        Ok(Change {
            calendar,
            id: id.to_string(),
            etag: None,
            kind: "deleted",
        })
    }

    /// GET on any event id, rendered.
    pub fn render_event(&self, id: &str, prefer: &str, expand: Option<&str>) -> Option<Value> {
        if let Some(event) = self.events.get(id) {
            return Some(event.render(prefer, expand));
        }
        let (master, original) = split_occurrence_id(id)?;
        let event = self.events.get(master)?;
        let instance = event.instance(original)?;
        Some(event.render_instance(&instance, prefer))
    }
}
