//! How the emulator stores events: series masters and single instances, each series with
//! its exceptions and cancelled occurrences (one item per series, as Exchange keeps them),
//! and how they are rendered as Graph JSON.

use super::recurrence;
use super::zones::{instant, local_in, zone};
use chrono::{DateTime, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Properties stored and returned as they were written.
const PLAIN: &[&str] = &[
    "subject",
    "body",
    "location",
    "showAs",
    "sensitivity",
    "isAllDay",
    "attendees",
    "organizer",
    "categories",
    "importance",
];

/// A local time in the zone it was written in.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    pub local: NaiveDateTime,
    pub zone: String,
}

impl Slot {
    pub fn parse(value: &Value) -> Result<Self, String> {
        let text = value["dateTime"].as_str().ok_or("dateTime missing")?;
        let whole = text.trim_end_matches('Z').split('.').next().unwrap_or(text);
        let local = NaiveDateTime::parse_from_str(whole, "%Y-%m-%dT%H:%M:%S")
            .map_err(|_| format!("invalid dateTime {text:?}"))?;
        let name = value["timeZone"].as_str().unwrap_or("UTC");
        zone(name).ok_or_else(|| format!("TimeZoneNotSupportedException: {name}"))?;
        Ok(Self {
            local,
            zone: name.to_string(),
        })
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        zone(&self.zone).unwrap_or(chrono_tz::UTC)
    }

    pub fn instant(&self) -> DateTime<Utc> {
        instant(self.local, self.tz())
    }

    /// As Graph answers: in the zone the client asked for (`Prefer: outlook.timezone`).
    /// All-day values stay midnights.
    fn render(&self, prefer: &str, all_day: bool) -> Value {
        let local = if all_day {
            self.local
        } else {
            local_in(self.instant(), zone(prefer).unwrap_or(chrono_tz::UTC))
        };
        json!({"dateTime": local.format("%Y-%m-%dT%H:%M:%S.0000000").to_string(), "timeZone": prefer})
    }
}

#[derive(Debug, Clone)]
pub struct Exception {
    pub props: Map<String, Value>,
    pub start: Slot,
    pub end: Slot,
    pub version: u64,
}

#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub id: String,
    pub calendar: String,
    pub ical_uid: String,
    pub props: Map<String, Value>,
    pub start: Slot,
    pub end: Slot,
    pub recurrence: Option<Value>,
    pub extended: Vec<(String, String)>,
    pub transaction_id: Option<String>,
    pub version: u64,
    pub last_modified: DateTime<Utc>,
    /// Keyed by the occurrence's original start.
    pub exceptions: BTreeMap<DateTime<Utc>, Exception>,
    pub cancelled: BTreeSet<DateTime<Utc>>,
}

/// One occurrence or exception of a series.
pub struct Instance<'a> {
    pub original: DateTime<Utc>,
    pub start: Slot,
    pub end: Slot,
    pub exception: Option<&'a Exception>,
}

pub fn occurrence_id(master: &str, original: DateTime<Utc>) -> String {
    format!("{master}_{}", original.format("%Y%m%dT%H%M%SZ"))
}

/// `(master id, original start)` of an occurrence id.
pub fn split_occurrence_id(id: &str) -> Option<(&str, DateTime<Utc>)> {
    let (master, at) = id.rsplit_once('_')?;
    let at = NaiveDateTime::parse_from_str(at, "%Y%m%dT%H%M%SZ").ok()?;
    Some((master, at.and_utc()))
}

/// Applies `start`/`end` and the plain properties of a POST or PATCH body.
fn apply_common(
    props: &mut Map<String, Value>,
    start: &mut Slot,
    end: &mut Slot,
    patch: &Map<String, Value>,
) -> Result<(), String> {
    for name in PLAIN {
        if let Some(value) = patch.get(*name) {
            props.insert((*name).to_string(), value.clone());
        }
    }
    if let Some(value) = patch.get("start") {
        *start = Slot::parse(value)?;
    }
    if let Some(value) = patch.get("end") {
        *end = Slot::parse(value)?;
    }
    if props.get("isAllDay").and_then(Value::as_bool) == Some(true)
        && (start.local.time() != NaiveTime::MIN || end.local.time() != NaiveTime::MIN)
    {
        return Err("all-day events must start and end at midnight".into());
    }
    if end.instant() < start.instant() {
        return Err("the end is before the start".into());
    }
    Ok(())
}

impl StoredEvent {
    pub fn new(id: String, calendar: String, body: &Map<String, Value>) -> Result<Self, String> {
        let start = Slot::parse(body.get("start").ok_or("start is required")?)?;
        let end = Slot::parse(body.get("end").ok_or("end is required")?)?;
        let mut event = Self {
            ical_uid: format!("040000008200E00074C5B7101A82E008{id}"),
            id,
            calendar,
            props: Map::new(),
            start: start.clone(),
            end: end.clone(),
            recurrence: None,
            extended: Vec::new(),
            transaction_id: body
                .get("transactionId")
                .and_then(Value::as_str)
                .map(str::to_string),
            version: 1,
            last_modified: Utc::now(),
            exceptions: BTreeMap::new(),
            cancelled: BTreeSet::new(),
        };
        event.apply(body)?;
        Ok(event)
    }

    /// A PATCH: the properties given replace the stored ones. A changed pattern drops the
    /// series' exceptions and cancellations, as Outlook does.
    pub fn apply(&mut self, patch: &Map<String, Value>) -> Result<(), String> {
        apply_common(&mut self.props, &mut self.start, &mut self.end, patch)?;
        if let Some(recurrence) = patch.get("recurrence") {
            let recurrence = (!recurrence.is_null()).then(|| recurrence.clone());
            if let Some(value) = &recurrence {
                recurrence::validate(value)?;
            }
            if recurrence != self.recurrence {
                self.exceptions.clear();
                self.cancelled.clear();
            }
            self.recurrence = recurrence;
        }
        if let Some(Value::Array(properties)) = patch.get("singleValueExtendedProperties") {
            for property in properties {
                let (Some(id), Some(value)) = (property["id"].as_str(), property["value"].as_str())
                else {
                    return Err("extended properties need an id and a value".into());
                };
                self.extended.retain(|(existing, _)| existing != id);
                self.extended.push((id.to_string(), value.to_string()));
            }
        }
        self.touch();
        Ok(())
    }

    pub fn touch(&mut self) {
        self.version += 1;
        self.last_modified = Utc::now();
    }

    pub fn all_day(&self) -> bool {
        self.props.get("isAllDay").and_then(Value::as_bool) == Some(true)
    }

    pub fn etag(&self) -> String {
        format!("W/\"{}-{}\"", self.id, self.version)
    }

    /// The series' instances whose start falls before `to` and end after `from`.
    pub fn instances(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Instance<'_>> {
        let Some(recurrence) = &self.recurrence else {
            return Vec::new();
        };
        let tz = self.start.tz();
        let length = self.end.local - self.start.local;
        let until = local_in(to, tz).date() + TimeDelta::days(1);
        recurrence::dates(recurrence, until)
            .into_iter()
            .filter_map(|date| {
                let local = date.and_time(self.start.local.time());
                let original = instant(local, tz);
                if self.cancelled.contains(&original) {
                    return None;
                }
                let slot = |local| Slot {
                    local,
                    zone: self.start.zone.clone(),
                };
                let exception = self.exceptions.get(&original);
                let (start, end) = match exception {
                    Some(e) => (e.start.clone(), e.end.clone()),
                    None => (slot(local), slot(local + length)),
                };
                Some(Instance {
                    original,
                    start,
                    end,
                    exception,
                })
            })
            .filter(|i| i.start.instant() < to && i.end.instant() > from)
            .collect()
    }

    pub fn instance(&self, original: DateTime<Utc>) -> Option<Instance<'_>> {
        let day = TimeDelta::days(1);
        self.instances(original - day, original + day)
            .into_iter()
            .find(|i| i.original == original)
    }

    /// Turns an occurrence into an exception (PATCH on an occurrence id).
    pub fn patch_occurrence(
        &mut self,
        original: DateTime<Utc>,
        patch: &Map<String, Value>,
    ) -> Result<(), String> {
        let instance = self.instance(original).ok_or("no such occurrence")?;
        let (mut start, mut end) = (instance.start.clone(), instance.end.clone());
        let mut props = instance
            .exception
            .map(|e| e.props.clone())
            .unwrap_or_default();
        let version = instance.exception.map_or(1, |e| e.version + 1);
        apply_common(&mut props, &mut start, &mut end, patch)?;
        self.exceptions.insert(
            original,
            Exception {
                props,
                start,
                end,
                version,
            },
        );
        Ok(())
    }

    /// The event as Graph returns it. `expand`: the `$expand` text, to decide which
    /// extended properties are included (they never are without it).
    pub fn render(&self, prefer: &str, expand: Option<&str>) -> Value {
        let kind = if self.recurrence.is_some() {
            "seriesMaster"
        } else {
            "singleInstance"
        };
        let mut value = self.base(prefer, kind, &self.id, &self.etag());
        value.insert(
            "recurrence".into(),
            self.recurrence.clone().unwrap_or(Value::Null),
        );
        if let Some(expand) = expand {
            let properties: Vec<Value> = self
                .extended
                .iter()
                .filter(|(id, _)| expand.to_lowercase().contains(&id.to_lowercase()))
                .map(|(id, value)| json!({"id": id, "value": value}))
                .collect();
            value.insert("singleValueExtendedProperties".into(), json!(properties));
        }
        if let Some(transaction) = &self.transaction_id {
            value.insert("transactionId".into(), json!(transaction));
        }
        Value::Object(value)
    }

    pub fn render_instance(&self, instance: &Instance<'_>, prefer: &str) -> Value {
        let id = occurrence_id(&self.id, instance.original);
        let (kind, etag) = match instance.exception {
            Some(e) => ("exception", format!("W/\"{id}-{}\"", e.version)),
            None => ("occurrence", format!("W/\"{id}-0\"")),
        };
        let mut value = self.base(prefer, kind, &id, &etag);
        if let Some(exception) = instance.exception {
            for (name, prop) in &exception.props {
                value.insert(name.clone(), prop.clone());
            }
        }
        let all_day = self.all_day();
        value.insert("start".into(), instance.start.render(prefer, all_day));
        value.insert("end".into(), instance.end.render(prefer, all_day));
        value.insert("seriesMasterId".into(), json!(self.id));
        value.insert(
            "originalStart".into(),
            json!(instance.original.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        );
        value.insert("recurrence".into(), Value::Null);
        Value::Object(value)
    }

    fn base(&self, prefer: &str, kind: &str, id: &str, etag: &str) -> Map<String, Value> {
        let mut value = Map::new();
        value.insert("@odata.etag".into(), json!(etag));
        value.insert("id".into(), json!(id));
        value.insert(
            "changeKey".into(),
            json!(etag.trim_start_matches("W/").trim_matches('"')),
        );
        value.insert("iCalUId".into(), json!(self.ical_uid));
        value.insert("type".into(), json!(kind));
        value.insert("isCancelled".into(), json!(false));
        value.insert("isAllDay".into(), json!(self.all_day()));
        value.insert("showAs".into(), json!("busy"));
        value.insert("sensitivity".into(), json!("normal"));
        for (name, prop) in &self.props {
            value.insert(name.clone(), prop.clone());
        }
        value.insert("start".into(), self.start.render(prefer, self.all_day()));
        value.insert("end".into(), self.end.render(prefer, self.all_day()));
        value.insert("originalStartTimeZone".into(), json!(self.start.zone));
        value.insert("originalEndTimeZone".into(), json!(self.end.zone));
        value.insert(
            "lastModifiedDateTime".into(),
            json!(
                self.last_modified
                    .format("%Y-%m-%dT%H:%M:%S.0000000Z")
                    .to_string()
            ),
        );
        value
    }
}
