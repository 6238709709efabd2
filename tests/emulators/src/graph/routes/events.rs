//! Calendars, events, occurrences and `/instances`.

use super::{error, ok_json, prefer};
use crate::graph::Shared;
use crate::graph::state::EventError;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

pub fn event_error(error_value: EventError) -> Response {
    match error_value {
        EventError::NotFound => error(
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        ),
        EventError::PreconditionFailed => error(
            StatusCode::PRECONDITION_FAILED,
            "ErrorIrresolvableConflict",
            "The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.",
        ),
        EventError::Invalid(message) => {
            error(StatusCode::BAD_REQUEST, "ErrorInvalidRequest", &message)
        }
    }
}

pub async fn calendars(State(shared): State<Arc<Shared>>) -> Response {
    let inner = shared.lock();
    let value: Vec<Value> = inner
        .calendars
        .iter()
        .map(|c| {
            json!({"id": c.id, "name": c.name, "canEdit": c.can_edit, "hexColor": "",
                   "owner": {"name": "Adele Vance", "address": "AdeleV@contoso.example"}})
        })
        .collect();
    ok_json(StatusCode::OK, json!({"value": value}))
}

pub async fn create(
    State(shared): State<Arc<Shared>>,
    Path(calendar): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let Some(body) = body.as_object() else {
        return error(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidRequest",
            "expected an object",
        );
    };
    let created = shared.lock().create_event(&calendar, body);
    match created {
        Ok((id, change)) => {
            shared.publish(change.into_iter().collect());
            let rendered = shared
                .lock()
                .render_event(&id, &prefer(&headers).zone, None);
            ok_json(StatusCode::CREATED, rendered.unwrap_or(Value::Null))
        }
        Err(e) => event_error(e),
    }
}

pub async fn read(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let rendered = shared.lock().render_event(
        &id,
        &prefer(&headers).zone,
        query.get("$expand").map(String::as_str),
    );
    match rendered {
        Some(value) => ok_json(StatusCode::OK, value),
        None => event_error(EventError::NotFound),
    }
}

fn if_match(headers: &HeaderMap) -> Option<String> {
    headers
        .get("if-match")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

pub async fn update(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let Some(patch) = body.as_object() else {
        return error(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidRequest",
            "expected an object",
        );
    };
    let updated = shared
        .lock()
        .update_event(&id, patch, if_match(&headers).as_deref());
    match updated {
        Ok(change) => {
            shared.publish(vec![change]);
            let rendered = shared
                .lock()
                .render_event(&id, &prefer(&headers).zone, None);
            ok_json(StatusCode::OK, rendered.unwrap_or(Value::Null))
        }
        Err(e) => event_error(e),
    }
}

pub async fn delete(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let deleted = shared
        .lock()
        .delete_event(&id, if_match(&headers).as_deref());
    match deleted {
        Ok(change) => {
            shared.publish(vec![change]);
            axum::response::IntoResponse::into_response(StatusCode::NO_CONTENT)
        }
        Err(e) => event_error(e),
    }
}

pub(super) fn query_instant(query: &HashMap<String, String>, name: &str) -> Option<DateTime<Utc>> {
    let value = query.get(name)?;
    DateTime::parse_from_rfc3339(value)
        .map(|at| at.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S")
                .ok()
                .map(|at| at.and_utc())
        })
}

/// `/instances` needs `startDateTime` and `endDateTime`; cancelled occurrences are absent.
pub async fn instances(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let (Some(from), Some(to)) = (
        query_instant(&query, "startDateTime"),
        query_instant(&query, "endDateTime"),
    ) else {
        return error(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidParameter",
            "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
        );
    };
    let zone = prefer(&headers).zone;
    let inner = shared.lock();
    let Some(event) = inner.events.get(&id) else {
        return event_error(EventError::NotFound);
    };
    let value: Vec<Value> = event
        .instances(from, to)
        .iter()
        .map(|i| event.render_instance(i, &zone))
        .collect();
    ok_json(StatusCode::OK, json!({"value": value}))
}
