//! A fresh calendar per test on a real server, and an independent raw-HTTP client that edits
//! behind the adapter's back.

use calsync_core::adapters::caldav::{CaldavAccount, CaldavOptions};
use calsync_core::domain::{AccountId, CalendarId, CalendarInfo};
use calsync_core::ports::CalendarDirectory;
use calsync_testkit::{CaldavServer, ServerKind};
use reqwest::{Method, StatusCode};
use zeroize::Zeroizing;

/// Where the test user's calendars live on each server as scripts/test.sh sets them up.
fn home_path(kind: ServerKind, username: &str) -> String {
    match kind {
        ServerKind::Radicale => format!("/{username}/"),
        ServerKind::Xandikos => format!("/{username}/calendars/"),
        ServerKind::Sabre => format!("/calendars/{username}/"),
        ServerKind::Davical => format!("/caldav.php/{username}/"),
    }
}

pub fn account(server: &CaldavServer) -> CaldavAccount {
    CaldavAccount::new(
        &server.url,
        &server.username,
        Zeroizing::new(server.password.clone()),
        CaldavOptions::default(),
    )
    .unwrap()
}

/// An iCalendar object with one VEVENT. `summary` must not hold a comma: Radicale 3.9 cuts an
/// unescaped comma-separated TEXT value down to its first part.
pub fn ics(uid: &str, summary: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//calsync//tests//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260105T090000Z\r\nDTEND:20260105T100000Z\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// Plain HTTP with the test user's credentials: what another CalDAV client would do.
pub struct RawDav {
    http: reqwest::Client,
    server: CaldavServer,
}

pub struct RawReply {
    pub status: StatusCode,
    pub etag: Option<String>,
    pub body: String,
}

impl RawDav {
    pub fn new(server: &CaldavServer) -> Self {
        Self {
            http: reqwest::Client::new(),
            server: server.clone(),
        }
    }

    pub async fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> RawReply {
        let mut request = self
            .http
            .request(Method::from_bytes(method.as_bytes()).unwrap(), url)
            .basic_auth(&self.server.username, Some(&self.server.password));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let etag = response
            .headers()
            .get("etag")
            .map(|v| v.to_str().unwrap().to_string());
        RawReply {
            status,
            etag,
            body: response.text().await.unwrap(),
        }
    }

    /// PUT without conditions; returns the ETag the server reported.
    pub async fn put(&self, url: &str, ics: String) -> String {
        let reply = self
            .send("PUT", url, &[("Content-Type", "text/calendar; charset=utf-8")], Some(ics))
            .await;
        assert!(reply.status.is_success(), "PUT {url}: {}", reply.status);
        reply.etag.expect("every server tested returns an ETag on PUT")
    }

    pub async fn delete(&self, url: &str) {
        let reply = self.send("DELETE", url, &[], None).await;
        assert!(reply.status.is_success(), "DELETE {url}: {}", reply.status);
    }
}

/// A calendar made for one test, removed by [`TestCalendar::remove`].
pub struct TestCalendar {
    pub server: CaldavServer,
    pub account: CaldavAccount,
    pub raw: RawDav,
    pub info: CalendarInfo,
    pub display_name: String,
}

impl TestCalendar {
    pub async fn new(kind: ServerKind) -> Option<Self> {
        let server = CaldavServer::get(kind)?;
        let raw = RawDav::new(&server);
        let name = format!("t{:016x}", rand::random::<u64>());
        let display_name = format!("calsync test {name}");
        let url = reqwest::Url::parse(&server.url)
            .unwrap()
            .join(&format!("{}{name}/", home_path(kind, &server.username)))
            .unwrap()
            .to_string();
        let body = format!(
            r#"<?xml version="1.0" encoding="utf-8"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:displayname>{display_name}</d:displayname></d:prop></d:set></c:mkcalendar>"#
        );
        let reply = raw
            .send("MKCALENDAR", &url, &[("Content-Type", "application/xml; charset=utf-8")], Some(body))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "MKCALENDAR {url}");
        let account = account(&server);
        let found = account
            .calendars()
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.url == url)
            .unwrap_or_else(|| panic!("discovery did not find {url}"));
        let info = CalendarInfo {
            id: CalendarId::derive("caldav", &found.url),
            account: AccountId::parse("test").unwrap(),
            name: found.name,
            url: found.url,
            color: found.color,
            owner_emails: found.owner_emails,
            read_only: found.read_only,
            capabilities: found.capabilities,
        };
        Some(Self {
            server,
            account,
            raw,
            info,
            display_name,
        })
    }

    /// The URL of a resource in this calendar (`name` as it goes on the wire).
    pub fn item_url(&self, name: &str) -> String {
        format!("{}{name}", self.info.url)
    }

    /// The remote id the adapter reports for a resource (its decoded absolute path).
    pub fn remote_id(&self, decoded_name: &str) -> String {
        let path = reqwest::Url::parse(&self.info.url).unwrap().path().to_string();
        format!("{path}{decoded_name}")
    }

    pub async fn remove(self) {
        let reply = self.raw.send("DELETE", &self.info.url, &[], None).await;
        assert!(reply.status.is_success(), "DELETE calendar: {}", reply.status);
    }
}
