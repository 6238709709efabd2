//! `events.watch` and `channels.stop`.

use crate::google::Shared;
use crate::google::error::ApiError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use serde_json::Value;
use std::sync::Arc;

pub async fn watch(
    State(shared): State<Arc<Shared>>,
    Path(calendar): Path<String>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    shared.state.lock().unwrap().calendar(&calendar)?;
    let uri = format!(
        "{}/calendar/v3/calendars/{calendar}/events?alt=json",
        shared.base_url()
    );
    let (answer, sync) =
        shared
            .channels
            .lock()
            .unwrap()
            .watch(&calendar, &body, uri, Utc::now())?;
    shared.notifier.send(sync);
    Ok(Json(answer))
}

pub async fn stop(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<Value>,
) -> Result<StatusCode, ApiError> {
    shared.channels.lock().unwrap().stop(&body)?;
    Ok(StatusCode::NO_CONTENT)
}
