//! `calsync-bench caldav`: calsync vs vdirsyncer 0.21 on identical pairs of Radicale calendars
//! holding `--events` events each, plus the server's own raw write time for the same writes.
//!
//! Three fresh pairs are built with identical events: one for the raw reference (the copies an
//! initial sync must write, PUT directly, then the GETs and PUTs a changed pass must make),
//! one for calsync, one for vdirsyncer. Each tool then runs an initial pass, a pass with
//! nothing changed, a pass after `--changed-percent` of the events were edited (half on each
//! side) and two more with nothing changed. After every pass both calendars are checked to
//! hold every event exactly once.

mod contenders;
pub mod events;
mod passes;
mod writes;

use crate::measure::{Figure, note, timed};
use anyhow::ensure;
use calsync_testkit::{CaldavServer, ServerKind, TestCalendar};
use chrono::Utc;
use clap::Args;
use contenders::{Calsync, Vdirsyncer};
use events::{BenchEvent, events};
use passes::{Passes, edited, passes, raw_changed_floor};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct CaldavArgs {
    /// Events on each calendar of a pair before the initial pass.
    #[arg(long, default_value_t = 2000)]
    events: usize,
    /// Share of the events edited before the changed pass, in percent.
    #[arg(long, default_value_t = 1.0)]
    changed_percent: f64,
    /// Concurrent writes of the raw reference (calsync's own write parallelism).
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// The calsync binary (default: the one next to this binary).
    #[arg(long)]
    calsync: Option<PathBuf>,
    /// The vdirsyncer executable (default: `.venv/bin/vdirsyncer`, else on PATH).
    #[arg(long)]
    vdirsyncer: Option<PathBuf>,
    /// Print the report as JSON (else a short summary).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    bench: &'static str,
    server: &'static str,
    events_per_calendar: usize,
    changed_events: usize,
    raw_write: Figure,
    /// The server's own time for the reads and writes of the changed pass.
    raw_changed: Figure,
    calsync: Passes,
    vdirsyncer: Passes,
    ratios: Ratios,
    targets_met: Targets,
}

#[derive(Debug, Serialize)]
struct Ratios {
    no_change_calsync_over_vdirsyncer: Figure,
    changed_calsync_over_vdirsyncer: Figure,
    idle_after_changed_calsync_over_vdirsyncer: Figure,
    changed_calsync_over_raw_changed: Figure,
    initial_calsync_over_raw_write: Figure,
    initial_calsync_over_vdirsyncer: Figure,
}

#[derive(Debug, Serialize)]
struct Targets {
    /// No-change pass ≤ 0.05 × vdirsyncer's.
    no_change: bool,
    /// 1 %-changed pass ≤ 0.2 × vdirsyncer's.
    changed: bool,
    /// The idle pass after the changed one ≤ 0.05 × vdirsyncer's (the no-change target, for
    /// a calendar that has changed before).
    idle_after_changed: bool,
    /// Initial pass within 15 % of the server's raw write time for the same events.
    initial: bool,
}

pub async fn run(args: CaldavArgs) -> anyhow::Result<()> {
    let server = CaldavServer::get(ServerKind::Radicale);
    let calsync_binary = match &args.calsync {
        Some(path) => path.clone(),
        None => std::env::current_exe()?.with_file_name("calsync"),
    };
    ensure!(
        calsync_binary.exists(),
        "no calsync binary at {} (build it, or pass --calsync)",
        calsync_binary.display()
    );
    let vdirsyncer_binary = args.vdirsyncer.clone().unwrap_or_else(default_vdirsyncer);
    let today = Utc::now().date_naive();
    let side_a = events('a', args.events, today);
    let side_b = events('b', args.events, today);
    let changed = ((args.events as f64) * 2.0 * args.changed_percent / 100.0).round() as usize;

    note(&format!(
        "raw reference: {} copies PUT into a pair already holding {} events each",
        2 * args.events,
        args.events
    ));
    let raw = fresh_pair(&server, "raw", &side_a, &side_b).await?;
    let copies = |from: &[BenchEvent]| -> Vec<(String, String)> {
        from.iter()
            .map(|e| (format!("copy-{}", e.name), e.ics("", 0, Utc::now())))
            .collect()
    };
    let (_, raw_seconds) = timed(async {
        futures::join!(
            writes::put_all(&raw.1, copies(&side_a), args.concurrency / 2),
            writes::put_all(&raw.0, copies(&side_b), args.concurrency / 2),
        )
    })
    .await;
    let raw_write = Figure::seconds(
        raw_seconds,
        format!(
            "{} PUTs of new events into the two calendars, {} at a time",
            2 * args.events,
            args.concurrency
        ),
    );
    note("raw reference: the reads and writes of the changed pass");
    let raw_changed =
        raw_changed_floor(&raw, &edited(&side_a, &side_b, changed), args.concurrency).await?;

    note("calsync");
    let pair = fresh_pair(&server, "calsync", &side_a, &side_b).await?;
    let tool = Calsync::link(&calsync_binary, &server, &pair.0, &pair.1).await?;
    let calsync = passes(&tool, &pair, &side_a, &side_b, changed, args.events).await?;

    note("vdirsyncer");
    let pair = fresh_pair(&server, "vdirsyncer", &side_a, &side_b).await?;
    let tool = Vdirsyncer::link(&vdirsyncer_binary, &server, &pair.0, &pair.1).await?;
    let vdirsyncer = passes(&tool, &pair, &side_a, &side_b, changed, args.events).await?;

    let ratios = Ratios {
        no_change_calsync_over_vdirsyncer: Figure::ratio(
            calsync.no_change.value,
            vdirsyncer.no_change.value,
            "calsync no-change pass / vdirsyncer no-change pass",
        ),
        changed_calsync_over_vdirsyncer: Figure::ratio(
            calsync.changed.value,
            vdirsyncer.changed.value,
            "calsync changed pass / vdirsyncer changed pass",
        ),
        idle_after_changed_calsync_over_vdirsyncer: Figure::ratio(
            calsync.idle_after_changed.value,
            vdirsyncer.idle_after_changed.value,
            "calsync idle pass after the changed pass / vdirsyncer's",
        ),
        changed_calsync_over_raw_changed: Figure::ratio(
            calsync.changed.value,
            raw_changed.value,
            "calsync changed pass / the server's raw time for its GETs and PUTs (1 = all server)",
        ),
        initial_calsync_over_raw_write: Figure::ratio(
            calsync.initial.value,
            raw_write.value,
            "calsync initial pass / raw PUT time of the same number of new events",
        ),
        initial_calsync_over_vdirsyncer: Figure::ratio(
            calsync.initial.value,
            vdirsyncer.initial.value,
            "calsync initial pass / vdirsyncer initial pass",
        ),
    };
    let targets_met = Targets {
        no_change: ratios.no_change_calsync_over_vdirsyncer.value <= 0.05,
        changed: ratios.changed_calsync_over_vdirsyncer.value <= 0.2,
        idle_after_changed: ratios.idle_after_changed_calsync_over_vdirsyncer.value <= 0.05,
        initial: ratios.initial_calsync_over_raw_write.value <= 1.15,
    };
    let report = Report {
        bench: "caldav",
        server: "radicale",
        events_per_calendar: args.events,
        changed_events: changed,
        raw_write,
        raw_changed,
        calsync,
        vdirsyncer,
        ratios,
        targets_met,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_summary(&report);
    }
    Ok(())
}

fn default_vdirsyncer() -> PathBuf {
    let venv = PathBuf::from(".venv/bin/vdirsyncer");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("vdirsyncer")
    }
}

/// A run-unique collection name part, so reruns against one server never collide.
fn rand_suffix() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    )
}

/// A new pair of calendars seeded with `a` and `b` (not timed).
async fn fresh_pair(
    server: &CaldavServer,
    hint: &str,
    a: &[BenchEvent],
    b: &[BenchEvent],
) -> anyhow::Result<(TestCalendar, TestCalendar)> {
    let seed = |events: &[BenchEvent]| -> Vec<String> {
        events.iter().map(|e| e.ics("", 0, Utc::now())).collect()
    };
    let unique = rand_suffix();
    let url = |side: &str| {
        format!(
            "{}bench-{hint}-{side}-{unique}/",
            server.calendar_home_url()
        )
    };
    let cal_a = writes::create_with_items(server, &url("a"), &seed(a)).await?;
    let cal_b = writes::create_with_items(server, &url("b"), &seed(b)).await?;
    Ok((cal_a, cal_b))
}

fn print_summary(report: &Report) {
    println!(
        "caldav bench on {} ({} events per calendar, {} edited)",
        report.server, report.events_per_calendar, report.changed_events
    );
    println!(
        "  raw write of the same events: {:.3} s; raw GETs and PUTs of the changed pass: {:.3} s",
        report.raw_write.value, report.raw_changed.value
    );
    for (name, passes) in [
        ("calsync", &report.calsync),
        ("vdirsyncer", &report.vdirsyncer),
    ] {
        println!(
            "  {name:<10} initial {:>8.3} s   no change {:>8.3} s   changed {:>8.3} s   \
             then no change {:>8.3} s, idle {:>8.3} s",
            passes.initial.value,
            passes.no_change.value,
            passes.changed.value,
            passes.no_change_after_changed.value,
            passes.idle_after_changed.value
        );
    }
    let r = &report.ratios;
    println!(
        "  ratios: no change {:.4} (target ≤ 0.05), idle after changed {:.4} (≤ 0.05), changed {:.4} (≤ 0.2), \
         changed / raw {:.3}, initial / raw {:.3} (≤ 1.15)",
        r.no_change_calsync_over_vdirsyncer.value,
        r.idle_after_changed_calsync_over_vdirsyncer.value,
        r.changed_calsync_over_vdirsyncer.value,
        r.changed_calsync_over_raw_changed.value,
        r.initial_calsync_over_raw_write.value
    );
}
