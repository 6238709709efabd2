//! `/{tenant}/oauth2/v2.0/authorize` and `/token`.

use super::ok_json;
use crate::graph::Shared;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

fn oauth_error(code: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [("content-type", "application/json")],
        json!({"error": code, "error_description": format!("AADSTS: {code}")}).to_string(),
    )
        .into_response()
}

/// The user consents at once: back to `redirect_uri` with a code and the state.
pub async fn authorize(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (Some(redirect_uri), Some(challenge)) =
        (query.get("redirect_uri"), query.get("code_challenge"))
    else {
        return oauth_error("invalid_request");
    };
    if query.get("code_challenge_method").map(String::as_str) != Some("S256")
        || query.get("response_type").map(String::as_str) != Some("code")
        || !query.contains_key("client_id")
    {
        return oauth_error("invalid_request");
    }
    let code = shared.lock().oauth.grant_code(challenge, redirect_uri);
    let mut target = match url::Url::parse(redirect_uri) {
        Ok(url) => url,
        Err(_) => return oauth_error("invalid_request"),
    };
    target.query_pairs_mut().append_pair("code", &code);
    if let Some(state) = query.get("state") {
        target.query_pairs_mut().append_pair("state", state);
    }
    Redirect::to(target.as_str()).into_response()
}

pub async fn token(
    State(shared): State<Arc<Shared>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let mut inner = shared.lock();
    let issued = match field("grant_type") {
        "authorization_code" => inner
            .oauth
            .redeem(field("code"), field("code_verifier"), field("redirect_uri"))
            .map(|()| inner.oauth.issue()),
        "refresh_token" => inner.oauth.refresh(field("refresh_token")),
        _ => Err("unsupported_grant_type"),
    };
    match issued {
        Ok((access, refresh)) => ok_json(
            StatusCode::OK,
            json!({
                "token_type": "Bearer",
                "scope": "offline_access User.Read Calendars.ReadWrite",
                "expires_in": 3599,
                "access_token": access,
                "refresh_token": refresh,
            }),
        ),
        Err(code) => oauth_error(code),
    }
}
