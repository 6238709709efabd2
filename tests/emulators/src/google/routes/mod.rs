//! The HTTP surface: Calendar API v3 routes behind a bearer-token check, the OAuth routes,
//! "lost" answers, and the common faults and request log around everything.

mod calendars;
mod channels;
mod events;

use super::error::ApiError;
use super::{Shared, oauth};
use crate::common::apply_faults_and_log;
use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use std::sync::Arc;

pub fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route("/calendar/v3/users/me/calendarList", get(calendars::list))
        .route(
            "/calendar/v3/calendars/{calendar}/events",
            get(events::list).post(events::insert),
        )
        .route(
            "/calendar/v3/calendars/{calendar}/events/watch",
            post(channels::watch),
        )
        .route(
            "/calendar/v3/calendars/{calendar}/events/{event}",
            get(events::get)
                .put(events::update)
                .patch(events::patch)
                .delete(events::delete),
        )
        .route("/calendar/v3/channels/stop", post(channels::stop))
        .route_layer(from_fn_with_state(shared.clone(), require_bearer));
    let instruments = (shared.faults.clone(), shared.log.clone());
    Router::new()
        .merge(api)
        .route("/o/oauth2/v2/auth", get(oauth::authorize))
        .route("/token", post(oauth::token))
        .layer(from_fn_with_state(shared.clone(), lose_answers))
        .layer(from_fn_with_state(instruments, apply_faults_and_log))
        .with_state(shared)
}

/// Every API call needs a live access token from `/token`.
async fn require_bearer(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let token = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let valid = token.is_some_and(|t| shared.oauth.lock().unwrap().access_valid(&t, Utc::now()));
    if !valid {
        return ApiError::new(
            401,
            "authError",
            "Request had invalid authentication credentials.",
        )
        .into_response();
    }
    next.run(request).await
}

/// A request matching a "lose" rule is served, then answered 503 as if the answer never
/// reached the client (a gateway timeout after the write happened).
async fn lose_answers(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_string();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let lose = {
        let mut rules = shared.lost_answers.lock().unwrap();
        match rules
            .iter()
            .position(|(m, p)| *m == method && path.contains(p.as_str()))
        {
            Some(index) if response.status().is_success() => {
                rules.remove(index);
                true
            }
            _ => false,
        }
    };
    if lose {
        return ApiError::new(503, "backendError", "The answer was lost on its way back.")
            .into_response();
    }
    response
}
