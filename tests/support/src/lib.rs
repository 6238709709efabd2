//! Test support: access to the real CalDAV servers started by `scripts/test.sh`.
//!
//! - [`CaldavServer`]: one of the four servers (Radicale, Xandikos, DAViCal, sabre/dav 1.8),
//!   read from the `CALSYNC_TEST_*` variables, and a fresh calendar on it.
//! - [`TestCalendar`]: raw-HTTP access to one calendar collection, to arrange what a server
//!   holds and to observe what calsync wrote. It never uses calsync's CalDAV code.
//! - [`PyClient`]: an independent real client (python-caldav) that edits behind calsync's back.
//! - [`ics_event`]: a minimal VEVENT fixture.
//! - [`RecordingProxy`]: a pass-through proxy that records which requests a client sent.
//! - [`Installation`]: the real calsync binary with a data directory of its own, accounts
//!   connected through its CLI, and `calsync serve` running with webhooks ([`Serving`]).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod calendar;
mod fixtures;
mod installation;
mod multistatus;
mod pyclient;
mod recording_proxy;
mod servers;

pub use calendar::TestCalendar;
pub use fixtures::{escape_text, ics_event};
pub use installation::{Installation, Serving, free_port};
pub use pyclient::{PyClient, PyEdit, PyEvent, PyListed, PyWritten};
pub use recording_proxy::{RecordingProxy, SeenRequest};
pub use servers::{CaldavServer, ServerKind};

use std::sync::OnceLock;
use std::time::Duration;

/// One HTTP client for the whole test process. Idle connections are not pooled, because each
/// `#[tokio::test]` has its own runtime and a pooled connection would belong to a runtime
/// that may already be gone.
pub(crate) fn http() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .timeout(Duration::from_secs(30))
            .build()
            .expect("build the testkit's HTTP client")
    })
}
