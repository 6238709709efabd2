//! The embedded runtime under test: `calsync serve` with push and a 3 s fallback poll, killed
//! with SIGKILL and started again; settled by a `sync --once` that must write nothing.

use super::world::{Calendars, FALLBACK_POLL, GOOGLE_CALENDARS, UnderTest, World};
use crate::cloud::rig::{Rig, ServeTuning};
use crate::e2e::harness::Pass;
use calsync_emulators::google::GoogleEmulator;
use calsync_emulators::graph::GraphEmulator;
use serde_json::Value;

pub struct Serve {
    rig: Rig,
}

pub async fn build(seed: u64) -> World {
    let rig = Rig::new("chaos", seed).await;
    let calendars = Calendars::create(&rig.google, &rig.graph).await;
    rig.connect("google", "g").await;
    rig.connect("microsoft", "m").await;
    for server in Calendars::dav_servers() {
        rig.calsync.add_account(&server).await;
    }
    let mut ids = Vec::new();
    for raw in &calendars.dav {
        ids.push(rig.calendar_id(&raw.url).await);
    }
    let dav_ids = ids.clone();
    for calendar in GOOGLE_CALENDARS {
        ids.push(rig.calendar_id(calendar).await);
    }
    ids.push(rig.calendar_id(&calendars.graph).await);
    let mut args = vec!["link", "add", "chaos", "--topology", "mesh"];
    args.extend(ids.iter().map(String::as_str));
    rig.calsync.ok(&args).await;
    let mut serve = Serve { rig };
    serve.restart().await;
    serve.rig.await_push(GOOGLE_CALENDARS.len(), 1).await;
    World::new(Box::new(serve), calendars, dav_ids)
}

#[async_trait::async_trait(?Send)]
impl UnderTest for Serve {
    fn name(&self) -> &'static str {
        "serve"
    }

    fn google(&self) -> &GoogleEmulator {
        &self.rig.google
    }

    fn graph(&self) -> &GraphEmulator {
        &self.rig.graph
    }

    async fn kill(&mut self) {
        self.rig.kill().await;
    }

    async fn restart(&mut self) {
        self.rig
            .serve(ServeTuning {
                push_fallback_poll: FALLBACK_POLL,
                // CALSYNC_CHAOS_LOG=1 keeps serve's info log (each pass's writes) on stderr.
                quiet: std::env::var_os("CALSYNC_CHAOS_LOG").is_none(),
                ..ServeTuning::default()
            })
            .await;
    }

    fn is_running(&self) -> bool {
        self.rig.is_serving()
    }

    fn activity(&self) -> Value {
        Value::Null
    }

    /// Its status, and what one more `sync --once --full` (with `serve` stopped) plans and
    /// meets.
    async fn explain(&mut self) {
        let status = self.rig.calsync.status().await;
        eprintln!(
            "chaos: calsync status after the deadline: {}",
            status["links"][0]["status"]
        );
        self.rig.stop().await;
        let output = self
            .rig
            .calsync
            .run(&["sync", "--once", "--full", "--json"], None)
            .await;
        match serde_json::from_slice::<Pass>(&output.stdout) {
            Ok(pass) => eprintln!(
                "chaos: one more `sync --once --full`: {} writes, operations {:?}, notices {:?}, \
                 errors {:?}",
                pass.writes(),
                pass.links.iter().map(|l| &l.operations).collect::<Vec<_>>(),
                pass.notices(),
                pass.links
                    .iter()
                    .flat_map(|l| &l.errors)
                    .collect::<Vec<_>>()
            ),
            Err(error) => eprintln!("chaos: `sync --once --full` printed no report: {error}"),
        }
    }

    async fn settle(&mut self, what: &str) {
        self.rig.stop().await;
        self.rig.calsync.sync_expecting_nothing(what).await;
        let status = self.rig.calsync.status().await;
        let dead = status["dead_jobs"].as_array().map_or(0, Vec::len);
        assert_eq!(dead, 0, "{what}: jobs parked as dead: {status:#}");
        assert!(
            status["links"][0]["status"]["halted"].is_null(),
            "{what}: the link halted: {status:#}"
        );
    }
}
