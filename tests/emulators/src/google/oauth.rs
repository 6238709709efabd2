//! Google's OAuth 2.0 endpoints as calsync uses them: `/o/oauth2/v2/auth` consents at once
//! and redirects with a code; `/token` exchanges it (checking PKCE S256, RFC 7636) and
//! refreshes. Access tokens expire; tests can expire or revoke them all at once.

use super::Shared;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

struct PendingCode {
    client_id: String,
    redirect_uri: String,
    challenge: String,
}

/// Tokens handed out by [`OAuthState::issue`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: TimeDelta,
}

pub struct OAuthState {
    codes: HashMap<String, PendingCode>,
    access: BTreeMap<String, DateTime<Utc>>,
    refresh: BTreeSet<String>,
    pub access_lifetime: TimeDelta,
    counter: u64,
}

impl Default for OAuthState {
    fn default() -> Self {
        Self {
            codes: HashMap::new(),
            access: BTreeMap::new(),
            refresh: BTreeSet::new(),
            access_lifetime: TimeDelta::hours(1),
            counter: 0,
        }
    }
}

impl OAuthState {
    fn next(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}{:08}", self.counter)
    }

    pub fn issue(&mut self, now: DateTime<Utc>) -> IssuedTokens {
        let refresh_token = self.next("1//refresh-");
        self.refresh.insert(refresh_token.clone());
        let access_token = self.new_access(now);
        IssuedTokens {
            access_token,
            refresh_token,
            expires_in: self.access_lifetime,
        }
    }

    fn new_access(&mut self, now: DateTime<Utc>) -> String {
        let token = self.next("ya29.access-");
        self.access
            .insert(token.clone(), now + self.access_lifetime);
        token
    }

    pub fn access_valid(&self, token: &str, now: DateTime<Utc>) -> bool {
        self.access.get(token).is_some_and(|expiry| *expiry > now)
    }

    /// Every access and refresh token handed out and still known (to look for them in clear).
    pub fn known_tokens(&self) -> Vec<String> {
        self.access
            .keys()
            .chain(self.refresh.iter())
            .cloned()
            .collect()
    }

    /// Every access token issued so far stops working (refresh tokens still do).
    pub fn expire_access_tokens(&mut self) {
        self.access.clear();
    }

    pub fn revoke_refresh_tokens(&mut self) {
        self.refresh.clear();
        self.access.clear();
    }
}

fn oauth_error(error: &str, description: &str) -> Response {
    let body = serde_json::json!({"error": error, "error_description": description});
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Auto-consent: 302 to `redirect_uri?code=...&state=...`.
pub async fn authorize(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| query.get(k).cloned().unwrap_or_default();
    if get("response_type") != "code" {
        return oauth_error("unsupported_response_type", "response_type must be code");
    }
    if get("code_challenge_method") != "S256" || get("code_challenge").is_empty() {
        return oauth_error("invalid_request", "PKCE with S256 is required");
    }
    let Ok(mut redirect) = url::Url::parse(&get("redirect_uri")) else {
        return oauth_error("invalid_request", "redirect_uri is missing or invalid");
    };
    let code = {
        let mut state = shared.oauth.lock().unwrap();
        let code = state.next("4/code-");
        state.codes.insert(
            code.clone(),
            PendingCode {
                client_id: get("client_id"),
                redirect_uri: get("redirect_uri"),
                challenge: get("code_challenge"),
            },
        );
        code
    };
    redirect.query_pairs_mut().append_pair("code", &code);
    if let Some(state) = query.get("state") {
        redirect.query_pairs_mut().append_pair("state", state);
    }
    // Google answers 302 Found.
    (StatusCode::FOUND, [("location", redirect.to_string())]).into_response()
}

/// The client id from the form, or from HTTP Basic authentication (RFC 6749 §2.3.1).
fn client_id(headers: &HeaderMap, form: &HashMap<String, String>) -> Option<String> {
    if let Some(id) = form.get("client_id") {
        return Some(id.clone());
    }
    let basic = headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(basic)
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let id = decoded.split(':').next()?;
    url::form_urlencoded::parse(id.as_bytes())
        .next()
        .map(|(k, v)| format!("{k}{v}"))
}

pub async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let now = Utc::now();
    let mut state = shared.oauth.lock().unwrap();
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    match get("grant_type").as_str() {
        "authorization_code" => {
            let Some(pending) = state.codes.remove(&get("code")) else {
                return oauth_error("invalid_grant", "Malformed auth code.");
            };
            if pending.redirect_uri != get("redirect_uri") {
                return oauth_error("redirect_uri_mismatch", "Bad Request");
            }
            if client_id(&headers, &form).as_deref() != Some(pending.client_id.as_str()) {
                return oauth_error("invalid_client", "The OAuth client was not found.");
            }
            if s256(&get("code_verifier")) != pending.challenge {
                return oauth_error("invalid_grant", "Invalid code verifier.");
            }
            let issued = state.issue(now);
            axum::Json(serde_json::json!({
                "access_token": issued.access_token,
                "expires_in": issued.expires_in.num_seconds(),
                "refresh_token": issued.refresh_token,
                "scope": "https://www.googleapis.com/auth/calendar",
                "token_type": "Bearer",
            }))
            .into_response()
        }
        "refresh_token" => {
            if !state.refresh.contains(&get("refresh_token")) {
                return oauth_error("invalid_grant", "Token has been expired or revoked.");
            }
            // Google's refresh answers carry no new refresh token.
            let access = state.new_access(now);
            axum::Json(serde_json::json!({
                "access_token": access,
                "expires_in": state.access_lifetime.num_seconds(),
                "scope": "https://www.googleapis.com/auth/calendar",
                "token_type": "Bearer",
            }))
            .into_response()
        }
        _ => oauth_error("unsupported_grant_type", "Invalid grant_type"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_rfc_7636_appendix_b() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
