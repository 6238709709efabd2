//! The API's requests and responses, independent of Lambda: the function adapts API
//! Gateway events to [`ApiRequest`] and [`ApiResponse`] back, and tests build them directly.

use crate::usecases::request_parts;
use serde::Serialize;

/// Larger request bodies are refused (413) before they are parsed: every request the API
/// takes is a small JSON document.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Default)]
pub struct ApiRequest {
    /// Upper-case (`GET`, `POST`, ...).
    pub method: String,
    /// The request path; a stage or base-path prefix before `/api/` or `/oauth/` is ignored.
    pub path: String,
    pub query: Option<String>,
    /// Header names are matched case-insensitively.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// API Gateway's request id, for the logs.
    pub request_id: Option<String>,
}

impl ApiRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        request_parts::header(&self.headers, name)
    }

    /// A query parameter, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        request_parts::query_param(self.query.as_deref(), name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResponse {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    pub headers: Vec<(&'static str, String)>,
    /// The route template that served it (`GET /api/links/{id}`), or `unmatched`: a
    /// metric dimension of bounded cardinality, never the raw path.
    pub route: &'static str,
}

impl ApiResponse {
    pub fn json<T: Serialize>(status: u16, value: &T) -> Self {
        match serde_json::to_string(value) {
            Ok(body) => Self::raw(status, "application/json", body),
            Err(_) => Self::raw(
                500,
                "application/json",
                r#"{"error":"internal error"}"#.to_string(),
            ),
        }
    }

    pub fn no_content() -> Self {
        Self::raw(204, "application/json", String::new())
    }

    pub fn html(status: u16, body: String) -> Self {
        Self::raw(status, "text/html; charset=utf-8", body)
    }

    fn raw(status: u16, content_type: &'static str, body: String) -> Self {
        Self {
            status,
            content_type,
            body,
            // Answers carry account data or one-time secrets: no cache may keep them.
            headers: vec![("cache-control", "no-store".to_string())],
            route: "unmatched",
        }
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `2xx`, `4xx`, ...: the metric dimension of outcomes.
    pub fn status_class(&self) -> &'static str {
        match self.status {
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        }
    }
}
