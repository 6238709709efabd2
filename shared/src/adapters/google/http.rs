//! The HTTP client of the adapter: bearer tokens from the [`TokenKeeper`] (one refresh and
//! one retry after a 401), JSON in and out, and every answer's status read as a
//! [`ProviderError`] by [`super::status`]. Errors name methods, paths and statuses only.

use super::status::{Reply, error_for};
use crate::adapters::oauth::TokenKeeper;
use crate::adapters::read_retry::retry_read;
use crate::ports::ProviderError;
use reqwest::Method;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Google's own pages are far smaller; a larger answer is refused rather than buffered.
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

pub(super) struct GoogleClient {
    http: reqwest::Client,
    base: Url,
    keeper: Arc<TokenKeeper>,
}

/// One API call, relative to the API base (`calendars/{id}/events`).
#[derive(Debug, Clone)]
pub(super) struct Call {
    pub method: Method,
    pub segments: Vec<String>,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<serde_json::Value>,
    pub if_match: Option<String>,
}

impl Call {
    pub fn new(method: Method, segments: &[&str]) -> Self {
        Self {
            method,
            segments: segments.iter().map(|s| s.to_string()).collect(),
            query: Vec::new(),
            body: None,
            if_match: None,
        }
    }

    pub fn get(segments: &[&str]) -> Self {
        Self::new(Method::GET, segments)
    }

    pub fn query(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }

    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    pub fn if_match(mut self, etag: Option<&str>) -> Self {
        self.if_match = etag.map(str::to_string);
        self
    }

    /// What errors say about the call: never the query (it may hold sync or page tokens).
    fn describe(&self) -> String {
        format!("{} {}", self.method, self.segments.join("/"))
    }
}

impl GoogleClient {
    pub fn new(api_base: &str, keeper: Arc<TokenKeeper>) -> Result<Self, ProviderError> {
        let mut base = Url::parse(api_base.trim()).map_err(|_| {
            ProviderError::Permanent("the Google API address is not a valid URL".into())
        })?;
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("calsync/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| ProviderError::Permanent(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { http, base, keeper })
    }

    /// Sends `call`; a 2xx answer comes back as its body, anything else as the error it means.
    /// Reads are retried one request at a time (see [`retry_read`]).
    pub async fn send(&self, call: &Call) -> Result<Reply, ProviderError> {
        retry_read(call.method == Method::GET, || async {
            let reply = self.send_raw(call).await?;
            if reply.is_success() {
                Ok(reply)
            } else {
                Err(error_for(&call.describe(), &reply))
            }
        })
        .await
    }

    /// Sends `call` and returns whatever status came back (after the one 401 retry).
    pub async fn send_raw(&self, call: &Call) -> Result<Reply, ProviderError> {
        let token = self.keeper.bearer().await?;
        let reply = self.attempt(call, &token).await?;
        if reply.status != 401 {
            return Ok(reply);
        }
        // The token may have been revoked or expired early: refresh once, retry once.
        self.keeper.refresh_after_rejection(&token).await?;
        let token = self.keeper.bearer().await?;
        let reply = self.attempt(call, &token).await?;
        if reply.status == 401 {
            return Err(ProviderError::Auth(format!(
                "{}: the access token was refused after a refresh; reconnect the account",
                call.describe()
            )));
        }
        Ok(reply)
    }

    fn url(&self, call: &Call) -> Result<Url, ProviderError> {
        let mut url = self.base.clone();
        {
            let mut path = url.path_segments_mut().map_err(|_| {
                ProviderError::Permanent("the Google API address cannot take a path".into())
            })?;
            path.pop_if_empty();
            // Calendar and event ids contain `@` and `#`: each is one encoded segment.
            path.extend(call.segments.iter());
        }
        if !call.query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(call.query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        Ok(url)
    }

    async fn attempt(&self, call: &Call, token: &str) -> Result<Reply, ProviderError> {
        let mut request = self
            .http
            .request(call.method.clone(), self.url(call)?)
            .bearer_auth(token);
        if let Some(etag) = &call.if_match {
            request = request.header(reqwest::header::IF_MATCH, etag);
        }
        if let Some(body) = &call.body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_string());
        } else if call.method == Method::POST {
            request = request.header(reqwest::header::CONTENT_LENGTH, "0");
        }
        let mut response = request.send().await.map_err(|e| transport(call, &e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| transport(call, &e))? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(ProviderError::Permanent(format!(
                    "{}: the answer is larger than {MAX_BODY_BYTES} bytes",
                    call.describe()
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Reply {
            status,
            retry_after,
            body,
        })
    }
}

fn transport(call: &Call, error: &reqwest::Error) -> ProviderError {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "connection failed"
    };
    ProviderError::Transient(format!("{}: {kind}", call.describe()))
}
