//! Test support: access to the real CalDAV servers started by scripts/test.sh.
//!
//! Each server is described by three environment variables, e.g. `CALSYNC_TEST_RADICALE_URL`,
//! `CALSYNC_TEST_RADICALE_USER` and `CALSYNC_TEST_RADICALE_PASS`. Tests ask for a server with
//! [`CaldavServer::get`] and skip (saying so) when it is not configured.

/// The CalDAV servers the tests run against.
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

    fn env_prefix(self) -> &'static str {
        match self {
            ServerKind::Radicale => "CALSYNC_TEST_RADICALE",
            ServerKind::Xandikos => "CALSYNC_TEST_XANDIKOS",
            ServerKind::Davical => "CALSYNC_TEST_DAVICAL",
            ServerKind::Sabre => "CALSYNC_TEST_SABRE",
        }
    }
}

/// A running server: its root URL and the test user's credentials.
#[derive(Debug, Clone)]
pub struct CaldavServer {
    pub kind: ServerKind,
    /// Where discovery starts, e.g. `http://127.0.0.1:5232/`.
    pub url: String,
    pub username: String,
    pub password: String,
}

impl CaldavServer {
    /// The server if its environment variables are set; otherwise `None` and a note on stderr.
    pub fn get(kind: ServerKind) -> Option<CaldavServer> {
        let var = |suffix: &str| std::env::var(format!("{}_{suffix}", kind.env_prefix())).ok();
        match (var("URL"), var("USER"), var("PASS")) {
            (Some(url), Some(username), Some(password)) => Some(CaldavServer {
                kind,
                url,
                username,
                password,
            }),
            _ => {
                eprintln!(
                    "skipped: {} not configured ({}_URL/_USER/_PASS unset; see scripts/test.sh)",
                    kind.name(),
                    kind.env_prefix()
                );
                None
            }
        }
    }
}
