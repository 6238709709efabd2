//! calsync driven as a user drives it: the real binary, a data directory of its own, the
//! password in CALSYNC_PASSWORD, and `sync --once --json` read back as JSON.

use calsync_testkit::{CaldavServer, ServerKind, TestCalendar};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Output;
use std::time::Duration;
use tempfile::TempDir;
use tokio::process::Command;

/// Far above what one command takes; only there so a hung server fails the test instead of
/// hanging the suite.
const COMMAND_DEADLINE: Duration = Duration::from_secs(90);

/// One user's calsync installation.
pub struct Calsync {
    data_dir: TempDir,
    /// Names the servers in every failure message.
    label: String,
    /// Extra environment of every command (provider endpoints of emulators, OAuth client ids).
    env: Vec<(String, String)>,
}

/// A calendar in a test: the testkit's observer of it and calsync's id for it.
#[derive(Debug, Clone)]
pub struct Cal {
    pub raw: TestCalendar,
    pub id: String,
}

impl Cal {
    pub fn kind(&self) -> ServerKind {
        self.raw.server.kind
    }
}

/// `sync --once --json` as printed by calsync.
#[derive(Debug, Clone, Deserialize)]
pub struct Pass {
    pub ok: bool,
    pub links: Vec<LinkReport>,
    /// calsync's exit status (not part of the JSON).
    #[serde(skip)]
    pub exit_ok: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LinkReport {
    pub name: String,
    pub ok: bool,
    pub operations: BTreeMap<String, Ops>,
    pub conflicts: Vec<String>,
    pub notices: Vec<String>,
    pub errors: Vec<String>,
    pub halted: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct Ops {
    pub created: usize,
    pub updated: usize,
    pub deleted: usize,
    pub failed: usize,
}

impl Pass {
    pub fn link(&self, name: &str) -> &LinkReport {
        self.links
            .iter()
            .find(|l| l.name == name)
            .unwrap_or_else(|| panic!("no link {name} in the report: {self:#?}"))
    }

    /// Creates, updates and deletes over every link and calendar.
    pub fn writes(&self) -> usize {
        self.links
            .iter()
            .flat_map(|l| l.operations.values())
            .map(|o| o.created + o.updated + o.deleted)
            .sum()
    }

    /// The operations on one calendar, over every link.
    pub fn ops(&self, calendar: &Cal) -> Ops {
        self.links
            .iter()
            .filter_map(|l| l.operations.get(&calendar.id))
            .fold(Ops::default(), |sum, o| Ops {
                created: sum.created + o.created,
                updated: sum.updated + o.updated,
                deleted: sum.deleted + o.deleted,
                failed: sum.failed + o.failed,
            })
    }

    pub fn notices(&self) -> Vec<&str> {
        self.links
            .iter()
            .flat_map(|l| &l.notices)
            .map(String::as_str)
            .collect()
    }

    pub fn conflicts(&self) -> Vec<&str> {
        self.links
            .iter()
            .flat_map(|l| &l.conflicts)
            .map(String::as_str)
            .collect()
    }
}

impl Calsync {
    /// An installation with no accounts yet, whose commands run with `env` added.
    pub fn fresh(label: &str, env: Vec<(String, String)>) -> Calsync {
        Calsync {
            data_dir: tempfile::tempdir().unwrap(),
            label: label.to_string(),
            env,
        }
    }

    /// A fresh installation with a calendar on each of `kinds` (calendars named after
    /// `scenario`), one account per server, and calsync's id of each calendar.
    pub async fn with_calendars(scenario: &str, kinds: &[ServerKind]) -> (Calsync, Vec<Cal>) {
        let label = kinds
            .iter()
            .map(|k| k.name())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
            .join("+");
        let calsync = Calsync::fresh(&label, Vec::new());
        let mut raws = Vec::new();
        for (i, kind) in kinds.iter().enumerate() {
            let server = CaldavServer::get(*kind);
            raws.push(server.new_calendar(&format!("{scenario} {i}")).await);
        }
        let servers: BTreeSet<_> = kinds.iter().map(|k| k.name()).collect();
        for name in servers {
            let kind = *kinds.iter().find(|k| k.name() == name).unwrap();
            calsync.add_account(&CaldavServer::get(kind)).await;
        }
        let ids = calsync.calendar_ids().await;
        let cals = raws
            .into_iter()
            .map(|raw| {
                let id = ids.get(&raw.url).cloned().unwrap_or_else(|| {
                    panic!(
                        "{}: `calendar list` does not show {} (it shows {ids:?})",
                        calsync.label, raw.url
                    )
                });
                Cal { raw, id }
            })
            .collect();
        (calsync, cals)
    }

    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    /// Runs `calsync --data-dir DIR <args>` and returns what it did, whatever its exit code.
    pub async fn run(&self, args: &[&str], password: Option<&str>) -> Output {
        let mut command = self.command(args);
        if let Some(password) = password {
            command.env("CALSYNC_PASSWORD", password);
        }
        match tokio::time::timeout(COMMAND_DEADLINE, command.output()).await {
            Ok(output) => output.unwrap_or_else(|e| panic!("cannot run calsync: {e}")),
            Err(_) => panic!(
                "{}: `calsync {}` did not finish within {COMMAND_DEADLINE:?}",
                self.label,
                args.join(" ")
            ),
        }
    }

    /// `calsync --data-dir DIR <args>` with this installation's environment, not started.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_calsync"));
        command
            .arg("--data-dir")
            .arg(self.data_dir())
            .args(args)
            .env_remove("CALSYNC_PASSWORD")
            .env_remove("CALSYNC_DATA_DIR")
            .env_remove("RUST_LOG")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .kill_on_drop(true);
        command
    }

    /// Runs a command that must succeed; returns its standard output.
    pub async fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args, None).await;
        self.expect_success(args, &output);
        String::from_utf8(output.stdout).unwrap()
    }

    fn expect_success(&self, args: &[&str], output: &Output) {
        assert!(
            output.status.success(),
            "{}: `calsync {}` failed ({}):\nstdout: {}\nstderr: {}",
            self.label,
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    pub async fn add_account(&self, server: &CaldavServer) {
        let url = server.discovery_url();
        let args = [
            "account",
            "add",
            "caldav",
            server.kind.name(),
            "--url",
            &url,
            "--username",
            &server.username,
            "--json",
        ];
        let output = self.run(&args, Some(&server.password)).await;
        self.expect_success(&args, &output);
    }

    /// Calendar URL -> calsync's calendar id, from `calendar list --json`.
    pub async fn calendar_ids(&self) -> BTreeMap<String, String> {
        let listed: Vec<serde_json::Value> =
            serde_json::from_str(&self.ok(&["calendar", "list", "--json"]).await).unwrap();
        listed
            .into_iter()
            .map(|c| {
                (
                    c["url"].as_str().unwrap().to_string(),
                    c["id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    /// `calsync link add NAME <options> <calendar ids>`.
    pub async fn link(&self, name: &str, options: &[&str], calendars: &[&Cal]) {
        let mut args = vec!["link", "add", name];
        args.extend_from_slice(options);
        args.extend(calendars.iter().map(|c| c.id.as_str()));
        self.ok(&args).await;
    }

    /// `calsync link add NAME --topology pair A B`.
    pub async fn pair(&self, name: &str, a: &Cal, b: &Cal) {
        self.link(name, &["--topology", "pair"], &[a, b]).await;
    }

    /// One `sync --once --json`, whatever its outcome; the exit status must agree with `ok`.
    pub async fn try_sync(&self) -> Pass {
        let args = ["sync", "--once", "--json"];
        let output = self.run(&args, None).await;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let mut pass: Pass = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!(
                "{}: `calsync sync --once --json` printed no report ({e}; {}):\nstdout: {stdout}\nstderr: {}",
                self.label,
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )
        });
        pass.exit_ok = output.status.success();
        assert_eq!(
            pass.exit_ok, pass.ok,
            "{}: the exit status ({}) disagrees with the report: {pass:#?}",
            self.label, output.status
        );
        pass
    }

    /// One pass that must succeed on every link.
    pub async fn sync(&self) -> Pass {
        let pass = self.try_sync().await;
        assert!(
            pass.ok && pass.links.iter().all(|l| l.ok && l.errors.is_empty()),
            "{}: the pass failed: {pass:#?}",
            self.label
        );
        pass
    }

    /// A pass after which everything is in sync must find nothing to do.
    pub async fn sync_expecting_nothing(&self, why: &str) {
        let pass = self.sync().await;
        assert_eq!(
            pass.writes(),
            0,
            "{}: {why}: a further pass still wrote: {pass:#?}",
            self.label
        );
    }

    pub async fn status(&self) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["status", "--json"]).await).unwrap()
    }
}

/// Runs `scenario` on the four servers concurrently and fails with every server's failure,
/// each prefixed with the server's name.
pub async fn run_on_every_server<F, Fut>(name: &str, scenario: F)
where
    F: Fn(ServerKind) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let runs: Vec<_> = ServerKind::ALL
        .into_iter()
        .map(|kind| (kind, tokio::spawn(scenario(kind))))
        .collect();
    let mut failures = Vec::new();
    for (kind, run) in runs {
        if let Err(error) = run.await {
            let message = if error.is_panic() {
                let payload = error.into_panic();
                payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "panicked".into())
            } else {
                error.to_string()
            };
            failures.push(format!("[{kind}] {message}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{name} failed on {} of 4 servers:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
