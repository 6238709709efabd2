//! The benchmark's world: a Google and a Graph emulator in this process, a Radicale from the
//! environment, one calsync installation with three pair links, and `calsync serve` running
//! with serve's default scheduling and its webhook receiver reachable by both emulators.

use anyhow::{Context, anyhow, ensure};
use calsync_emulators::google::GoogleEmulator;
use calsync_emulators::graph::GraphEmulator;
use calsync_testkit::{CaldavServer, Installation, ServerKind, Serving, TestCalendar};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long serve may take to open the push channels of the linked Google and Graph calendars.
const CHANNELS_DEADLINE: Duration = Duration::from_secs(60);

pub struct World {
    pub google: GoogleEmulator,
    pub graph: GraphEmulator,
    /// Google calendar linked with [`World::radicale_from_google`] (Google→CalDAV).
    pub google_to_dav: String,
    pub radicale_from_google: TestCalendar,
    /// Graph calendar linked with [`World::google_from_graph`] (Graph→Google).
    pub graph_to_google: String,
    pub google_from_graph: String,
    /// Radicale calendar linked with [`World::google_from_dav`] (CalDAV→Google).
    pub radicale_to_google: TestCalendar,
    pub google_from_dav: String,
    pub serve_log: PathBuf,
    // Dropped last: serve stops before its data directory goes.
    serving: Serving,
    installation: Installation,
}

impl World {
    pub async fn start(calsync: &Path, radicale: &CaldavServer, seed: u64) -> anyhow::Result<Self> {
        ensure!(
            radicale.kind == ServerKind::Radicale,
            "the CalDAV side must be Radicale"
        );
        let google = GoogleEmulator::start_seeded(seed).await;
        let graph = GraphEmulator::start(seed).await;
        let mut env = google.calsync_env();
        env.extend(graph.calsync_env());
        let installation = Installation::fresh(calsync, env).map_err(|e| anyhow!(e))?;

        let google_to_dav = "propagation-to-dav@example.org".to_string();
        let google_from_graph = "propagation-from-graph@example.org".to_string();
        let google_from_dav = "propagation-from-dav@example.org".to_string();
        for calendar in [&google_to_dav, &google_from_graph, &google_from_dav] {
            google.add_calendar(calendar, calendar);
        }
        let graph_to_google = graph.add_calendar("Calendar", true);
        let radicale_from_google = radicale.new_calendar("propagation from google").await;
        let radicale_to_google = radicale.new_calendar("propagation to google").await;

        let connected = async {
            installation.connect_oauth("google", "g").await?;
            installation.connect_oauth("microsoft", "m").await?;
            installation.add_caldav_account("radicale", radicale).await
        };
        connected.await.map_err(|e| anyhow!(e))?;
        let id = |url: String| {
            let installation = &installation;
            async move { installation.calendar_id(&url).await.map_err(|e| anyhow!(e)) }
        };
        let pairs = [
            ("google-dav", &google_to_dav, &radicale_from_google.url),
            ("graph-google", &graph_to_google, &google_from_graph),
            ("dav-google", &radicale_to_google.url, &google_from_dav),
        ];
        for (name, a, b) in pairs {
            let (a, b) = (id(a.clone()).await?, id(b.clone()).await?);
            installation
                .pair(name, &a, &b)
                .await
                .map_err(|e| anyhow!(e))?;
        }

        // Outside the data directory, which goes with the installation: kept for a post-mortem.
        let serve_log = std::env::temp_dir().join(format!(
            "calsync-bench-propagation-{}.log",
            std::process::id()
        ));
        let serving = installation
            .serve(&[], &serve_log)
            .await
            .map_err(|e| anyhow!(e))?;
        let world = Self {
            google,
            graph,
            google_to_dav,
            radicale_from_google,
            graph_to_google,
            google_from_graph,
            radicale_to_google,
            google_from_dav,
            serve_log,
            serving,
            installation,
        };
        world.await_channels().await?;
        Ok(world)
    }

    /// Waits until serve has opened a channel on every linked Google calendar and a Graph
    /// subscription: before that, only polling could carry a change.
    async fn await_channels(&self) -> anyhow::Result<()> {
        let started = Instant::now();
        while self.google.channels().len() < 3 || self.graph.subscriptions().is_empty() {
            ensure!(
                started.elapsed() < CHANNELS_DEADLINE,
                "calsync serve opened no push channels within {CHANNELS_DEADLINE:?} (log: {})",
                self.serve_log.display()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }

    /// Injects `latency` before every API answer of both emulators (Radicale has none).
    pub fn set_latency(&self, latency: Duration) {
        self.google.faults().set_latency(latency);
        self.graph.faults().set_latency(latency);
    }

    /// API requests both emulators answered so far (not their outgoing notifications).
    pub fn provider_requests(&self) -> usize {
        self.google.log().all().len() + self.graph.log().all().len()
    }

    /// Neither emulator answered an API request for `window`: calsync's passes are over (a
    /// pass makes its requests back to back, so a gap longer than the injected latency ends it).
    pub fn providers_quiet_for(&self, window: Duration) -> bool {
        let since = chrono::TimeDelta::from_std(window).unwrap_or(chrono::TimeDelta::MAX);
        let last = [self.google.log().last_at(), self.graph.log().last_at()]
            .into_iter()
            .flatten()
            .max();
        last.is_none_or(|at| chrono::Utc::now() - at >= since)
    }

    /// Stops serve as systemd would; it must finish cleanly.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let log = self.serve_log.clone();
        self.serving
            .stop()
            .await
            .map_err(|e| anyhow!(e))
            .with_context(|| format!("serve's log: {}", log.display()))?;
        drop(self.installation);
        // A clean run needs no post-mortem.
        let _ = std::fs::remove_file(&log);
        Ok(())
    }
}
