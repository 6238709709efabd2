//! `calsync sync` and `calsync serve`: passes over every link.

use crate::cli::SyncArgs;
use crate::output::print_json;
use crate::progress::TerminalProgress;
use crate::runtime::Embedded;
use calsync_core::usecases::{LinkReport, PassOptions};
use serde::Serialize;
use std::process::ExitCode;

#[derive(Serialize)]
struct PassOutput<'a> {
    ok: bool,
    links: &'a [LinkReport],
}

pub async fn run(app: &Embedded, args: SyncArgs) -> anyhow::Result<ExitCode> {
    if !args.once {
        let options = crate::serve::ServeOptions::polling_only(args.polling.policy()?);
        return crate::serve::serve(app, options).await;
    }
    let options = PassOptions {
        full_reconcile: args.full,
        links: None,
        check_only: None,
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

pub fn print_report(report: &LinkReport) {
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
