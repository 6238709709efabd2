//! `events.list / insert / get / update / patch / delete`. Writes notify the calendar's
//! channels.

use crate::google::Shared;
use crate::google::error::ApiError;
use crate::google::listing::{ListQuery, list as list_events};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::Utc;
use serde_json::Value;
use std::sync::Arc;

fn pairs(query: Option<String>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn if_match(headers: &HeaderMap) -> Option<String> {
    headers
        .get("if-match")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn body(bytes: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes).map_err(|_| ApiError::bad_request("Parse Error"))
}

pub async fn list(
    State(shared): State<Arc<Shared>>,
    Path(calendar): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let query = ListQuery::from_pairs(&pairs(query))?;
    let state = shared.state.lock().unwrap();
    list_events(&state, &calendar, &query).map(Json)
}

pub async fn insert(
    State(shared): State<Arc<Shared>>,
    Path(calendar): Path<String>,
    bytes: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let event = shared.insert_event(&calendar, body(&bytes)?)?;
    Ok(Json(event))
}

pub async fn get(
    State(shared): State<Arc<Shared>>,
    Path((calendar, event)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    shared
        .state
        .lock()
        .unwrap()
        .get(&calendar, &event)
        .map(Json)
}

pub async fn update(
    State(shared): State<Arc<Shared>>,
    Path((calendar, event)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let now = Utc::now();
    let body = body(&bytes)?;
    let written = shared.write(&calendar, |state| {
        state.update(&calendar, &event, body, if_match(&headers).as_deref(), now)
    })?;
    Ok(Json(written))
}

pub async fn patch(
    State(shared): State<Arc<Shared>>,
    Path((calendar, event)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let now = Utc::now();
    let body = body(&bytes)?;
    let written = shared.write(&calendar, |state| {
        state.patch(&calendar, &event, body, if_match(&headers).as_deref(), now)
    })?;
    Ok(Json(written))
}

pub async fn delete(
    State(shared): State<Arc<Shared>>,
    Path((calendar, event)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let now = Utc::now();
    shared.write(&calendar, |state| {
        state.delete(&calendar, &event, if_match(&headers).as_deref(), now)
    })?;
    Ok(StatusCode::NO_CONTENT)
}
