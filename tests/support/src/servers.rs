//! The four real CalDAV servers, as `scripts/test.sh` (or `scripts/servers.sh start`) exported
//! them, and fresh calendars on them.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::calendar::TestCalendar;
use crate::fixtures::escape_xml;
use crate::http;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServerKind {
    Radicale,
    Xandikos,
    Davical,
    Sabre,
}

impl ServerKind {
    pub const ALL: [ServerKind; 4] = [
        ServerKind::Radicale,
        ServerKind::Xandikos,
        ServerKind::Davical,
        ServerKind::Sabre,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ServerKind::Radicale => "radicale",
            ServerKind::Xandikos => "xandikos",
            ServerKind::Davical => "davical",
            ServerKind::Sabre => "sabre",
        }
    }

    /// sabre/dav 1.8 predates RFC 6578: no sync-token property, sync-collection answers 403.
    pub fn has_sync_collection(self) -> bool {
        self != ServerKind::Sabre
    }

    fn env_prefix(self) -> String {
        format!("CALSYNC_TEST_{}", self.name().to_uppercase())
    }
}

impl fmt::Display for ServerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct CaldavServer {
    pub kind: ServerKind,
    /// The server's root, ending in `/` (DAViCal's includes `caldav.php/`).
    pub root_url: String,
    pub username: String,
    pub password: String,
}

impl fmt::Debug for CaldavServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaldavServer")
            .field("kind", &self.kind)
            .field("root_url", &self.root_url)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

impl CaldavServer {
    /// The server of this kind from the `CALSYNC_TEST_<KIND>_{URL,USER,PASS}` variables.
    /// Panics when they are not set: the servers exist only inside `scripts/test.sh`.
    pub fn get(kind: ServerKind) -> CaldavServer {
        Self::from_env(kind).unwrap_or_else(|missing| {
            panic!(
                "{missing} is not set, so there is no {kind} test server: run scripts/test.sh, \
                 which starts the servers (or `eval \"$(scripts/servers.sh start)\"` \
                 before cargo test)"
            )
        })
    }

    /// The server of this kind from the environment, or the name of the first variable
    /// missing (for callers that explain how to start it themselves, like the benchmarks).
    pub fn from_env(kind: ServerKind) -> Result<CaldavServer, String> {
        Self::from_lookup(kind, |name| std::env::var(name).ok())
    }

    pub fn all() -> Vec<CaldavServer> {
        ServerKind::ALL.into_iter().map(Self::get).collect()
    }

    fn from_lookup(
        kind: ServerKind,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<CaldavServer, String> {
        let prefix = kind.env_prefix();
        let var = |suffix: &str| {
            let name = format!("{prefix}_{suffix}");
            lookup(&name).filter(|value| !value.is_empty()).ok_or(name)
        };
        let mut root_url = var("URL")?;
        if !root_url.ends_with('/') {
            root_url.push('/');
        }
        Ok(CaldavServer {
            kind,
            root_url,
            username: var("USER")?,
            password: var("PASS")?,
        })
    }

    /// What a user would type into `calsync account add`: the server's root, from which
    /// current-user-principal and calendar-home-set discovery start.
    pub fn discovery_url(&self) -> String {
        self.root_url.clone()
    }

    /// The collection that holds the user's calendars on this server.
    pub fn calendar_home_url(&self) -> String {
        let user = &self.username;
        match self.kind {
            ServerKind::Radicale | ServerKind::Davical => format!("{}{user}/", self.root_url),
            // Xandikos serves a single principal, /user/, whoever logs in.
            ServerKind::Xandikos => format!("{}user/calendars/", self.root_url),
            ServerKind::Sabre => format!("{}calendars/{user}/", self.root_url),
        }
    }

    /// Creates (MKCALENDAR) a calendar no other test uses, named after `hint`.
    pub async fn new_calendar(&self, hint: &str) -> TestCalendar {
        let url = format!(
            "{}{}/",
            self.calendar_home_url(),
            unique_collection_name(hint)
        );
        let body = format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop><D:displayname>{}</D:displayname></D:prop></D:set>
</C:mkcalendar>"#,
            escape_xml(hint)
        );
        let method = reqwest::Method::from_bytes(b"MKCALENDAR").unwrap();
        let response = http()
            .request(method, &url)
            .basic_auth(&self.username, Some(&self.password))
            .header("Content-Type", "application/xml; charset=utf-8")
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: MKCALENDAR {url} failed: {e}", self.kind));
        let status = response.status();
        if status.as_u16() != 201 {
            let text = response.text().await.unwrap_or_default();
            panic!("{}: MKCALENDAR {url} answered {status}: {text}", self.kind);
        }
        TestCalendar {
            url,
            server: self.clone(),
        }
    }
}

/// `<hint>-<process and time>-<counter>`: unique within a run and across runs against the same
/// long-lived development servers.
fn unique_collection_name(hint: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let slug: String = hint
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(40)
        .collect();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() % 1_000_000_000_000)
        .unwrap_or_default();
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{slug}-{:x}{nanos:x}-{count}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn server_is_read_from_its_variables_with_a_trailing_slash() {
        let vars = HashMap::from([
            ("CALSYNC_TEST_DAVICAL_URL", "http://127.0.0.1:1/caldav.php"),
            ("CALSYNC_TEST_DAVICAL_USER", "alice"),
            ("CALSYNC_TEST_DAVICAL_PASS", "secret"),
        ]);
        let server = CaldavServer::from_lookup(ServerKind::Davical, |name| {
            vars.get(name).map(|v| v.to_string())
        })
        .unwrap();
        assert_eq!(server.root_url, "http://127.0.0.1:1/caldav.php/");
        assert_eq!(
            server.calendar_home_url(),
            "http://127.0.0.1:1/caldav.php/alice/"
        );
        assert!(!format!("{server:?}").contains("secret"));
    }

    #[test]
    fn a_missing_variable_is_named() {
        let missing = CaldavServer::from_lookup(ServerKind::Radicale, |name| {
            (name == "CALSYNC_TEST_RADICALE_URL").then(|| "http://127.0.0.1:1/".to_string())
        });
        assert_eq!(missing, Err("CALSYNC_TEST_RADICALE_USER".to_string()));
    }

    #[test]
    fn collection_names_are_unique_and_url_safe() {
        let a = unique_collection_name("Two-way: edit & delete");
        let b = unique_collection_name("Two-way: edit & delete");
        assert_ne!(a, b);
        assert!(a.starts_with("two-way--edit---delete-"));
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }
}
