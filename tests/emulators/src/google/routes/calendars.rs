//! `calendarList.list`, paginated.

use crate::google::Shared;
use crate::google::error::ApiError;
use axum::Json;
use axum::extract::{Query, State};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

pub async fn list(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let state = shared.state.lock().unwrap();
    let start = match query.get("pageToken") {
        Some(token) => token
            .strip_prefix('c')
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| ApiError::new(400, "invalid", "Invalid page token."))?,
        None => 0,
    };
    let asked = query
        .get("maxResults")
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(100);
    let limit = asked.clamp(1, 250).min(state.page_size.max(1));
    let items: Vec<Value> = state
        .calendars
        .values()
        .skip(start)
        .take(limit)
        .map(|c| {
            json!({
                "kind": "calendar#calendarListEntry",
                "etag": format!("\"c{}\"", c.generation),
                "id": c.id,
                "summary": c.summary,
                "timeZone": c.time_zone,
                "accessRole": c.access_role,
                "backgroundColor": "#9fe1e7",
            })
        })
        .collect();
    let mut answer = json!({"kind": "calendar#calendarList", "etag": "\"list\"", "items": items});
    if start + limit < state.calendars.len() {
        answer["nextPageToken"] = json!(format!("c{}", start + limit));
    } else {
        answer["nextSyncToken"] = json!("calendars");
    }
    Ok(Json(answer))
}
