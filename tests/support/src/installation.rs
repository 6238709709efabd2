//! A calsync installation driven as a user drives it: the real binary with a data directory of
//! its own, accounts connected through the CLI (CalDAV with a password, Google and Microsoft
//! through the OAuth consent of an emulator, the caller acting as the browser), and
//! `calsync serve` started with its webhook receiver on a free port. Shared by the benchmarks
//! and the integration tests; failures come back as a message naming the command.

use crate::servers::CaldavServer;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Far above what one command takes; only there so a hung server fails instead of hanging.
const COMMAND_DEADLINE: Duration = Duration::from_secs(90);
/// How long `calsync serve` may take before its webhook receiver answers.
const SERVE_READY_DEADLINE: Duration = Duration::from_secs(30);

pub struct Installation {
    binary: PathBuf,
    data_dir: TempDir,
    /// Added to every command (provider endpoints of emulators, OAuth client ids).
    env: Vec<(String, String)>,
}

impl Installation {
    /// An installation with no accounts yet, run by `binary`, whose commands get `env`.
    pub fn fresh(binary: impl Into<PathBuf>, env: Vec<(String, String)>) -> Result<Self, String> {
        Ok(Self {
            binary: binary.into(),
            data_dir: tempfile::tempdir().map_err(|e| format!("a data directory: {e}"))?,
            env,
        })
    }

    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// `calsync --data-dir DIR <args>` with this installation's environment, not started.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .arg("--data-dir")
            .arg(self.data_dir())
            .args(args)
            .env_remove("CALSYNC_PASSWORD")
            .env_remove("CALSYNC_DATA_DIR")
            .env_remove("RUST_LOG")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .kill_on_drop(true);
        command
    }

    /// Runs a command that must succeed (with CALSYNC_PASSWORD when given); its stdout.
    pub async fn ok(&self, args: &[&str], password: Option<&str>) -> Result<String, String> {
        let mut command = self.command(args);
        if let Some(password) = password {
            command.env("CALSYNC_PASSWORD", password);
        }
        let what = format!("`calsync {}`", args.join(" "));
        let output = tokio::time::timeout(COMMAND_DEADLINE, command.output())
            .await
            .map_err(|_| format!("{what} did not finish within {COMMAND_DEADLINE:?}"))?
            .map_err(|e| format!("cannot run {}: {e}", self.binary.display()))?;
        succeeded(&what, output)
    }

    /// `calsync account add caldav NAME` for `server`'s user.
    pub async fn add_caldav_account(
        &self,
        name: &str,
        server: &CaldavServer,
    ) -> Result<(), String> {
        let url = server.discovery_url();
        let args = [
            "account",
            "add",
            "caldav",
            name,
            "--url",
            &url,
            "--username",
            &server.username,
        ];
        self.ok(&args, Some(&server.password)).await.map(drop)
    }

    /// `calsync account add google|microsoft NAME`, with the caller as the browser: it opens
    /// the address calsync prints, the emulator consents at once and redirects to calsync's
    /// loopback listener, which finishes the flow.
    pub async fn connect_oauth(&self, kind: &str, name: &str) -> Result<(), String> {
        let what = format!("`calsync account add {kind} {name}`");
        let mut child = self
            .command(&["account", "add", kind, name])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.binary.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let address = loop {
            let line = tokio::time::timeout(COMMAND_DEADLINE, lines.next_line())
                .await
                .map_err(|_| format!("{what} printed no authorization address"))?
                .map_err(|e| format!("{what}: {e}"))?
                .ok_or_else(|| format!("{what} ended before printing an authorization address"))?;
            if let Some(at) = line.find("http") {
                break line[at..].trim().to_string();
            }
        };
        let answer = reqwest::get(&address)
            .await
            .map_err(|e| format!("{what}: opening the authorization address: {e}"))?;
        if !answer.status().is_success() {
            return Err(format!(
                "{what}: the loopback redirect answered {}",
                answer.status()
            ));
        }
        let output = tokio::time::timeout(COMMAND_DEADLINE, child.wait_with_output())
            .await
            .map_err(|_| format!("{what} did not finish"))?
            .map_err(|e| format!("{what}: {e}"))?;
        succeeded(&what, output).map(drop)
    }

    /// Calendar URL (a provider's calendar id for Google and Graph) -> calsync's calendar id.
    pub async fn calendar_ids(&self) -> Result<BTreeMap<String, String>, String> {
        let printed = self.ok(&["calendar", "list", "--json"], None).await?;
        let listed: Vec<serde_json::Value> = serde_json::from_str(&printed)
            .map_err(|e| format!("`calendar list --json` printed no list: {e}"))?;
        Ok(listed
            .into_iter()
            .filter_map(|c| {
                Some((
                    c["url"].as_str()?.to_string(),
                    c["id"].as_str()?.to_string(),
                ))
            })
            .collect())
    }

    /// calsync's id of the calendar at `url` (with or without a trailing slash).
    pub async fn calendar_id(&self, url: &str) -> Result<String, String> {
        let ids = self.calendar_ids().await?;
        ids.get(url)
            .or_else(|| ids.get(&format!("{}/", url.trim_end_matches('/'))))
            .cloned()
            .ok_or_else(|| format!("`calendar list` does not show {url}: {ids:?}"))
    }

    /// `calsync link add NAME --topology pair A B` (calsync's calendar ids).
    pub async fn pair(&self, name: &str, a: &str, b: &str) -> Result<(), String> {
        self.ok(&["link", "add", name, "--topology", "pair", a, b], None)
            .await
            .map(drop)
    }

    /// Starts `calsync serve --public-url http://127.0.0.1:PORT --listen 127.0.0.1:PORT
    /// <extra>` on a free port, its log (stderr) going to `log`, and waits until the webhook
    /// receiver answers its health check.
    pub async fn serve(&self, extra: &[&str], log: &Path) -> Result<Serving, String> {
        let port = free_port()?;
        let listen = format!("127.0.0.1:{port}");
        let webhook_base = format!("http://{listen}");
        let mut args = vec!["serve", "--public-url", &webhook_base, "--listen", &listen];
        args.extend_from_slice(extra);
        let log_file = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let child = self
            .command(&args)
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.binary.display()))?;
        let mut serving = Serving {
            child: Some(child),
            webhook_base,
        };
        let health = format!("{}/healthz", serving.webhook_base);
        let started = Instant::now();
        loop {
            if reqwest::get(&health)
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(serving);
            }
            if let Some(Ok(Some(status))) = serving.child.as_mut().map(Child::try_wait) {
                return Err(format!(
                    "calsync serve ended with {status}; its log: {}",
                    log.display()
                ));
            }
            if started.elapsed() > SERVE_READY_DEADLINE {
                return Err(format!(
                    "calsync serve did not answer {health} within {SERVE_READY_DEADLINE:?}"
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A running `calsync serve`; killed when dropped.
pub struct Serving {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`, where the providers' notifications go.
    pub webhook_base: String,
}

impl Serving {
    /// Stops it as systemd would (SIGTERM) and waits for it to finish its pass.
    pub async fn stop(&mut self) -> Result<(), String> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let pid = child.id().ok_or("calsync serve already ended")?.to_string();
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .map_err(|e| format!("kill -TERM {pid}: {e}"))?;
        let status = tokio::time::timeout(COMMAND_DEADLINE, child.wait())
            .await
            .map_err(|_| "calsync serve did not stop on SIGTERM".to_string())?
            .map_err(|e| e.to_string())?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("calsync serve ended with {status}"))
        }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.start_kill();
        }
    }
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|e| format!("no free port: {e}"))
}

fn succeeded(what: &str, output: Output) -> Result<String, String> {
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "{what} failed ({}):\nstdout: {}\nstderr: {}",
            output.status,
            String::from_utf8_lossy(&output.stdout).trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}
