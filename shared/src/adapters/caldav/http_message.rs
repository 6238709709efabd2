//! HTTP requests and replies of the adapter, and what a reply's status means as a
//! [`ProviderError`]. Errors name methods, URL paths and status codes only: never response
//! bodies (they may hold event data).

use super::multistatus;
use crate::ports::ProviderError;
use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use std::time::Duration;
use url::Url;

/// A Retry-After further away than this is read as this (a day).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);
const XML_CONTENT_TYPE: &str = "application/xml; charset=utf-8";
const ICALENDAR_CONTENT_TYPE: &str = "text/calendar; charset=utf-8";

pub(super) fn propfind_method() -> Method {
    // A fixed, valid token: this cannot fail.
    Method::from_bytes(b"PROPFIND").unwrap_or(Method::GET)
}

pub(super) fn report_method() -> Method {
    Method::from_bytes(b"REPORT").unwrap_or(Method::GET)
}

/// A conditional request header (RFC 7232).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Condition {
    None,
    /// `If-None-Match: *`: create only.
    IfNoneMatchAny,
    /// `If-Match: <etag>`: change only this version.
    IfMatch(String),
}

#[derive(Debug, Clone)]
pub(super) struct HttpRequest {
    pub method: Method,
    pub url: Url,
    pub depth: Option<&'static str>,
    pub body: Option<(&'static str, Vec<u8>)>,
    pub condition: Condition,
}

impl HttpRequest {
    pub fn propfind(url: Url, depth: &'static str, xml: String) -> Self {
        Self::xml(propfind_method(), url, Some(depth), xml)
    }

    pub fn report(url: Url, depth: Option<&'static str>, xml: String) -> Self {
        Self::xml(report_method(), url, depth, xml)
    }

    fn xml(method: Method, url: Url, depth: Option<&'static str>, xml: String) -> Self {
        Self {
            method,
            url,
            depth,
            body: Some((XML_CONTENT_TYPE, xml.into_bytes())),
            condition: Condition::None,
        }
    }

    pub fn get(url: Url) -> Self {
        Self {
            method: Method::GET,
            url,
            depth: None,
            body: None,
            condition: Condition::None,
        }
    }

    pub fn put_calendar(url: Url, ics: String, condition: Condition) -> Self {
        Self {
            method: Method::PUT,
            url,
            depth: None,
            body: Some((ICALENDAR_CONTENT_TYPE, ics.into_bytes())),
            condition,
        }
    }

    pub fn delete(url: Url, condition: Condition) -> Self {
        Self {
            method: Method::DELETE,
            url,
            depth: None,
            body: None,
            condition,
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct HttpReply {
    pub method: Method,
    /// The URL that answered, after redirects: relative hrefs resolve against it.
    pub url: Url,
    pub status: StatusCode,
    pub etag: Option<String>,
    pub retry_after: Option<Duration>,
    /// The server's `Date` header in Unix seconds: the server's own clock, which the
    /// `getlastmodified` gate compares with the server's own timestamps.
    pub date: Option<i64>,
    pub body: Vec<u8>,
}

impl HttpReply {
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// The reply if it is a 2xx, else the error its status means.
    pub fn success(self) -> Result<Self, ProviderError> {
        if self.is_success() {
            Ok(self)
        } else {
            Err(self.error())
        }
    }

    /// What a non-2xx status means for the caller. Quirks that need a different reading
    /// (a 403 to a REPORT on sabre/dav 1.8, an invalid sync-token) are handled before this.
    pub fn error(&self) -> ProviderError {
        let what = format!("{} {}", self.method, self.url.path());
        let host = self.url.host_str().unwrap_or("the server");
        let conditions = self.conditions();
        match self.status.as_u16() {
            401 => ProviderError::Auth(format!("{host} refused the credentials ({what})")),
            // Refused access while reading is an account problem (credentials or sharing);
            // a refused write is a fact about that calendar.
            403 if self.method == propfind_method() => ProviderError::Auth(format!(
                "{host} denied access: {what}: 403 Forbidden{conditions}"
            )),
            404 | 410 => ProviderError::NotFound,
            412 => ProviderError::PreconditionFailed,
            429 => ProviderError::RateLimited {
                retry_after: self.retry_after,
            },
            503 if self.retry_after.is_some() => ProviderError::RateLimited {
                retry_after: self.retry_after,
            },
            // 423 Locked (RFC 4918 §11.3) without our having taken a lock: Xandikos answers it
            // to a write while another write holds the collection's git index lock.
            408 | 423 | 500..=599 => ProviderError::Transient(format!("{what}: {}", self.status)),
            _ => ProviderError::Permanent(format!("{what}: {}{conditions}", self.status)),
        }
    }

    /// ` (valid-calendar-data, ...)`: the names of the conditions in a DAV:error body.
    fn conditions(&self) -> String {
        let names: Vec<String> = multistatus::error_conditions(&self.body)
            .into_iter()
            // sabre/dav's own exception/message elements are not conditions.
            .filter(|(ns, _)| ns != "http://sabredav.org/ns")
            .map(|(_, name)| name)
            .collect();
        if names.is_empty() {
            String::new()
        } else {
            format!(" ({})", names.join(", "))
        }
    }
}

/// ETags are compared byte for byte, except that a weak `W/` prefix is dropped everywhere
/// (PROPFIND, REPORT and PUT replies alike): If-Match compares strongly (RFC 7232 §3.1), so
/// a weak tag sent back would never match, and a proxy that weakens tags on one path but
/// not another must not make every item look changed.
pub(super) fn normalise_etag(raw: &str) -> String {
    let trimmed = raw.trim();
    trimmed
        .strip_prefix("W/")
        .or_else(|| trimmed.strip_prefix("w/"))
        .unwrap_or(trimmed)
        .to_string()
}

/// An HTTP date (RFC 9110 §5.6.7, `Sun, 06 Nov 1994 08:49:37 GMT`) in Unix seconds; the
/// obsolete RFC 850 and asctime forms are not read (no server this talks to sends them).
pub(super) fn parse_http_date(value: &str) -> Option<i64> {
    DateTime::parse_from_rfc2822(value.trim())
        .ok()
        .map(|at| at.timestamp())
}

/// `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3).
pub(super) fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    let wait = if let Ok(seconds) = value.parse::<u64>() {
        Duration::from_secs(seconds)
    } else {
        let at = DateTime::parse_from_rfc2822(value)
            .ok()?
            .with_timezone(&Utc);
        (at - now).to_std().unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(method: Method, status: u16, body: &str) -> HttpReply {
        HttpReply {
            method,
            url: Url::parse("http://dav.example/alice/cal/x.ics").unwrap(),
            status: StatusCode::from_u16(status).unwrap(),
            etag: None,
            retry_after: None,
            date: None,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn statuses_map_to_provider_errors() {
        let put = Method::PUT;
        assert!(matches!(
            reply(put.clone(), 401, "").error(),
            ProviderError::Auth(_)
        ));
        assert!(matches!(
            reply(propfind_method(), 403, "").error(),
            ProviderError::Auth(_)
        ));
        assert!(matches!(
            reply(put.clone(), 403, "").error(),
            ProviderError::Permanent(_)
        ));
        assert!(matches!(
            reply(put.clone(), 404, "").error(),
            ProviderError::NotFound
        ));
        assert!(matches!(
            reply(put.clone(), 412, "").error(),
            ProviderError::PreconditionFailed
        ));
        assert!(matches!(
            reply(put.clone(), 429, "").error(),
            ProviderError::RateLimited { retry_after: None }
        ));
        assert!(matches!(
            reply(put.clone(), 503, "").error(),
            ProviderError::Transient(_)
        ));
        assert!(matches!(
            reply(put.clone(), 502, "").error(),
            ProviderError::Transient(_)
        ));
        assert!(matches!(
            reply(put.clone(), 423, "").error(),
            ProviderError::Transient(_)
        ));
        let mut throttled = reply(put.clone(), 503, "");
        throttled.retry_after = Some(Duration::from_secs(7));
        assert!(matches!(
            throttled.error(),
            ProviderError::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(7)
        ));
    }

    #[test]
    fn permanent_errors_name_method_path_status_and_conditions_but_not_the_body() {
        let body = r#"<d:error xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:s="http://sabredav.org/ns"><c:valid-calendar-data/><s:message>SUMMARY:secret meeting</s:message></d:error>"#;
        let ProviderError::Permanent(message) = reply(Method::PUT, 400, body).error() else {
            panic!("expected a permanent error");
        };
        assert_eq!(
            message,
            "PUT /alice/cal/x.ics: 400 Bad Request (valid-calendar-data)"
        );
    }

    #[test]
    fn weak_etags_are_normalised_the_same_everywhere() {
        assert_eq!(normalise_etag("W/\"abc\""), "\"abc\"");
        assert_eq!(normalise_etag(" \"abc\" "), "\"abc\"");
        assert_eq!(normalise_etag("abc"), "abc");
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_and_is_capped() {
        let now = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 2026 00:01:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Wed, 31 Dec 2025 00:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("99999999", now), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
