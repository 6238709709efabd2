//! Recurring series as Google models them: a master with `recurrence`, and instances whose
//! ids are `<masterId>_<YYYYMMDD>` (all-day series) or `<masterId>_<YYYYMMDDTHHMMSSZ>` (UTC
//! original start). Instances not stored yet are virtual: read from the master.
//!
//! Simplification: an instance id is accepted for any start on or after the series' first
//! start with the series' kind of value (date or date-time); RRULEs are not expanded.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use serde_json::{Value, json};

/// The original start an instance id names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginalStart {
    Date(NaiveDate),
    At(DateTime<Utc>),
}

/// Splits `<master>_<suffix>` where the suffix is a valid original start.
pub fn split_instance_id(id: &str) -> Option<(&str, OriginalStart)> {
    let (master, suffix) = id.rsplit_once('_')?;
    if let Ok(date) = NaiveDate::parse_from_str(suffix, "%Y%m%d") {
        return Some((master, OriginalStart::Date(date)));
    }
    let at = NaiveDateTime::parse_from_str(suffix, "%Y%m%dT%H%M%SZ").ok()?;
    Some((master, OriginalStart::At(at.and_utc())))
}

pub fn is_recurring(master: &Value) -> bool {
    master["recurrence"]
        .as_array()
        .is_some_and(|r| !r.is_empty())
        && master["status"] != "cancelled"
}

/// A start/end value as an instant (dates at midnight UTC).
pub fn instant(time: &Value) -> Option<DateTime<Utc>> {
    if let Some(date) = time["date"].as_str() {
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
        return Some(date.and_hms_opt(0, 0, 0)?.and_utc());
    }
    let text = time["dateTime"].as_str()?;
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

/// The instance `id` of `master` as Google would show it before anyone edits it, or `None`
/// when the id names no instance of the series.
pub fn virtual_instance(master: &Value, id: &str, original: &OriginalStart) -> Option<Value> {
    let first = instant(&master["start"])?;
    let duration = instant(&master["end"]).map_or(TimeDelta::zero(), |end| end - first);
    let all_day = master["start"]["date"].is_string();
    let zone = master["start"]["timeZone"].clone();
    let (original_start, start, end) = match (original, all_day) {
        (OriginalStart::Date(date), true) => {
            let at = date.and_hms_opt(0, 0, 0)?.and_utc();
            if at < first {
                return None;
            }
            let end = (at + duration).date_naive();
            (
                json!({"date": date.format("%Y-%m-%d").to_string()}),
                json!({"date": date.format("%Y-%m-%d").to_string()}),
                json!({"date": end.format("%Y-%m-%d").to_string()}),
            )
        }
        (OriginalStart::At(at), false) => {
            if *at < first {
                return None;
            }
            let time = |t: DateTime<Utc>| {
                let mut v = json!({"dateTime": t.format("%Y-%m-%dT%H:%M:%SZ").to_string()});
                if !zone.is_null() {
                    v["timeZone"] = zone.clone();
                }
                v
            };
            (time(*at), time(*at), time(*at + duration))
        }
        _ => return None,
    };
    let mut instance = master.clone();
    let object = instance.as_object_mut()?;
    object.remove("recurrence");
    object.insert("id".into(), json!(id));
    object.insert("recurringEventId".into(), master["id"].clone());
    object.insert("originalStartTime".into(), original_start);
    object.insert("start".into(), start);
    object.insert("end".into(), end);
    Some(instance)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_ids_name_their_series_and_original_start() {
        let master = json!({
            "id": "abcde", "recurrence": ["RRULE:FREQ=DAILY"], "summary": "s",
            "start": {"dateTime": "2026-01-05T08:00:00Z", "timeZone": "Europe/Berlin"},
            "end": {"dateTime": "2026-01-05T09:00:00Z", "timeZone": "Europe/Berlin"},
        });
        let (id, original) = split_instance_id("abcde_20260107T080000Z").unwrap();
        assert_eq!(id, "abcde");
        let instance = virtual_instance(&master, "abcde_20260107T080000Z", &original).unwrap();
        assert_eq!(instance["recurringEventId"], "abcde");
        assert_eq!(instance["end"]["dateTime"], "2026-01-07T09:00:00Z");
        assert!(instance.get("recurrence").is_none());
        let (_, before) = split_instance_id("abcde_20251231T080000Z").unwrap();
        assert!(virtual_instance(&master, "x", &before).is_none());
        let (_, date) = split_instance_id("abcde_20260107").unwrap();
        assert!(
            virtual_instance(&master, "x", &date).is_none(),
            "kind mismatch"
        );
        assert!(split_instance_id("abcde").is_none());
    }
}
