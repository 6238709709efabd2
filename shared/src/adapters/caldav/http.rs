//! The HTTP side of the adapter: one reqwest client per account, preemptive Basic auth,
//! redirects followed by hand, bounded response bodies, and HTTP results mapped to
//! [`ProviderError`]. Errors and logs carry methods, URL paths and status codes only: never
//! passwords, never response bodies (they may hold event data).

use super::multistatus;
use crate::ports::ProviderError;
use chrono::{DateTime, Utc};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use url::Url;
use zeroize::Zeroizing;

/// Approves every URL before a request is sent to it, redirect targets included: the hook
/// for an SSRF guard in multi-tenant deployments.
pub trait UrlPolicy: Send + Sync + fmt::Debug {
    /// `Err(reason)` refuses the request.
    fn approve(&self, url: &Url) -> Result<(), String>;
}

/// The default policy: every URL may be reached.
#[derive(Debug, Default, Clone, Copy)]
pub struct AllowAllUrls;

impl UrlPolicy for AllowAllUrls {
    fn approve(&self, _url: &Url) -> Result<(), String> {
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub struct CaldavOptions {
    pub url_policy: Arc<dyn UrlPolicy>,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Larger response bodies are refused (a hostile or broken server must not exhaust memory).
    pub max_response_bytes: usize,
}

impl Default for CaldavOptions {
    fn default() -> Self {
        Self {
            url_policy: Arc::new(AllowAllUrls),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_response_bytes: 64 * 1024 * 1024,
        }
    }
}

const MAX_REDIRECTS: usize = 5;
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
            408 | 500..=599 => ProviderError::Transient(format!("{what}: {}", self.status)),
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

pub(super) struct DavClient {
    client: reqwest::Client,
    username: String,
    password: Zeroizing<String>,
    options: CaldavOptions,
}

impl fmt::Debug for DavClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DavClient")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl DavClient {
    pub fn new(
        username: &str,
        password: Zeroizing<String>,
        options: CaldavOptions,
    ) -> Result<Self, ProviderError> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("calsync/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            // Followed by hand: reqwest would turn a redirected PROPFIND into a GET.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ProviderError::Permanent(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            client,
            username: username.to_string(),
            password,
            options,
        })
    }

    pub fn approve(&self, url: &Url) -> Result<(), ProviderError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ProviderError::Permanent(format!(
                "unsupported URL scheme {:?}",
                url.scheme()
            )));
        }
        self.options.url_policy.approve(url).map_err(|reason| {
            ProviderError::Permanent(format!(
                "{} refused by the URL policy: {reason}",
                url.host_str().unwrap_or("URL")
            ))
        })
    }

    /// Sends the request, following up to five redirects with the same method and body.
    /// Any status comes back as a reply; only transport failures are errors here.
    pub async fn send(&self, request: HttpRequest) -> Result<HttpReply, ProviderError> {
        let mut url = request.url.clone();
        for _ in 0..=MAX_REDIRECTS {
            self.approve(&url)?;
            let response = self.send_once(&request, &url).await?;
            let status = response.status();
            if matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
                url = redirect_target(&request.method, &url, response.headers())?;
                continue;
            }
            let reply = self.read_reply(&request.method, url, response).await?;
            tracing::debug!(
                method = %reply.method,
                path = reply.url.path(),
                status = reply.status.as_u16(),
                bytes = reply.body.len(),
                "caldav request"
            );
            return Ok(reply);
        }
        Err(ProviderError::Permanent(format!(
            "{} {}: more than {MAX_REDIRECTS} redirects",
            request.method,
            request.url.path()
        )))
    }

    async fn send_once(
        &self,
        request: &HttpRequest,
        url: &Url,
    ) -> Result<reqwest::Response, ProviderError> {
        let mut builder = self
            .client
            .request(request.method.clone(), url.clone())
            // Preemptive: saves the 401 round trip servers would otherwise ask for.
            .basic_auth(&self.username, Some(self.password.as_str()));
        if let Some(depth) = request.depth {
            builder = builder.header("Depth", depth);
        }
        match &request.condition {
            Condition::None => {}
            Condition::IfNoneMatchAny => builder = builder.header(header::IF_NONE_MATCH, "*"),
            Condition::IfMatch(etag) => {
                builder = builder.header(header::IF_MATCH, if_match_value(etag)?);
            }
        }
        if let Some((content_type, body)) = &request.body {
            builder = builder
                .header(header::CONTENT_TYPE, *content_type)
                .body(body.clone());
        }
        builder
            .send()
            .await
            .map_err(|e| transport_error(&request.method, url, e))
    }

    async fn read_reply(
        &self,
        method: &Method,
        url: Url,
        mut response: reqwest::Response,
    ) -> Result<HttpReply, ProviderError> {
        let max = self.options.max_response_bytes;
        let too_large = || {
            ProviderError::Permanent(format!(
                "{method} {}: response larger than {max} bytes refused",
                url.path()
            ))
        };
        if response
            .content_length()
            .is_some_and(|len| len > max as u64)
        {
            return Err(too_large());
        }
        let status = response.status();
        let etag = response
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(normalise_etag);
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, Utc::now()));
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| transport_error(method, &url, e))?
        {
            if body.len() + chunk.len() > max {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpReply {
            method: method.clone(),
            url,
            status,
            etag,
            retry_after,
            body,
        })
    }
}

fn redirect_target(method: &Method, from: &Url, headers: &HeaderMap) -> Result<Url, ProviderError> {
    let location = headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ProviderError::Permanent(format!(
                "{method} {}: redirect without Location",
                from.path()
            ))
        })?;
    let mut target = from.join(location).map_err(|_| {
        ProviderError::Permanent(format!(
            "{method} {}: unreadable redirect target",
            from.path()
        ))
    })?;
    // Credentials come from the account, never from a URL a server handed us.
    let _ = target.set_username("");
    let _ = target.set_password(None);
    if from.scheme() == "https" && target.scheme() == "http" {
        return Err(ProviderError::Permanent(format!(
            "{method} {}: refusing a redirect from https to plain http",
            from.path()
        )));
    }
    Ok(target)
}

fn transport_error(method: &Method, url: &Url, error: reqwest::Error) -> ProviderError {
    let what = format!("{method} {}", url.path());
    let host = url.host_str().unwrap_or("the server");
    if error.is_builder() {
        return ProviderError::Permanent(format!("{what}: invalid request"));
    }
    if error.is_timeout() {
        return ProviderError::Transient(format!("{what}: timed out"));
    }
    if error.is_connect() {
        return ProviderError::Transient(format!(
            "cannot connect to {host}: {}",
            error.without_url()
        ));
    }
    ProviderError::Transient(format!("{what}: {}", error.without_url()))
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

/// The If-Match header for a stored ETag: quoted as RFC 7232 requires, even when a server
/// reported it unquoted.
fn if_match_value(etag: &str) -> Result<HeaderValue, ProviderError> {
    let quoted = if etag.starts_with('"') {
        etag.to_string()
    } else {
        format!("\"{etag}\"")
    };
    HeaderValue::from_str(&quoted)
        .map_err(|_| ProviderError::Permanent("the stored ETag is not a valid header value".into()))
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
    fn if_match_quotes_unquoted_etags() {
        assert_eq!(if_match_value("\"a\"").unwrap(), "\"a\"");
        assert_eq!(if_match_value("a").unwrap(), "\"a\"");
        assert!(if_match_value("a\nb").is_err());
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

    #[test]
    fn redirects_drop_credentials_and_refuse_downgrades() {
        let from = Url::parse("https://dav.example/.well-known/caldav").unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::LOCATION,
            HeaderValue::from_static("https://u:p@dav.example/dav/"),
        );
        let target = redirect_target(&propfind_method(), &from, &headers).unwrap();
        assert_eq!(target.as_str(), "https://dav.example/dav/");
        headers.insert(
            header::LOCATION,
            HeaderValue::from_static("http://dav.example/dav/"),
        );
        assert!(redirect_target(&propfind_method(), &from, &headers).is_err());
        headers.insert(header::LOCATION, HeaderValue::from_static("/relative/"));
        let target = redirect_target(&propfind_method(), &from, &headers).unwrap();
        assert_eq!(target.as_str(), "https://dav.example/relative/");
    }
}
