//! `calsync-bench poll-scale`: how many CalDAV change checks one process sustains against
//! an endpoint that answers after 120 ms, and what CPU they cost.
//!
//! A child process serves `--calendars` unchanging collections (see [`server`]). This
//! process then keeps `--concurrency` checks in flight through calsync's real CalDAV adapter
//! (`ChangeFeed::changes` with the stored cursor: one sync-collection REPORT per check, or
//! the Depth:0 CTag PROPFIND with `--method ctag`), then, as the reference in the same run,
//! the same requests sent by a bare reqwest client that only reads the reply. Each phase
//! counts checks and this process's CPU time (user + system) after a warm-up.

mod cpu;
mod drive;
pub mod server;

use crate::measure::{Figure, note};
use anyhow::{Context, ensure};
use calsync_core::adapters::caldav::{CaldavAccount, CaldavOptions};
use calsync_core::domain::{
    AccountId, CalendarId, CalendarInfo, Capabilities, GateTrust, ModifiedGate, SyncCursor,
};
use calsync_core::ports::{ChangeFeed, Listing};
use chrono::Utc;
use clap::{Args, ValueEnum};
use drive::{Load, Phase, drive};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use zeroize::Zeroizing;

/// The issue's target: this many checks per second from one process using at most one core.
const TARGET_CHECKS_PER_SECOND: f64 = 7_000.0;
/// The polling interval the issue sizes workers for.
const WINDOW_SECONDS: f64 = 15.0;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Method {
    /// One sync-collection REPORT with the stored token (RFC 6578 servers).
    SyncToken,
    /// One Depth:0 PROPFIND of getctag and sync-token (servers without RFC 6578).
    Ctag,
}

#[derive(Debug, Args)]
pub struct PollScaleArgs {
    /// Calendar collections on the endpoint, checked round robin.
    #[arg(long, default_value_t = 5_000)]
    calendars: usize,
    /// The endpoint's delay before every answer, in milliseconds.
    #[arg(long, default_value_t = 120)]
    delay_ms: u64,
    /// Checks in flight at once (the default allows 10,000/s at 120 ms).
    #[arg(long, default_value_t = 1_200)]
    concurrency: usize,
    /// Timed seconds of each phase (after the warm-up).
    #[arg(long, default_value_t = 15)]
    seconds: u64,
    /// Seconds of each phase before timing starts (connections opened, caches warm).
    #[arg(long, default_value_t = 3)]
    warm_up: u64,
    #[arg(long, value_enum, default_value_t = Method::SyncToken)]
    method: Method,
    /// Print the report as JSON (else a short summary).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    bench: &'static str,
    calendars: usize,
    server_delay_ms: u64,
    concurrency: usize,
    method: &'static str,
    latency_bound: Figure,
    calsync: Rates,
    raw_http_reference: Rates,
    ratios: Ratios,
    targets_met: Targets,
}

#[derive(Debug, Serialize)]
struct Rates {
    checks_per_second: Figure,
    cpu_cores: Figure,
    checks_per_cpu_second: Figure,
    calendars_per_15s_window_per_worker: Figure,
    failures: u64,
    first_failure: Option<String>,
    server_cpu_cores: Figure,
}

#[derive(Debug, Serialize)]
struct Ratios {
    checks_per_cpu_second_calsync_over_raw: Figure,
}

#[derive(Debug, Serialize)]
struct Targets {
    /// ≥ 7,000 checks/s using ≤ 1 core.
    checks_per_second_at_one_core: bool,
}

pub async fn run(args: PollScaleArgs) -> anyhow::Result<()> {
    ensure!(
        args.calendars > 0 && args.concurrency > 0,
        "nothing to check"
    );
    let (mut server, port) = spawn_endpoint(args.calendars, args.delay_ms).await?;
    let server_pid = server.id().context("the endpoint exited")?.to_string();
    let base = format!("http://127.0.0.1:{port}");
    let load = Load {
        concurrency: args.concurrency,
        calendars: args.calendars,
        warm_up: Duration::from_secs(args.warm_up),
        duration: Duration::from_secs(args.seconds),
        server_pid,
    };

    note(&format!(
        "calsync adapter: {} checks in flight",
        args.concurrency
    ));
    let calsync = drive(&load, calsync_check(&base, &args)?).await?;
    note("reference: bare HTTP client, same requests");
    let raw = drive(&load, raw_check(&base, args.method)?).await?;
    server.kill().await.ok();

    let calsync_rates = rates(&calsync, "calsync's CaldavAccount::changes");
    let raw_rates = rates(&raw, "a bare reqwest client reading each reply");
    let per_second = calsync.checks as f64 / calsync.seconds;
    let cores = calsync.cpu_seconds / calsync.seconds;
    let report = Report {
        bench: "poll-scale",
        calendars: args.calendars,
        server_delay_ms: args.delay_ms,
        concurrency: args.concurrency,
        method: match args.method {
            Method::SyncToken => "sync-token",
            Method::Ctag => "ctag",
        },
        latency_bound: Figure::of(
            args.concurrency as f64 * 1_000.0 / args.delay_ms.max(1) as f64,
            "checks/s",
            0,
            "concurrency / server delay: the most any client reaches at this concurrency",
        ),
        ratios: Ratios {
            checks_per_cpu_second_calsync_over_raw: Figure::ratio(
                calsync_rates.checks_per_cpu_second.value,
                raw_rates.checks_per_cpu_second.value,
                "calsync checks per CPU-second / bare client's",
            ),
        },
        calsync: calsync_rates,
        raw_http_reference: raw_rates,
        targets_met: Targets {
            checks_per_second_at_one_core: per_second >= TARGET_CHECKS_PER_SECOND && cores <= 1.0,
        },
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "calsync: {:.0} checks/s on {:.2} cores ({:.0} per CPU-second); bare client: \
             {:.0} per CPU-second; target {TARGET_CHECKS_PER_SECOND} checks/s at ≤ 1 core",
            per_second,
            cores,
            report.calsync.checks_per_cpu_second.value,
            report.raw_http_reference.checks_per_cpu_second.value
        );
    }
    Ok(())
}

/// Starts the bench's CalDAV endpoint ([`server`]) as a child process serving `calendars`
/// collections after `delay_ms`; returns it with the port it listens on.
pub async fn spawn_endpoint(
    calendars: usize,
    delay_ms: u64,
) -> anyhow::Result<(tokio::process::Child, u16)> {
    let binary = std::env::current_exe().context("locating calsync-bench")?;
    let mut server = tokio::process::Command::new(binary)
        .args(["poll-scale-server", "--calendars"])
        .arg(calendars.to_string())
        .arg("--delay-ms")
        .arg(delay_ms.to_string())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("starting the CalDAV endpoint")?;
    let stdout = server
        .stdout
        .take()
        .context("no stdout from the endpoint")?;
    let line = BufReader::new(stdout)
        .lines()
        .next_line()
        .await?
        .context("the endpoint exited before printing its port")?;
    Ok((server, line.trim().parse()?))
}

/// Calendar `n` of the endpoint [`spawn_endpoint`] serves at `base`, as `account` lists it.
pub fn endpoint_calendar(
    base: &str,
    account: &AccountId,
    n: usize,
    capabilities: Capabilities,
) -> anyhow::Result<CalendarInfo> {
    Ok(CalendarInfo {
        id: CalendarId::parse(format!("c{n}"))?,
        account: account.clone(),
        name: format!("Calendar {n}"),
        url: format!("{base}/cal/{n}/"),
        color: None,
        owner_emails: vec![],
        read_only: false,
        capabilities,
    })
}

fn calendar_infos(base: &str, args: &PollScaleArgs) -> anyhow::Result<Arc<Vec<CalendarInfo>>> {
    let account = AccountId::parse("bench")?;
    let capabilities = Capabilities {
        sync_collection: matches!(args.method, Method::SyncToken),
        ctag: true,
        ..Capabilities::default()
    };
    let infos = (0..args.calendars)
        .map(|n| endpoint_calendar(base, &account, n, capabilities.clone()))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Arc::new(infos))
}

/// One check through the adapter, as the poller makes it: the cursor stored by the last
/// check, which must come back as "unchanged".
fn calsync_check(
    base: &str,
    args: &PollScaleArgs,
) -> anyhow::Result<
    impl Fn(usize) -> futures::future::BoxFuture<'static, Result<(), String>>
    + Clone
    + Send
    + Sync
    + use<>,
> {
    let account = Arc::new(CaldavAccount::new(
        base,
        "bench",
        Zeroizing::new("bench".into()),
        CaldavOptions::default(),
    )?);
    let calendars = calendar_infos(base, args)?;
    let cursor = Arc::new(SyncCursor {
        token: Some(server::SYNC_TOKEN.to_string()),
        ctag: Some(server::CTAG.to_string()),
        // As calsync stores it after its first check here: this endpoint has no
        // `getlastmodified`, so no gate request is sent (each check is the one report).
        modified_gate: Some(ModifiedGate {
            trust: GateTrust::Unusable,
            ..ModifiedGate::default()
        }),
    });
    Ok(move |n: usize| {
        let (account, calendars, cursor) = (
            Arc::clone(&account),
            Arc::clone(&calendars),
            Arc::clone(&cursor),
        );
        let check: futures::future::BoxFuture<'static, Result<(), String>> = Box::pin(async move {
            let calendar = calendars.get(n).ok_or("no such calendar")?;
            let now = Utc::now();
            let batch = account
                .changes(calendar, &cursor, (now, now))
                .await
                .map_err(|e| e.to_string())?;
            match batch.listing {
                Listing::Unchanged => Ok(()),
                other => Err(format!("expected unchanged, got {other:?}")),
            }
        });
        check
    })
}

/// The same request from a bare client: no XML parsed, the reply only read and its status
/// checked. What any client must spend on HTTP alone.
fn raw_check(
    base: &str,
    method: Method,
) -> anyhow::Result<
    impl Fn(usize) -> futures::future::BoxFuture<'static, Result<(), String>>
    + Clone
    + Send
    + Sync
    + use<>,
> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let (verb, body) = match method {
        Method::SyncToken => (
            "REPORT",
            format!(
                r#"<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>{}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"#,
                server::SYNC_TOKEN
            ),
        ),
        Method::Ctag => (
            "PROPFIND",
            r#"<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop><cs:getctag/><d:sync-token/></d:prop></d:propfind>"#
                .to_string(),
        ),
    };
    let verb = reqwest::Method::from_bytes(verb.as_bytes())?;
    let base = Arc::new(base.to_string());
    Ok(move |n: usize| {
        let request = client
            .request(verb.clone(), format!("{base}/cal/{n}/"))
            .basic_auth("bench", Some("bench"))
            .header("Depth", "0")
            .header("Content-Type", "application/xml; charset=utf-8")
            .body(body.clone());
        let check: futures::future::BoxFuture<'static, Result<(), String>> = Box::pin(async move {
            let response = request.send().await.map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            response.bytes().await.map_err(|e| e.to_string())?;
            if status == 207 {
                Ok(())
            } else {
                Err(format!("status {status}"))
            }
        });
        check
    })
}

fn rates(phase: &Phase, who: &str) -> Rates {
    let seconds = phase.seconds.max(f64::EPSILON);
    let per_second = phase.checks as f64 / seconds;
    let how = |what: &str| format!("{what}: {who}, {} checks in {seconds:.2} s", phase.checks);
    Rates {
        checks_per_second: Figure::of(
            per_second,
            "checks/s",
            0,
            how("checks completed / wall time"),
        ),
        cpu_cores: Figure::of(
            phase.cpu_seconds / seconds,
            "cores",
            3,
            how("this process's user + system CPU time (/proc/self/stat) / wall time"),
        ),
        checks_per_cpu_second: Figure::of(
            phase.checks as f64 / phase.cpu_seconds.max(f64::EPSILON),
            "checks/CPU-s",
            0,
            how("checks / this process's user + system CPU seconds"),
        ),
        calendars_per_15s_window_per_worker: Figure::of(
            per_second * WINDOW_SECONDS,
            "calendars",
            0,
            how("checks/s × 15 s: calendars one process can check once every 15 s"),
        ),
        failures: phase.failures,
        first_failure: phase.first_failure.clone(),
        server_cpu_cores: Figure::of(
            phase.server_cpu_seconds / seconds,
            "cores",
            3,
            "the endpoint process's CPU time / wall time (not counted above)",
        ),
    }
}
