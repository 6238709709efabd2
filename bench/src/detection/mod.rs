//! `calsync-bench detection`: how soon the adaptive poller notices a CalDAV change, and what
//! it costs in requests, beside the fixed 15-second poller on the same edits.
//!
//! The poller is calsync's own (`calsync_core::usecases::cadence::AdaptivePoller`, the one
//! `calsync serve` runs each second), driven by a simulated clock over a generated day of
//! edits (see `trace`): a check at second `t` sees every edit made before `t`, and records
//! the calendar as changed at `t`, as a real check does. Detection latency is the time from
//! an edit to the first check after it; the check's own round trip (one sync-collection
//! REPORT, 10-150 ms) comes on top and is measured by `poll-scale`.

mod trace;

use crate::measure::{Figure, note, percentile};
use anyhow::ensure;
use calsync_core::domain::CalendarId;
use calsync_core::usecases::cadence::{AdaptivePoller, CadencePolicy, WorkingHours};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use clap::Args;
use serde::Serialize;
use std::time::Duration;

/// The targets: mean detection for calendars with recent activity, and the budget.
const ACTIVE_MEAN_TARGET_S: f64 = 3.0;
const BUDGET_REQUESTS_PER_15_S: f64 = 1.0;

#[derive(Debug, Args)]
pub struct DetectionArgs {
    /// Calendars polled by one process.
    #[arg(long, default_value_t = 200)]
    calendars: usize,
    /// Simulated hours, starting on a Monday at 00:00 UTC.
    #[arg(long, default_value_t = 24)]
    hours: u32,
    /// Seed of the generated edits.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    bench: &'static str,
    calendars: usize,
    simulated_hours: u32,
    edits: usize,
    edits_with_recent_activity: usize,
    adaptive: PollerFigures,
    fixed_15s_reference: PollerFigures,
    targets: Targets,
    targets_met: TargetsMet,
}

#[derive(Debug, Serialize)]
struct PollerFigures {
    policy: String,
    detection_recent_activity: Spread,
    detection_after_quiet: Spread,
    detection_all: Spread,
    requests_per_calendar_per_15_s: Figure,
}

#[derive(Debug, Serialize)]
struct Spread {
    mean: Figure,
    p50: Figure,
    p95: Figure,
}

#[derive(Debug, Serialize)]
struct Targets {
    recent_activity_mean_s: f64,
    requests_per_calendar_per_15_s: f64,
}

#[derive(Debug, Serialize)]
struct TargetsMet {
    recent_activity_mean: bool,
    request_budget: bool,
}

/// One poller's run over the trace.
struct Run {
    recent: Vec<f64>,
    quiet: Vec<f64>,
    checks: usize,
}

pub async fn run(args: DetectionArgs) -> anyhow::Result<()> {
    ensure!(args.calendars > 0 && args.hours > 0, "nothing to simulate");
    // Monday 2026-11-30 00:00 UTC.
    let start = Utc
        .with_ymd_and_hms(2026, 11, 30, 0, 0, 0)
        .single()
        .ok_or_else(|| anyhow::anyhow!("the start date"))?;
    let edits = trace::edits(args.calendars, start, args.hours, args.seed);
    let total: usize = edits.iter().map(Vec::len).sum();
    let hours: WorkingHours = "Mon-Fri 08:00-18:00 UTC".parse()?;
    let budget = Duration::from_secs(15);
    let adaptive_policy = CadencePolicy::around(budget, Some(hours));
    note(&format!(
        "{total} edits on {} calendars over {} h",
        args.calendars, args.hours
    ));
    let adaptive = simulate(&edits, start, args.hours, adaptive_policy.clone())?;
    let fixed = simulate(&edits, start, args.hours, CadencePolicy::fixed(budget))?;
    let figures = |run: &Run, policy: String| {
        let calendar_quarters = args.calendars as f64 * f64::from(args.hours) * 3600.0 / 15.0;
        let mut all = run.recent.clone();
        all.extend(&run.quiet);
        PollerFigures {
            policy,
            detection_recent_activity: spread(
                &run.recent,
                "edits made within 15 min of the calendar's previous detected change",
            ),
            detection_after_quiet: spread(
                &run.quiet,
                "edits that start a burst (no change detected in the 15 min before)",
            ),
            detection_all: spread(&all, "edits"),
            requests_per_calendar_per_15_s: Figure::of(
                run.checks as f64 / calendar_quarters,
                "requests",
                3,
                format!(
                    "{} checks / ({} calendars x {} h / 15 s)",
                    run.checks, args.calendars, args.hours
                ),
            ),
        }
    };
    let report = Report {
        bench: "detection",
        calendars: args.calendars,
        simulated_hours: args.hours,
        edits: total,
        edits_with_recent_activity: adaptive.recent.len(),
        targets_met: TargetsMet {
            recent_activity_mean: mean(&adaptive.recent) <= ACTIVE_MEAN_TARGET_S,
            request_budget: adaptive.checks as f64
                <= args.calendars as f64 * f64::from(args.hours) * 3600.0 / 15.0
                    * BUDGET_REQUESTS_PER_15_S,
        },
        adaptive: figures(&adaptive, describe(&adaptive_policy)),
        fixed_15s_reference: figures(&fixed, "every calendar every 15 s".into()),
        targets: Targets {
            recent_activity_mean_s: ACTIVE_MEAN_TARGET_S,
            requests_per_calendar_per_15_s: BUDGET_REQUESTS_PER_15_S,
        },
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "recent-activity detection mean {:.2} s (fixed 15 s: {:.2} s), {:.3} requests per \
             calendar per 15 s",
            report.adaptive.detection_recent_activity.mean.value,
            report
                .fixed_15s_reference
                .detection_recent_activity
                .mean
                .value,
            report.adaptive.requests_per_calendar_per_15_s.value
        );
    }
    Ok(())
}

fn describe(policy: &CadencePolicy) -> String {
    format!(
        "adaptive: active {} s for {} min after a change, working hours {} s ({}), idle {} s, \
         average budget one check per {} s",
        policy.active.as_secs(),
        policy.active_for.as_secs() / 60,
        policy.working.as_secs(),
        policy
            .working_hours
            .as_ref()
            .map_or_else(|| "none".to_string(), ToString::to_string),
        policy.idle.as_secs(),
        policy.budget.as_secs()
    )
}

/// Runs `policy`'s poller second by second over the edits.
fn simulate(
    edits: &[Vec<DateTime<Utc>>],
    start: DateTime<Utc>,
    hours: u32,
    policy: CadencePolicy,
) -> anyhow::Result<Run> {
    let ids: Vec<CalendarId> = (0..edits.len())
        .map(|n| CalendarId::try_from(format!("calendar-{n:05}")))
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow::anyhow!("calendar id: {e}"))?;
    let index: std::collections::BTreeMap<&CalendarId, usize> =
        ids.iter().enumerate().map(|(n, id)| (id, n)).collect();
    let mut poller = AdaptivePoller::new(policy);
    let mut last_changed: Vec<Option<DateTime<Utc>>> = vec![None; edits.len()];
    let mut next_edit = vec![0usize; edits.len()];
    let mut run = Run {
        recent: Vec::new(),
        quiet: Vec::new(),
        checks: 0,
    };
    let active_for = TimeDelta::minutes(15);
    // The first round checks everything (never checked): start polling an hour early so the
    // measured day begins in the steady state.
    let warm_up = 3600;
    for second in -warm_up..i64::from(hours) * 3600 {
        let now = start + TimeDelta::seconds(second);
        let polled: Vec<_> = ids
            .iter()
            .zip(&last_changed)
            .map(|(id, changed)| (id.clone(), *changed))
            .collect();
        for calendar in poller.due(now, &polled) {
            let n = index[&calendar];
            if second >= 0 {
                run.checks += 1;
            }
            let mut detected = false;
            while let Some(edit) = edits[n].get(next_edit[n]).filter(|at| **at < now) {
                let latency = (now - *edit).as_seconds_f64();
                let recent = last_changed[n].is_some_and(|at| *edit - at <= active_for);
                if recent {
                    run.recent.push(latency);
                } else {
                    run.quiet.push(latency);
                }
                next_edit[n] += 1;
                detected = true;
            }
            if detected {
                last_changed[n] = Some(now);
            }
        }
    }
    Ok(run)
}

fn mean(samples: &[f64]) -> f64 {
    samples.iter().sum::<f64>() / samples.len().max(1) as f64
}

fn spread(samples: &[f64], how: &str) -> Spread {
    let with = |name: &str| format!("{name} over {} {how}", samples.len());
    Spread {
        mean: Figure::seconds(mean(samples), with("mean")),
        p50: Figure::seconds(percentile(samples, 0.5), with("p50")),
        p95: Figure::seconds(percentile(samples, 0.95), with("p95")),
    }
}
