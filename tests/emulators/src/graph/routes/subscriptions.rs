//! `/subscriptions`: create (after the validation handshake), read, renew (PATCH), delete.

use super::{error, ok_json};
use crate::graph::Shared;
use crate::graph::subscriptions::{MAX_LIFETIME, StoredSubscription, validate};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::sync::Arc;

fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        "The object was not found.",
    )
}

/// The requested expiry, if Graph would accept it (4,230 minutes at most for events).
fn expiry(body: &Value) -> Result<DateTime<Utc>, &'static str> {
    let at = body["expirationDateTime"]
        .as_str()
        .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
        .map(|at| at.with_timezone(&Utc))
        .ok_or("expirationDateTime is required")?;
    let now = Utc::now();
    if at <= now || at > now + MAX_LIFETIME {
        return Err("Subscription expiration can only be 4230 minutes in the future.");
    }
    Ok(at)
}

pub async fn create(State(shared): State<Arc<Shared>>, Json(body): Json<Value>) -> Response {
    let expires_at = match expiry(&body) {
        Ok(at) => at,
        Err(message) => return error(StatusCode::BAD_REQUEST, "InvalidRequest", message),
    };
    let text = |name: &str| body[name].as_str().map(str::to_string);
    let (Some(notification_url), Some(resource), Some(change_type)) = (
        text("notificationUrl"),
        text("resource"),
        text("changeType"),
    ) else {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            "notificationUrl, resource and changeType are required",
        );
    };
    if text("clientState").is_some_and(|s| s.len() > 128) {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            "clientState is too long",
        );
    }
    let lifecycle_url = text("lifecycleNotificationUrl");
    for url in std::iter::once(&notification_url).chain(lifecycle_url.as_ref()) {
        if !validate(&shared.notifier, url).await {
            return error(
                StatusCode::BAD_REQUEST,
                "InvalidRequest",
                "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.",
            );
        }
    }
    let mut inner = shared.lock();
    let subscription = StoredSubscription {
        id: inner.new_id("sub-"),
        resource,
        change_type,
        notification_url,
        lifecycle_url,
        client_state: text("clientState"),
        expires_at,
    };
    inner
        .subscriptions
        .insert(subscription.id.clone(), subscription.clone());
    ok_json(StatusCode::CREATED, subscription.render())
}

pub async fn read(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    match shared.lock().subscriptions.get(&id) {
        Some(subscription) => ok_json(StatusCode::OK, subscription.render()),
        None => not_found(),
    }
}

pub async fn renew(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let expires_at = match expiry(&body) {
        Ok(at) => at,
        Err(message) => return error(StatusCode::BAD_REQUEST, "InvalidRequest", message),
    };
    let mut inner = shared.lock();
    match inner.subscriptions.get_mut(&id) {
        Some(subscription) => {
            subscription.expires_at = expires_at;
            ok_json(StatusCode::OK, subscription.render())
        }
        None => not_found(),
    }
}

pub async fn delete(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    match shared.lock().subscriptions.remove(&id) {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => not_found(),
    }
}
