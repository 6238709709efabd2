//! What Google accepts in an event body, and how `events.patch` merges one into an event.

use super::error::ApiError;
use serde_json::Value;

/// Recursive merge for `events.patch`.
pub fn merge(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    target.remove(&key);
                } else if value.is_object() && target.get(&key).is_some_and(Value::is_object) {
                    if let Some(slot) = target.get_mut(&key) {
                        merge(slot, value);
                    }
                } else {
                    target.insert(key, value);
                }
            }
        }
        (target, patch) => *target = patch,
    }
}

/// What Google refuses in an event body.
pub fn validate(event: &Value) -> Result<(), ApiError> {
    for field in ["start", "end"] {
        let time = &event[field];
        if !(time["date"].is_string() || time["dateTime"].is_string()) {
            return Err(ApiError::new(400, "required", "Missing time"));
        }
        if super::instances::instant(time).is_none() {
            return Err(ApiError::new(
                400,
                "invalid",
                format!("Invalid {field} time."),
            ));
        }
    }
    if let Some(lines) = event["recurrence"].as_array() {
        if !lines.is_empty()
            && event["start"]["dateTime"].is_string()
            && !event["start"]["timeZone"].is_string()
        {
            return Err(ApiError::new(
                400,
                "invalid",
                "Missing time zone definition for start time.",
            ));
        }
        let known = ["RRULE", "EXRULE", "RDATE", "EXDATE"];
        let bad = lines.iter().any(|line| {
            let line = line.as_str().unwrap_or_default();
            !known
                .iter()
                .any(|k| line.starts_with(&format!("{k}:")) || line.starts_with(&format!("{k};")))
        });
        if bad {
            return Err(ApiError::new(400, "invalid", "Invalid recurrence rule."));
        }
    }
    // Extended properties guide: keys up to 44 characters, values up to 1024.
    for scope in ["private", "shared"] {
        if let Some(props) = event["extendedProperties"][scope].as_object() {
            let bad = props
                .iter()
                .any(|(k, v)| k.len() > 44 || v.as_str().is_none_or(|v| v.len() > 1024));
            if bad {
                return Err(ApiError::new(400, "invalid", "Invalid extended property."));
            }
        }
    }
    Ok(())
}
