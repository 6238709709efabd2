//! The adapter's HTTP client: bearer tokens from the [`TokenKeeper`] (one refresh and one
//! retry after a 401), Graph's statuses and error codes turned into [`ProviderError`]s.
//! Logs carry methods, path shapes and statuses only: never tokens, never event content.

use super::wire::ErrorBody;
use crate::adapters::oauth::TokenKeeper;
use crate::adapters::read_retry::retry_read;
use crate::ports::ProviderError;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use std::time::Duration;

/// Responses larger than this are refused (a broken server must not exhaust memory).
const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// Delta error codes that mean "start over" (event delta docs; Q&A on expired delta tokens).
const RESYNC_CODES: &[&str] = &["syncstatenotfound", "syncstateinvalid", "resyncrequired"];

pub(super) struct GraphClient {
    http: reqwest::Client,
    base: String,
    tokens: TokenKeeper,
}

/// A request: method, URL (absolute, or a path under the API base), extra headers, JSON body.
pub(super) struct Call<'a> {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<&'a serde_json::Value>,
}

impl<'a> Call<'a> {
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Self {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn json(mut self, body: &'a serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Times in UTC and bodies as text: the adapter converts zones itself
    /// (`Prefer: outlook.timezone`, `outlook.body-content-type`).
    pub fn reading_events(self) -> Self {
        self.header(
            "Prefer",
            "outlook.timezone=\"UTC\", outlook.body-content-type=\"text\"",
        )
    }
}

/// A successful answer.
pub(super) struct Reply {
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ProviderError> {
        serde_json::from_slice(&self.body)
            .map_err(|e| ProviderError::Permanent(format!("Graph answered malformed JSON ({e})")))
    }
}

impl GraphClient {
    pub fn new(base: &str, tokens: TokenKeeper, http: reqwest::Client) -> Self {
        Self {
            http,
            base: base.trim_end_matches('/').to_string(),
            tokens,
        }
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}/{}", self.base, path.trim_start_matches('/'))
        }
    }

    /// Sends `call`; a 401 refreshes the token once and sends it once more. Non-2xx answers
    /// come back as errors.
    /// Reads are retried one request at a time (see [`retry_read`]).
    pub async fn send(&self, call: &Call<'_>) -> Result<Reply, ProviderError> {
        retry_read(call.method == Method::GET, || self.send_once_checked(call)).await
    }

    async fn send_once_checked(&self, call: &Call<'_>) -> Result<Reply, ProviderError> {
        let token = self.tokens.bearer().await?;
        let response = self.send_once(call, &token).await?;
        let response = if response.status() == StatusCode::UNAUTHORIZED {
            self.tokens.refresh_after_rejection(&token).await?;
            let renewed = self.tokens.bearer().await?;
            self.send_once(call, &renewed).await?
        } else {
            response
        };
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_body(response).await?;
        tracing::debug!(method = %call.method, path = path_shape(&call.url), status = status.as_u16(), "graph");
        if status.is_success() {
            return Ok(Reply { body });
        }
        Err(error_for(&call.method, status, &headers, &body))
    }

    async fn send_once(
        &self,
        call: &Call<'_>,
        token: &str,
    ) -> Result<reqwest::Response, ProviderError> {
        let mut request = self
            .http
            .request(call.method.clone(), self.url(&call.url))
            .bearer_auth(token)
            .header("Accept", "application/json");
        for (name, value) in &call.headers {
            request = request.header(*name, value);
        }
        if let Some(body) = call.body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_string());
        }
        request.send().await.map_err(transport_error)
    }
}

async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, ProviderError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(ProviderError::Permanent(
                "Graph answered more than the adapter reads".into(),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// reqwest errors carry the URL (which may carry delta tokens): keep only the kind.
fn transport_error(error: reqwest::Error) -> ProviderError {
    if error.is_timeout() {
        ProviderError::Transient("Graph request timed out".into())
    } else if error.is_connect() {
        ProviderError::Transient("cannot connect to Graph".into())
    } else {
        ProviderError::Transient("Graph request failed".into())
    }
}

/// The path without ids or query, for logs: `/me/events/{id}` shapes only.
fn path_shape(url: &str) -> String {
    let path = url.split('?').next().unwrap_or_default();
    let path = path.split("/v1.0").last().unwrap_or(path);
    path.split('/')
        .map(|segment| {
            if segment.len() > 24 || segment.chars().any(|c| c.is_ascii_digit()) {
                "{id}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

pub(super) fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get("retry-after")
        .and_then(|value: &HeaderValue| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

pub(super) fn error_for(
    method: &Method,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> ProviderError {
    let code = serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .and_then(|e| e.error.code)
        .unwrap_or_default();
    if status == StatusCode::GONE || RESYNC_CODES.contains(&code.to_ascii_lowercase().as_str()) {
        return ProviderError::Gone;
    }
    let retry_after = parse_retry_after(headers);
    match status.as_u16() {
        401 => ProviderError::Auth(format!(
            "Graph refused the access token after a refresh ({code})"
        )),
        404 => ProviderError::NotFound,
        412 => ProviderError::PreconditionFailed,
        429 => ProviderError::RateLimited { retry_after },
        503 if retry_after.is_some() => ProviderError::RateLimited { retry_after },
        408 | 500..=599 => ProviderError::Transient(format!(
            "Graph answered {} to {method} ({code})",
            status.as_u16()
        )),
        _ => ProviderError::Permanent(format!(
            "Graph refused {method}: {} {code}",
            status.as_u16()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(status: u16, retry_after: Option<&str>, body: &str) -> ProviderError {
        let mut headers = HeaderMap::new();
        if let Some(value) = retry_after {
            headers.insert("retry-after", HeaderValue::from_str(value).unwrap());
        }
        error_for(
            &Method::GET,
            StatusCode::from_u16(status).unwrap(),
            &headers,
            body.as_bytes(),
        )
    }

    #[test]
    fn statuses_map_to_what_the_caller_must_do() {
        assert!(matches!(error(410, None, ""), ProviderError::Gone));
        assert!(matches!(
            error(400, None, r#"{"error":{"code":"SyncStateNotFound"}}"#),
            ProviderError::Gone
        ));
        assert!(matches!(
            error(400, None, r#"{"error":{"code":"resyncRequired"}}"#),
            ProviderError::Gone
        ));
        assert!(matches!(
            error(412, None, ""),
            ProviderError::PreconditionFailed
        ));
        assert!(matches!(error(404, None, ""), ProviderError::NotFound));
        assert!(matches!(
            error(429, Some("7"), ""),
            ProviderError::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(7)
        ));
        assert!(matches!(
            error(503, Some("3"), ""),
            ProviderError::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(3)
        ));
        assert!(matches!(error(503, None, ""), ProviderError::Transient(_)));
        assert!(matches!(error(502, None, ""), ProviderError::Transient(_)));
        let ProviderError::Permanent(message) = error(
            400,
            None,
            r#"{"error":{"code":"ErrorInvalidRequest","message":"secret"}}"#,
        ) else {
            panic!("400 is permanent");
        };
        assert!(message.contains("ErrorInvalidRequest"));
        assert!(!message.contains("secret"), "messages are not echoed");
    }

    #[test]
    fn logged_paths_hide_ids_and_tokens() {
        assert_eq!(
            path_shape("http://h/v1.0/me/events/AAMkAGI2TG93AAA=?$expand=x"),
            "/me/events/{id}"
        );
    }
}
