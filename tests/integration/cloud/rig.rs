//! One test's world: a Google and a Graph emulator, a calsync installation pointed at them,
//! and `calsync serve` running with its webhook receiver on a free port.

use crate::e2e::harness::Calsync;
use calsync_emulators::google::GoogleEmulator;
use calsync_emulators::graph::GraphEmulator;
use std::future::Future;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;

/// How long a change may take to cross over before a test fails (the target is ~1 s).
pub const CONVERGENCE_DEADLINE: Duration = Duration::from_secs(40);

pub struct Rig {
    pub google: GoogleEmulator,
    pub graph: GraphEmulator,
    pub calsync: Calsync,
    serve: Option<Child>,
    pub webhook_base: String,
}

/// How `calsync serve` runs in a test.
#[derive(Debug, Clone)]
pub struct ServeTuning {
    /// Seconds between fallback polls of calendars with push.
    pub push_fallback_poll: u64,
    /// Seconds a channel is asked to live (default: the providers' maximum).
    pub channel_life: Option<u64>,
    /// Seconds between channel renewal checks.
    pub channel_upkeep: u64,
    /// Only warnings and errors on stderr (long runs would drown the report in pass logs).
    pub quiet: bool,
}

impl Default for ServeTuning {
    fn default() -> Self {
        // Long enough that only notifications can explain a quick crossing.
        Self {
            push_fallback_poll: 600,
            channel_life: None,
            channel_upkeep: 1,
            quiet: false,
        }
    }
}

/// `calsync serve`'s log filter: `CALSYNC_SERVE_LOG` when set (e.g. `calsync_core=debug` to
/// replay a failed run with the retries), else warnings only or each pass's summary.
fn serve_log(quiet: bool) -> String {
    std::env::var("CALSYNC_SERVE_LOG").unwrap_or_else(|_| {
        let level = if quiet { "warn" } else { "info" };
        format!("calsync={level},calsync_core={level}")
    })
}

impl Rig {
    pub async fn new(label: &str, seed: u64) -> Rig {
        let google = GoogleEmulator::start_seeded(seed).await;
        let graph = GraphEmulator::start(seed).await;
        let env = vec![
            ("CALSYNC_GOOGLE_API_URL".to_string(), google.api_url()),
            ("CALSYNC_GOOGLE_OAUTH_URL".to_string(), google.oauth_url()),
            ("CALSYNC_GOOGLE_CLIENT_ID".to_string(), "calsync-e2e".into()),
            ("CALSYNC_GRAPH_API_URL".to_string(), graph.api_url()),
            ("CALSYNC_MS_LOGIN_URL".to_string(), graph.login_url()),
            ("CALSYNC_MS_CLIENT_ID".to_string(), "calsync-e2e".into()),
        ];
        let port = free_port();
        Rig {
            google,
            graph,
            calsync: Calsync::fresh(label, env),
            serve: None,
            webhook_base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// `calsync account add google|microsoft NAME`, with the test as the browser: it opens
    /// the printed address, the emulator consents and redirects to calsync's loopback listener.
    pub async fn connect(&self, kind: &str, name: &str) {
        let mut child = self
            .calsync
            .command(&["account", "add", kind, name])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let address = loop {
            let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
                .await
                .expect("calsync printed no authorization address")
                .unwrap()
                .expect("calsync ended before printing an authorization address");
            if let Some(at) = line.find("http") {
                break line[at..].trim().to_string();
            }
        };
        let browser = reqwest::Client::new();
        let answer = browser.get(&address).send().await.unwrap();
        assert!(
            answer.status().is_success(),
            "the loopback redirect answered {}",
            answer.status()
        );
        let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
            .await
            .expect("account add did not finish")
            .unwrap();
        assert!(
            output.status.success(),
            "account add {kind} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// calsync's id of the calendar whose provider id / URL is `url`.
    pub async fn calendar_id(&self, url: &str) -> String {
        let ids = self.calsync.calendar_ids().await;
        ids.get(url)
            .or_else(|| ids.get(&format!("{}/", url.trim_end_matches('/'))))
            .cloned()
            .unwrap_or_else(|| panic!("calendar list does not show {url}: {ids:?}"))
    }

    /// Starts `calsync serve` (polling CalDAV every second) and waits for its webhooks.
    pub async fn serve(&mut self, tuning: ServeTuning) {
        let listen = self.webhook_base.trim_start_matches("http://").to_string();
        let fallback = tuning.push_fallback_poll.to_string();
        let upkeep = tuning.channel_upkeep.to_string();
        let mut args = vec![
            "serve",
            "--interval",
            "1",
            "--public-url",
            &self.webhook_base,
            "--listen",
            &listen,
            "--push-fallback-poll",
            &fallback,
            "--channel-upkeep",
            &upkeep,
        ];
        let life = tuning.channel_life.map(|s| s.to_string());
        if let Some(life) = &life {
            args.extend(["--channel-life", life]);
        }
        let child = self
            .calsync
            .command(&args)
            .env("RUST_LOG", serve_log(tuning.quiet))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        self.serve = Some(child);
        let health = format!("{}/healthz", self.webhook_base);
        eventually("the webhook receiver answers", || async {
            reqwest::get(&health)
                .await
                .is_ok_and(|r| r.status().is_success())
        })
        .await;
    }

    /// Stops `calsync serve` as systemd would (SIGTERM) and waits for it to finish its pass.
    pub async fn stop(&mut self) {
        let Some(mut child) = self.serve.take() else {
            return;
        };
        let pid = child.id().unwrap().to_string();
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status();
        let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
            .await
            .expect("calsync serve did not stop on SIGTERM")
            .unwrap();
        assert!(status.success(), "calsync serve ended with {status}");
    }

    /// Kills `calsync serve` outright (SIGKILL), as a crash or an OOM kill would: no pass is
    /// finished, nothing is flushed.
    pub async fn kill(&mut self) {
        let Some(mut child) = self.serve.take() else {
            return;
        };
        child.start_kill().unwrap();
        tokio::time::timeout(Duration::from_secs(30), child.wait())
            .await
            .expect("calsync serve did not die on SIGKILL")
            .unwrap();
    }

    pub fn is_serving(&self) -> bool {
        self.serve.is_some()
    }

    /// Waits until every linked push calendar has a live channel at its provider.
    pub async fn await_push(&self, google_channels: usize, graph_subscriptions: usize) {
        eventually("push channels exist", || async {
            self.google.channels().len() >= google_channels
                && self.graph.subscriptions().len() >= graph_subscriptions
        })
        .await;
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        if let Some(child) = &mut self.serve {
            let _ = child.start_kill();
        }
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `condition` until it holds; fails the test after [`CONVERGENCE_DEADLINE`].
pub async fn eventually<F, Fut>(what: &str, mut condition: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if condition().await {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < CONVERGENCE_DEADLINE,
            "{what}: not within {CONVERGENCE_DEADLINE:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
