//! The HTTP client of the adapter: one reqwest client per account, preemptive Basic auth,
//! redirects followed by hand, bounded response bodies, a URL policy hook. Logs carry
//! methods, URL paths, status codes and sizes only: never passwords, never bodies.

use super::http_message::{
    Condition, HttpReply, HttpRequest, normalise_etag, parse_http_date, parse_retry_after,
};
use crate::adapters::net_guard::AddressRefused;
use crate::ports::ProviderError;
use chrono::Utc;
use reqwest::Method;
use reqwest::header::{self, HeaderMap, HeaderValue};
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

/// A DNS resolver for the client, instead of the system's (the SSRF guard's, which drops
/// refused addresses at connect time).
#[derive(Clone)]
pub struct DnsResolver(pub Arc<dyn reqwest::dns::Resolve>);

impl fmt::Debug for DnsResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DnsResolver")
    }
}

#[derive(Debug, Clone)]
pub struct CaldavOptions {
    pub url_policy: Arc<dyn UrlPolicy>,
    /// `None`: the system resolver.
    pub resolver: Option<DnsResolver>,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Larger response bodies are refused (a hostile or broken server must not exhaust memory).
    pub max_response_bytes: usize,
}

impl Default for CaldavOptions {
    fn default() -> Self {
        Self {
            url_policy: Arc::new(AllowAllUrls),
            resolver: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_response_bytes: 64 * 1024 * 1024,
        }
    }
}

const MAX_REDIRECTS: usize = 5;

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
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("calsync/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            // Followed by hand: reqwest would turn a redirected PROPFIND into a GET.
            .redirect(reqwest::redirect::Policy::none());
        if let Some(resolver) = &options.resolver {
            // A proxy would resolve names itself, past the resolver.
            builder = builder.dns_resolver(resolver.0.clone()).no_proxy();
        }
        let client = builder
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
                "{} refused by the URL policy (SSRF guard): {reason}",
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
        let date = response
            .headers()
            .get(header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_http_date);
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
            date,
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
    if let Some(refused) = refused_by_guard(&error) {
        return ProviderError::Permanent(format!("refused by the SSRF guard: {refused}"));
    }
    if error.is_connect() {
        return ProviderError::Transient(format!(
            "cannot connect to {host}: {}",
            error.without_url()
        ));
    }
    ProviderError::Transient(format!("{what}: {}", error.without_url()))
}

/// The SSRF guard's refusal, when that is why the connection failed (its resolver's error
/// sits somewhere in reqwest's source chain).
fn refused_by_guard(error: &reqwest::Error) -> Option<&AddressRefused> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<AddressRefused>() {
            return Some(refused);
        }
        source = cause.source();
    }
    None
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::caldav::http_message::propfind_method;

    #[test]
    fn if_match_quotes_unquoted_etags() {
        assert_eq!(if_match_value("\"a\"").unwrap(), "\"a\"");
        assert_eq!(if_match_value("a").unwrap(), "\"a\"");
        assert!(if_match_value("a\nb").is_err());
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
