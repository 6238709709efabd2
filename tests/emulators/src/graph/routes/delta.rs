//! `GET /me/calendars/{id}/calendarView/delta`: a new round with startDateTime/endDateTime,
//! the next page with `$skiptoken`, the next round with `$deltatoken`. Unknown or expired
//! tokens: 410 Gone, `SyncStateNotFound`.

use super::events::query_instant;
use super::{error, ok_json, origin, prefer};
use crate::graph::Shared;
use crate::graph::delta;
use crate::graph::state::DeltaToken;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use std::collections::HashMap;
use std::sync::Arc;

fn gone() -> Response {
    error(
        StatusCode::GONE,
        "SyncStateNotFound",
        "The sync state generation is not found. Please restart the sync.",
    )
}

pub async fn delta(
    State(shared): State<Arc<Shared>>,
    Path(calendar): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let link_base = format!(
        "{}/v1.0/me/calendars/{calendar}/calendarView/delta",
        origin(&headers)
    );
    let asked = prefer(&headers).max_page_size;
    let mut inner = shared.lock();
    let configured = inner.page_size;
    inner.page_size = asked.map_or(configured, |n| n.min(configured));
    let page = if let Some(skip) = query.get("$skiptoken") {
        inner
            .pages
            .remove(skip)
            .map(|(items, delta_token)| delta::page(&mut inner, items, delta_token, &link_base))
    } else if let Some(token) = query.get("$deltatoken") {
        match inner.delta_tokens.get(token).cloned() {
            Some(token) => {
                let items = delta::since(&inner, &token);
                let next = DeltaToken {
                    seq: inner.seq,
                    ..token
                };
                Some(delta::first_page(&mut inner, items, next, &link_base))
            }
            None => None,
        }
    } else {
        let (Some(from), Some(to)) = (
            query_instant(&query, "startDateTime"),
            query_instant(&query, "endDateTime"),
        ) else {
            inner.page_size = configured;
            return error(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidParameter",
                "calendarView delta requires startDateTime and endDateTime.",
            );
        };
        if inner.calendar(&calendar).is_none() {
            inner.page_size = configured;
            return error(
                StatusCode::NOT_FOUND,
                "ErrorItemNotFound",
                "calendar not found",
            );
        }
        let items = delta::initial(&inner, &calendar, (from, to));
        let next = DeltaToken {
            calendar: calendar.clone(),
            window: (from, to),
            seq: inner.seq,
        };
        Some(delta::first_page(&mut inner, items, next, &link_base))
    };
    inner.page_size = configured;
    match page {
        Some(page) => ok_json(StatusCode::OK, page),
        None => gone(),
    }
}
