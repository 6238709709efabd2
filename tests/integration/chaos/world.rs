//! The chaos mesh: six calendars on four backends (two on Radicale, one on Xandikos, two on
//! the Google emulator, one on the Graph emulator), one mesh link over all of them, and
//! `calsync serve` with push and a 3 s fallback poll.

use crate::cloud::rig::{Rig, ServeTuning};
use crate::cloud::sides::Side;
use crate::e2e::harness::Cal;
use calsync_core::adapters::google::GoogleAccount;
use calsync_core::adapters::graph::GraphAccount;
use calsync_core::domain::{AccountId, CalendarId, CalendarInfo, Capabilities};
use calsync_testkit::{CaldavServer, ServerKind};

pub const GOOGLE_CALENDARS: [&str; 2] = ["chaos-a@example.org", "chaos-b@example.org"];

pub struct World {
    pub rig: Rig,
    pub sides: Vec<Side>,
    /// Readers of the cloud calendars through calsync's adapters (for the final comparison).
    pub google: GoogleAccount,
    pub graph: GraphAccount,
}

/// Seconds between fallback polls of push calendars: what recovers lost notifications.
const FALLBACK_POLL: u64 = 3;

impl World {
    pub async fn build(seed: u64) -> World {
        let rig = Rig::new("chaos", seed).await;
        for calendar in GOOGLE_CALENDARS {
            rig.google.add_calendar(calendar, calendar);
        }
        let graph_calendar = rig.graph.add_calendar("Calendar", true);
        rig.connect("google", "g").await;
        rig.connect("microsoft", "m").await;
        let mut dav = Vec::new();
        for (kind, hint) in [
            (ServerKind::Radicale, "chaos one"),
            (ServerKind::Radicale, "chaos two"),
            (ServerKind::Xandikos, "chaos three"),
        ] {
            dav.push(CaldavServer::get(kind).new_calendar(hint).await);
        }
        for kind in [ServerKind::Radicale, ServerKind::Xandikos] {
            rig.calsync.add_account(&CaldavServer::get(kind)).await;
        }
        let mut sides = Vec::new();
        let mut ids = Vec::new();
        for raw in dav {
            let id = rig.calendar_id(&raw.url).await;
            ids.push(id.clone());
            sides.push(Side::Dav(Cal { raw, id }));
        }
        for calendar in GOOGLE_CALENDARS {
            ids.push(rig.calendar_id(calendar).await);
            sides.push(Side::Google(calendar.to_string()));
        }
        ids.push(rig.calendar_id(&graph_calendar).await);
        sides.push(Side::Graph(graph_calendar));
        let mut args = vec!["link", "add", "chaos", "--topology", "mesh"];
        args.extend(ids.iter().map(String::as_str));
        rig.calsync.ok(&args).await;
        let google = crate::google_adapter::support::account(&rig.google);
        let graph = crate::graph_adapter::support::account(&rig.graph);
        let mut world = World {
            rig,
            sides,
            google,
            graph,
        };
        world.serve().await;
        world.rig.await_push(GOOGLE_CALENDARS.len(), 1).await;
        world
    }

    pub async fn serve(&mut self) {
        self.rig
            .serve(ServeTuning {
                push_fallback_poll: FALLBACK_POLL,
                // CALSYNC_CHAOS_LOG=1 keeps serve's info log (each pass's writes) on stderr.
                quiet: std::env::var_os("CALSYNC_CHAOS_LOG").is_none(),
                ..ServeTuning::default()
            })
            .await;
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
