//! One calendar collection on a real server, read and written with plain HTTP: the observer
//! that arranges a test's starting state and checks what calsync left behind.

use percent_encoding::percent_decode_str;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use url::Url;

use crate::http;
use crate::multistatus::parse_members;
use crate::servers::CaldavServer;

#[derive(Debug, Clone)]
pub struct TestCalendar {
    /// The collection's URL, ending in `/`.
    pub url: String,
    pub server: CaldavServer,
}

impl TestCalendar {
    /// The URL of a member: `resource_name` is a path segment (`event.ics`) or an href the
    /// server listed (`/alice/cal/event.ics`).
    pub fn resource_url(&self, resource_name: &str) -> String {
        let base = Url::parse(&self.url)
            .unwrap_or_else(|e| panic!("calendar URL {} is not a URL: {e}", self.url));
        base.join(resource_name)
            .unwrap_or_else(|e| panic!("cannot join {resource_name:?} to {}: {e}", self.url))
            .to_string()
    }

    /// Stores `ics` as `resource_name` (creating or replacing it) and returns its ETag.
    pub async fn put(&self, resource_name: &str, ics: &str) -> String {
        self.try_put(resource_name, ics)
            .await
            .unwrap_or_else(|refused| panic!("{}: {refused}", self.server.kind))
    }

    /// Like [`TestCalendar::put`], but a refusal (non-2xx) is returned as
    /// `"PUT <url> answered <status>: <body>"` instead of failing the test: for data a server
    /// may refuse (invalid iCalendar).
    pub async fn try_put(&self, resource_name: &str, ics: &str) -> Result<String, String> {
        let url = self.resource_url(resource_name);
        let response = self
            .send(
                self.request(Method::PUT, &url)
                    .header("Content-Type", "text/calendar; charset=utf-8")
                    .body(ics.to_string()),
            )
            .await;
        let status = response.status();
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            return Err(format!("PUT {url} answered {status}: {text}"));
        }
        match header(&response, "etag") {
            Some(etag) => Ok(etag),
            // RFC 4791 §5.3.4 lets a server that changed the data omit the ETag: ask for it.
            None => {
                let (_, etag) = self.get(resource_name).await.unwrap_or_else(|| {
                    panic!("{}: {url} is gone right after its PUT", self.server.kind)
                });
                Ok(etag)
            }
        }
    }

    /// Replaces `resource_name` only if it is still at `etag` (`If-Match`), as a careful
    /// client does: `Ok(new ETag)`, or `Err(status)` (412 when someone wrote in between, 404
    /// when it is gone).
    pub async fn put_if_match(
        &self,
        resource_name: &str,
        ics: &str,
        etag: &str,
    ) -> Result<Option<String>, u16> {
        let url = self.resource_url(resource_name);
        let response = self
            .send(
                self.request(Method::PUT, &url)
                    .header("Content-Type", "text/calendar; charset=utf-8")
                    .header("If-Match", etag)
                    .body(ics.to_string()),
            )
            .await;
        let status = response.status();
        if status.is_success() {
            Ok(header(&response, "etag"))
        } else {
            Err(status.as_u16())
        }
    }

    /// The stored iCalendar text and its ETag, or None when the resource does not exist.
    pub async fn get(&self, resource_name: &str) -> Option<(String, String)> {
        let url = self.resource_url(resource_name);
        let response = self.send(self.request(Method::GET, &url)).await;
        let status = response.status();
        if status == StatusCode::NOT_FOUND {
            return None;
        }
        if !status.is_success() {
            panic!("{}: GET {url} answered {status}", self.server.kind);
        }
        let etag = header(&response, "etag")
            .unwrap_or_else(|| panic!("{}: GET {url} sent no ETag", self.server.kind));
        let body = response.text().await.unwrap();
        Some((body, etag))
    }

    /// Deletes the resource; panics unless the server confirms (200 or 204).
    pub async fn delete(&self, resource_name: &str) {
        let url = self.resource_url(resource_name);
        let response = self.send(self.request(Method::DELETE, &url)).await;
        let status = response.status();
        // Radicale answers a DELETE with 200, the others with 204.
        if !status.is_success() {
            panic!("{}: DELETE {url} answered {status}", self.server.kind);
        }
    }

    /// Deletes the resource, whatever state it is in; the status the server answered (404
    /// when someone else deleted it first).
    pub async fn try_delete(&self, resource_name: &str) -> u16 {
        let url = self.resource_url(resource_name);
        let response = self.send(self.request(Method::DELETE, &url)).await;
        response.status().as_u16()
    }

    /// Every member as (href as the server wrote it, ETag), sorted by href, from a Depth:1
    /// PROPFIND.
    pub async fn list(&self) -> Vec<(String, String)> {
        let body = r#"<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/><D:resourcetype/></D:prop></D:propfind>"#;
        let response = self
            .send(
                self.request(Method::from_bytes(b"PROPFIND").unwrap(), &self.url)
                    .header("Depth", "1")
                    .header("Content-Type", "application/xml; charset=utf-8")
                    .body(body),
            )
            .await;
        let status = response.status();
        let text = response.text().await.unwrap();
        if status.as_u16() != 207 {
            panic!(
                "{}: PROPFIND {} answered {status}: {text}",
                self.server.kind, self.url
            );
        }
        let own_path = decoded_path(&self.url);
        let mut members: Vec<(String, String)> = parse_members(&text)
            .into_iter()
            .filter(|m| {
                let path = decoded_path(&self.resource_url(&m.href));
                path != own_path && !path.ends_with('/')
            })
            .map(|m| {
                let etag = m.etag.unwrap_or_else(|| {
                    panic!("{}: {} listed without an ETag", self.server.kind, m.href)
                });
                (m.href, etag)
            })
            .collect();
        members.sort();
        members
    }

    /// The iCalendar text of every member, in href order.
    pub async fn bodies(&self) -> Vec<String> {
        let mut bodies = Vec::new();
        for (href, _) in self.list().await {
            // A member deleted between the listing and the GET is simply not there any more.
            if let Some((body, _)) = self.get(&href).await {
                bodies.push(body);
            }
        }
        bodies
    }

    /// Deletes every member.
    pub async fn clear(&self) {
        for (href, _) in self.list().await {
            self.delete(&href).await;
        }
    }

    fn request(&self, method: Method, url: &str) -> RequestBuilder {
        http()
            .request(method, url)
            .basic_auth(&self.server.username, Some(&self.server.password))
    }

    async fn send(&self, request: RequestBuilder) -> Response {
        request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: request to {} failed: {e}", self.server.kind, self.url))
    }
}

fn header(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
}

/// Xandikos may write `a@b.ics` where others write `a%40b.ics`: compare decoded paths.
fn decoded_path(url: &str) -> String {
    let path = Url::parse(url)
        .map(|u| u.path().to_string())
        .unwrap_or_default();
    percent_decode_str(&path).decode_utf8_lossy().into_owned()
}
