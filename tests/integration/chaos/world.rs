//! The chaos mesh: six calendars on four backends (two on Radicale, one on Xandikos, two on
//! the Google emulator, one on the Graph emulator), one mesh link over all of them, and the
//! runtime under test that syncs them: `calsync serve` (`embedded`) or the AWS functions on
//! moto_server (`aws`).

use crate::cloud::sides::Side;
use calsync_core::adapters::google::GoogleAccount;
use calsync_core::adapters::graph::GraphAccount;
use calsync_core::domain::{AccountId, CalendarId, CalendarInfo, Capabilities};
use calsync_emulators::google::GoogleEmulator;
use calsync_emulators::graph::GraphEmulator;
use calsync_testkit::{CaldavServer, ServerKind, TestCalendar};
use serde_json::Value;

pub const GOOGLE_CALENDARS: [&str; 2] = ["chaos-a@example.org", "chaos-b@example.org"];

/// The CalDAV calendars of the mesh, in the order of their sides.
const DAV_CALENDARS: [(ServerKind, &str); 3] = [
    (ServerKind::Radicale, "chaos one"),
    (ServerKind::Radicale, "chaos two"),
    (ServerKind::Xandikos, "chaos three"),
];

/// Seconds between fallback checks of push calendars: what recovers lost notifications.
pub const FALLBACK_POLL: u64 = 3;

/// What syncs the mesh, as the run sees it: it can be killed as a crash would, started
/// again, asked why it did not converge, and made to prove it has nothing left to do. The
/// emulators it talks to are where the run injects its faults.
#[async_trait::async_trait(?Send)]
pub trait UnderTest {
    /// How reports name it (`serve`, `aws`).
    fn name(&self) -> &'static str;
    fn google(&self) -> &GoogleEmulator;
    fn graph(&self) -> &GraphEmulator;
    /// Kills the worker outright, as a crash or an OOM kill would: no job is finished.
    async fn kill(&mut self);
    /// Starts the worker again after a kill.
    async fn restart(&mut self);
    fn is_running(&self) -> bool;
    /// What the runtime did, beyond the emulators' own counts (JSON for the summary).
    fn activity(&self) -> Value;
    /// Once it did not converge: prints what it says about itself, stops it and runs one
    /// more full pass (the run then looks again).
    async fn explain(&mut self);
    /// Stops it; one more round of checks finds nothing to write, nothing was parked as dead
    /// and the link did not halt. `what` names the run in failure messages.
    async fn settle(&mut self, what: &str);
}

pub struct World {
    pub runtime: Box<dyn UnderTest>,
    pub sides: Vec<Side>,
    /// Readers of the cloud calendars through calsync's adapters (for the final comparison).
    pub google: GoogleAccount,
    pub graph: GraphAccount,
}

/// The mesh's calendars at the emulators and the CalDAV servers, before any runtime knows
/// them.
pub struct Calendars {
    pub dav: Vec<TestCalendar>,
    /// The Graph emulator's id of its calendar.
    pub graph: String,
}

impl Calendars {
    pub async fn create(google: &GoogleEmulator, graph: &GraphEmulator) -> Calendars {
        for calendar in GOOGLE_CALENDARS {
            google.add_calendar(calendar, calendar);
        }
        let graph = graph.add_calendar("Calendar", true);
        let mut dav = Vec::new();
        for (kind, hint) in DAV_CALENDARS {
            dav.push(CaldavServer::get(kind).new_calendar(hint).await);
        }
        Calendars { dav, graph }
    }

    /// The CalDAV servers holding the calendars, each once.
    pub fn dav_servers() -> [CaldavServer; 2] {
        [ServerKind::Radicale, ServerKind::Xandikos].map(CaldavServer::get)
    }
}

impl World {
    /// `calendar_ids` are the runtime's ids of the CalDAV calendars, in order.
    pub fn new(runtime: Box<dyn UnderTest>, calendars: Calendars, dav_ids: Vec<String>) -> World {
        let mut sides: Vec<Side> = calendars
            .dav
            .into_iter()
            .zip(dav_ids)
            .map(|(raw, id)| Side::Dav(crate::e2e::harness::Cal { raw, id }))
            .collect();
        sides.extend(GOOGLE_CALENDARS.map(|c| Side::Google(c.to_string())));
        sides.push(Side::Graph(calendars.graph));
        let google = crate::google_adapter::support::account(runtime.google());
        let graph = crate::graph_adapter::support::account(runtime.graph());
        World {
            runtime,
            sides,
            google,
            graph,
        }
    }

    /// How the calendar is named in reports: `radicale#0`, `google#3`, ...
    pub fn label(&self, index: usize) -> String {
        let kind = match &self.sides[index] {
            Side::Google(_) => "google".to_string(),
            Side::Graph(_) => "graph".to_string(),
            Side::Dav(cal) => cal.kind().name().to_string(),
        };
        format!("{kind}#{index}")
    }

    pub fn cloud_info(&self, index: usize) -> Option<CalendarInfo> {
        let url = match &self.sides[index] {
            Side::Google(id) | Side::Graph(id) => id.clone(),
            Side::Dav(_) => return None,
        };
        Some(CalendarInfo {
            id: CalendarId::parse(format!("c{index}")).unwrap(),
            account: AccountId::parse("chaos").unwrap(),
            name: url.clone(),
            url,
            color: None,
            owner_emails: Vec::new(),
            read_only: false,
            capabilities: Capabilities::default(),
        })
    }
}
