//! `calsync-bench all`: every benchmark in one run, one JSON document. Each runs as a child
//! process of this binary (a fresh heap and runtime each, so one cannot skew the next); one
//! that fails (e.g. a server it needs is not running) is reported as such and the rest go on.

use crate::measure::note;
use clap::Args;
use serde_json::{Map, Value, json};
use std::process::Stdio;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct AllArgs {
    /// Events per calendar for the CalDAV comparison (2,000 takes ~40 minutes on Radicale).
    #[arg(long, default_value_t = 500)]
    caldav_events: usize,
    /// Leave out benchmarks, by name (repeatable).
    #[arg(long)]
    skip: Vec<String>,
    #[arg(long)]
    json: bool,
}

/// The suite, in order: name, then the arguments after it (`--json` is added).
fn suite(args: &AllArgs) -> Vec<(&'static str, Vec<String>)> {
    vec![
        ("engine", vec![]),
        ("detection", vec![]),
        ("poll-scale", vec![]),
        ("lambda-init", vec![]),
        // 15 counted minutes per scenario (the settling minutes come on top) keep the run
        // under ten minutes; counts scale linearly with the minutes.
        ("cost", vec!["--minutes".into(), "15".into()]),
        ("propagation", vec![]),
        (
            "caldav",
            vec!["--events".into(), args.caldav_events.to_string()],
        ),
    ]
}

pub async fn run(args: AllArgs) -> anyhow::Result<()> {
    let binary = std::env::current_exe()?;
    let mut results = Map::new();
    let mut targets = Map::new();
    let started = Instant::now();
    for (name, extra) in suite(&args) {
        if args.skip.iter().any(|skipped| skipped == name) {
            results.insert(name.into(), json!({ "skipped": "--skip" }));
            continue;
        }
        note(&format!("running {name}"));
        let begun = Instant::now();
        let output = tokio::process::Command::new(&binary)
            .arg(name)
            .args(&extra)
            .arg("--json")
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .await?;
        let seconds = begun.elapsed().as_secs_f64().round();
        let result = match serde_json::from_slice::<Value>(&output.stdout) {
            Ok(report) if output.status.success() => {
                if let Some(met) = report.get("targets_met") {
                    targets.insert(name.into(), met.clone());
                }
                report
            }
            _ => json!({
                "error": format!(
                    "{name} failed ({}); its messages are above. Servers it needs are started \
                     by scripts/bench.sh",
                    output.status
                ),
            }),
        };
        note(&format!("{name} took {seconds} s"));
        results.insert(name.into(), result);
    }
    let report = json!({
        "bench": "all",
        "machine": machine(),
        "wall_clock_s": started.elapsed().as_secs_f64().round(),
        "targets_met": targets,
        "results": results,
    });
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{}", serde_json::to_string_pretty(&report["targets_met"])?);
    }
    Ok(())
}

/// What the figures were measured on.
fn machine() -> Value {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_string));
    json!({
        "arch": std::env::consts::ARCH,
        "os": std::env::consts::OS,
        "cpu_cores": cores,
        "load_average_1m_at_start": load,
    })
}
