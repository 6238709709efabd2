//! `calsync sync` and `calsync serve`: passes over every link.

use crate::cli::SyncArgs;
use crate::output::print_json;
use crate::progress::TerminalProgress;
use crate::runtime::Embedded;
use calsync_core::usecases::{LinkReport, PassOptions};
use serde::Serialize;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Once a day every event is re-examined (events entering the window, drift).
const FULL_RECONCILE_EVERY: Duration = Duration::from_secs(24 * 3600);

#[derive(Serialize)]
struct PassOutput<'a> {
    ok: bool,
    links: &'a [LinkReport],
}

pub async fn run(app: &Embedded, args: SyncArgs) -> anyhow::Result<ExitCode> {
    if !args.once {
        return serve(app, args.interval).await;
    }
    let options = PassOptions {
        full_reconcile: args.full,
        links: None,
    };
    let reports = app
        .sync()
        .run_pass(&options, &TerminalProgress::new())
        .await?;
    let ok = reports.iter().all(|r| r.ok);
    if args.json {
        print_json(&PassOutput {
            ok,
            links: &reports,
        })?;
    } else {
        for report in &reports {
            print_report(report);
        }
        if reports.is_empty() {
            println!("no links yet: add one with `calsync link add`");
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_report(report: &LinkReport) {
    let state = match (&report.halted, report.ok, report.skipped) {
        (Some(_), _, _) => "HALTED",
        (None, true, true) => "unchanged",
        (None, true, false) => "ok",
        (None, false, _) => "FAILED",
    };
    let writes: Vec<String> = report
        .operations
        .iter()
        .filter(|(_, ops)| ops.created + ops.updated + ops.deleted + ops.failed > 0)
        .map(|(calendar, ops)| {
            format!(
                "{calendar} +{} ~{} -{}{}",
                ops.created,
                ops.updated,
                ops.deleted,
                if ops.failed > 0 {
                    format!(" !{}", ops.failed)
                } else {
                    String::new()
                }
            )
        })
        .collect();
    println!(
        "{}: {state}{}{} ({} ms)",
        report.name,
        if writes.is_empty() {
            String::new()
        } else {
            format!(", {}", writes.join(", "))
        },
        if report.conflicts.is_empty() {
            String::new()
        } else {
            format!(", {} conflict(s) resolved", report.conflicts.len())
        },
        report.duration_ms
    );
    for line in report
        .halted
        .iter()
        .chain(&report.errors)
        .chain(&report.notices)
    {
        println!("  {line}");
    }
}

/// Checks every calendar every `interval` seconds until interrupted; a pass in progress is
/// finished before exiting.
pub async fn serve(app: &Embedded, interval: u64) -> anyhow::Result<ExitCode> {
    let interval = Duration::from_secs(interval.max(1));
    let sync = app.sync();
    let progress = TerminalProgress::new();
    let mut last_full: Option<Instant> = None;
    tracing::info!(
        interval_s = interval.as_secs(),
        "calsync serving; Ctrl-C to stop"
    );
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = tokio::signal::ctrl_c() => break,
        }
        let full = last_full.is_none_or(|at| at.elapsed() >= FULL_RECONCILE_EVERY);
        let options = PassOptions {
            full_reconcile: full,
            links: None,
        };
        match sync.run_pass(&options, &progress).await {
            Ok(reports) => {
                if full {
                    last_full = Some(Instant::now());
                }
                for report in reports
                    .iter()
                    .filter(|r| !r.skipped && (r.writes() > 0 || !r.ok))
                {
                    print_report(report);
                }
            }
            Err(error) => tracing::error!(error = %format!("{error:#}"), "pass failed"),
        }
    }
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}
