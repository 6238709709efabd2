//! The two sync tools under test, each driven as a user would: as a separate process with its
//! own state directory, so every pass includes start-up and loading state.

use anyhow::{Context, bail};
use calsync_testkit::{CaldavServer, TestCalendar};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use tempfile::TempDir;
use tokio::process::Command;

/// One contender, set up on one calendar pair.
pub trait Contender {
    fn name(&self) -> &'static str;
    /// Runs one sync pass; what the tool printed on stdout.
    async fn pass(&self) -> anyhow::Result<String>;
}

pub struct Calsync {
    binary: PathBuf,
    data_dir: TempDir,
    password: String,
}

impl Calsync {
    /// Connects the account and links the pair `a` ⇄ `b` (not timed).
    pub async fn link(
        binary: &Path,
        server: &CaldavServer,
        a: &TestCalendar,
        b: &TestCalendar,
    ) -> anyhow::Result<Self> {
        let tool = Self {
            binary: binary.to_path_buf(),
            data_dir: tempfile::tempdir()?,
            password: server.password.clone(),
        };
        tool.run(&[
            "account",
            "add",
            "caldav",
            "bench",
            "--url",
            &server.discovery_url(),
            "--username",
            &server.username,
        ])
        .await?;
        let listed: Vec<serde_json::Value> =
            serde_json::from_str(&tool.run(&["calendar", "list", "--json"]).await?)
                .context("calsync calendar list --json")?;
        let id_of = |calendar: &TestCalendar| -> anyhow::Result<String> {
            let wanted = url_path(&calendar.url);
            listed
                .iter()
                .find(|c| c["url"].as_str().map(url_path) == Some(wanted.clone()))
                .and_then(|c| c["id"].as_str())
                .map(str::to_string)
                .with_context(|| format!("calsync did not discover {}", calendar.url))
        };
        let (id_a, id_b) = (id_of(a)?, id_of(b)?);
        tool.run(&["link", "add", "bench", "--topology", "pair", &id_a, &id_b])
            .await?;
        Ok(tool)
    }

    async fn run(&self, args: &[&str]) -> anyhow::Result<String> {
        let output = Command::new(&self.binary)
            .arg("--data-dir")
            .arg(self.data_dir.path())
            .args(args)
            .env("CALSYNC_PASSWORD", &self.password)
            .stdin(Stdio::null())
            .output()
            .await
            .with_context(|| format!("running {}", self.binary.display()))?;
        if !output.status.success() {
            bail!(
                "calsync {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

impl Contender for Calsync {
    fn name(&self) -> &'static str {
        "calsync"
    }

    async fn pass(&self) -> anyhow::Result<String> {
        self.run(&["sync", "--once", "--json"]).await
    }
}

pub struct Vdirsyncer {
    binary: PathBuf,
    config: PathBuf,
    _state: TempDir,
}

impl Vdirsyncer {
    /// Writes a config pairing `a` ⇄ `b` and runs `vdirsyncer discover` (not timed).
    pub async fn link(
        binary: &Path,
        server: &CaldavServer,
        a: &TestCalendar,
        b: &TestCalendar,
    ) -> anyhow::Result<Self> {
        let state = tempfile::tempdir()?;
        let config = state.path().join("config");
        let storage = |name: &str, calendar: &TestCalendar| {
            format!(
                "[storage {name}]\ntype = \"caldav\"\nurl = \"{}\"\nusername = \"{}\"\npassword = \"{}\"\n\n",
                calendar.url, server.username, server.password
            )
        };
        let text = format!(
            "[general]\nstatus_path = \"{}\"\n\n[pair bench]\na = \"bench_a\"\nb = \"bench_b\"\n\
             collections = null\nconflict_resolution = \"a wins\"\n\n{}{}",
            state.path().join("status").display(),
            storage("bench_a", a),
            storage("bench_b", b),
        );
        std::fs::write(&config, text)?;
        let tool = Self {
            binary: binary.to_path_buf(),
            config,
            _state: state,
        };
        tool.run("discover").await?;
        Ok(tool)
    }

    async fn run(&self, command: &str) -> anyhow::Result<String> {
        let output = Command::new(&self.binary)
            .arg("-c")
            .arg(&self.config)
            .args(["--verbosity", "ERROR", command])
            .stdin(Stdio::null())
            .output()
            .await
            .with_context(|| format!("running {}", self.binary.display()))?;
        if !output.status.success() {
            bail!(
                "vdirsyncer {command} failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

impl Contender for Vdirsyncer {
    fn name(&self) -> &'static str {
        "vdirsyncer"
    }

    async fn pass(&self) -> anyhow::Result<String> {
        self.run("sync").await
    }
}

/// The path of a URL (or the string itself when it is already a path), without the trailing
/// slash: servers list collections by absolute URL or by path.
fn url_path(url: &str) -> String {
    let path = match url.find("://") {
        Some(scheme_end) => {
            let rest = &url[scheme_end + 3..];
            rest.find('/').map_or("/", |slash| &rest[slash..])
        }
        None => url,
    };
    path.trim_end_matches('/').to_string()
}
