//! The HTTP surface: Graph v1.0 under `/v1.0` (bearer tokens checked), the identity
//! platform under `/{tenant}/oauth2/v2.0`.

mod delta;
mod events;
mod oauth;
mod subscriptions;

use super::Shared;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use std::sync::Arc;

pub fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route("/me/calendars", get(events::calendars))
        .route("/me/calendars/{calendar}/events", post(events::create))
        .route(
            "/me/events/{id}",
            get(events::read)
                .patch(events::update)
                .delete(events::delete),
        )
        .route("/me/events/{id}/instances", get(events::instances))
        .route(
            "/me/calendars/{calendar}/calendarView/delta",
            get(delta::delta),
        )
        .route("/subscriptions", post(subscriptions::create))
        .route(
            "/subscriptions/{id}",
            get(subscriptions::read)
                .patch(subscriptions::renew)
                .delete(subscriptions::delete),
        )
        .layer(axum::middleware::from_fn_with_state(shared.clone(), bearer));
    Router::new()
        .nest("/v1.0", api)
        .route("/{tenant}/oauth2/v2.0/authorize", get(oauth::authorize))
        .route("/{tenant}/oauth2/v2.0/token", post(oauth::token))
        .with_state(shared.clone())
        .layer(axum::middleware::from_fn_with_state(
            (shared.faults.clone(), shared.log.clone()),
            crate::common::apply_faults_and_log,
        ))
}

pub fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        [("content-type", "application/json")],
        json!({"error": {"code": code, "message": message}}).to_string(),
    )
        .into_response()
}

pub fn ok_json(status: StatusCode, value: serde_json::Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        value.to_string(),
    )
        .into_response()
}

/// Graph rejects missing, unknown and expired tokens with 401 InvalidAuthenticationToken.
async fn bearer(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let token = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let valid = token.is_some_and(|t| shared.lock().oauth.access_tokens.contains(&t));
    if !valid {
        return error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Access token has expired or is not yet valid.",
        );
    }
    next.run(request).await
}

/// `Prefer` preferences: the zone times are returned in (`outlook.timezone`, UTC by default)
/// and the page size asked for (`odata.maxpagesize`).
pub struct Prefer {
    pub zone: String,
    pub max_page_size: Option<usize>,
}

pub fn prefer(headers: &HeaderMap) -> Prefer {
    let mut prefer = Prefer {
        zone: "UTC".into(),
        max_page_size: None,
    };
    for value in headers.get_all("prefer") {
        let Ok(value) = value.to_str() else { continue };
        for part in value.split(',') {
            let Some((name, arg)) = part.trim().split_once('=') else {
                continue;
            };
            let arg = arg.trim().trim_matches('"');
            match name.trim() {
                "outlook.timezone" if super::zones::zone(arg).is_some() => {
                    prefer.zone = arg.to_string();
                }
                "odata.maxpagesize" => prefer.max_page_size = arg.parse().ok(),
                _ => {}
            }
        }
    }
    prefer
}

/// `http://host` of the request, for absolute nextLink / deltaLink URLs.
pub fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}
