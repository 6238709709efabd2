//! `calsync-bench engine`: how long the pure engine takes to plan a pass of a large link, and
//! what each change adds to it.
//!
//! A pair of calendars holding `--events` events in all (half the originals on each side,
//! each calendar holding every event once synced) is synced in memory until quiet. Then
//! `--changed-percent` of the events are edited on side `a`, and each repetition times two
//! plans of the same link state: the reference, a pass with nothing changed (no observations,
//! as after an unchanged sync-token), and the pass seeing the edits. The per-change overhead
//! is their difference divided by the number of edits. Only `plan` is timed: observing,
//! executing and storing are I/O the engine never does.

mod pair;

use crate::measure::{Figure, note, percentile};
use anyhow::ensure;
use chrono::Utc;
use clap::Args;
use pair::Pair;
use serde::Serialize;
use std::time::Instant;

/// The target for the per-change overhead of planning, at p99.
const PER_CHANGE_TARGET_MS: f64 = 5.0;

#[derive(Debug, Args)]
pub struct EngineArgs {
    /// Events in the link (half of them originals on each calendar of the pair).
    #[arg(long, default_value_t = 10_000)]
    events: usize,
    /// Share of the events edited on one side before the changed plan, in percent.
    #[arg(long, default_value_t = 1.0)]
    changed_percent: f64,
    /// Timed repetitions of each plan (at least 30).
    #[arg(long, default_value_t = 100)]
    repetitions: usize,
    /// Print the report as JSON (else a short summary).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    bench: &'static str,
    events: usize,
    items_per_calendar: usize,
    changed_events: usize,
    repetitions: usize,
    initial_plan: Figure,
    no_change_plan: Spread,
    changed_plan: Spread,
    full_reconcile_plan: Spread,
    per_change_overhead: Spread,
    targets_met: Targets,
}

#[derive(Debug, Serialize)]
struct Spread {
    p50: Figure,
    p99: Figure,
}

#[derive(Debug, Serialize)]
struct Targets {
    /// Per-change overhead ≤ 5 ms at p99.
    per_change_overhead_p99: bool,
}

pub async fn run(args: EngineArgs) -> anyhow::Result<()> {
    ensure!(args.repetitions >= 30, "--repetitions must be at least 30");
    ensure!(args.events >= 2, "--events must be at least 2");
    let now = Utc::now();
    let mut pair = Pair::new(args.events / 2, now)?;
    note(&format!("initial sync of {} events", args.events));
    let initial_observations = pair.observations();
    let started = Instant::now();
    let initial_ops = pair.plan(&initial_observations, false).ops.len();
    let initial_ms = started.elapsed().as_secs_f64() * 1e3;
    let mut passes = 0;
    while pair.pass()? > 0 {
        passes += 1;
        ensure!(passes <= 5, "the pair does not settle: the engine loops");
    }
    let quiet = pair.observations();
    ensure!(
        quiet.is_empty(),
        "{} observations after settling",
        quiet.len()
    );

    let changes = ((args.events as f64) * args.changed_percent / 100.0).round() as usize;
    ensure!(changes > 0, "--changed-percent leaves nothing to change");
    let side_a = pair.calendar_ids().into_iter().next();
    if let Some(side_a) = side_a {
        pair.edit_originals(&side_a, changes)?;
    }
    let changed = pair.observations();
    ensure!(changed.len() == changes, "{} observations", changed.len());
    let changed_ops = pair.plan(&changed, false).ops.len();
    ensure!(
        changed_ops == changes,
        "{changed_ops} writes for {changes} edits"
    );

    note(&format!("timing {} repetitions", args.repetitions));
    let mut samples = Samples::default();
    for _ in 0..args.repetitions {
        let no_change = time_ms(|| pair.plan(&quiet, false));
        let with_changes = time_ms(|| pair.plan(&changed, false));
        samples.no_change.push(no_change);
        samples.changed.push(with_changes);
        samples
            .per_change
            .push((with_changes - no_change) / changes as f64);
        samples.full.push(time_ms(|| pair.plan(&quiet, true)));
    }

    let per_change_p99 = percentile(&samples.per_change, 0.99);
    let report = Report {
        bench: "engine",
        events: args.events,
        items_per_calendar: pair.item_count() / 2,
        changed_events: changes,
        repetitions: args.repetitions,
        initial_plan: Figure::millis(
            initial_ms,
            format!("one `plan` of the initial pass: {initial_ops} copies to create"),
        ),
        no_change_plan: spread(
            &samples.no_change,
            "`plan` with nothing observed (the reference: an unchanged sync-token)",
        ),
        changed_plan: spread(
            &samples.changed,
            &format!("`plan` seeing {changes} edits on one side ({changed_ops} updates)"),
        ),
        full_reconcile_plan: spread(
            &samples.full,
            "`plan` with nothing observed and every shadow re-examined (once a day)",
        ),
        per_change_overhead: spread(
            &samples.per_change,
            &format!("(changed plan - no-change plan) / {changes}, paired per repetition"),
        ),
        targets_met: Targets {
            per_change_overhead_p99: per_change_p99 <= PER_CHANGE_TARGET_MS,
        },
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "{} events, {changes} changed: plan p50 {:.2} ms (no change {:.3} ms), per change \
             p99 {per_change_p99:.4} ms (target {PER_CHANGE_TARGET_MS} ms)",
            args.events, report.changed_plan.p50.value, report.no_change_plan.p50.value
        );
    }
    Ok(())
}

#[derive(Default)]
struct Samples {
    no_change: Vec<f64>,
    changed: Vec<f64>,
    full: Vec<f64>,
    per_change: Vec<f64>,
}

fn time_ms<T>(work: impl FnOnce() -> T) -> f64 {
    let started = Instant::now();
    let result = work();
    let elapsed = started.elapsed().as_secs_f64() * 1e3;
    // Dropped after the clock stops: freeing the plan is the caller's cost, not planning's.
    drop(result);
    elapsed
}

fn spread(samples: &[f64], how: &str) -> Spread {
    let of = |share: f64, name: &str| {
        Figure::millis(
            percentile(samples, share),
            format!("{name} over {} repetitions of {how}", samples.len()),
        )
    };
    Spread {
        p50: of(0.5, "p50"),
        p99: of(0.99, "p99"),
    }
}
