//! `calsync-bench propagation`: how long a change made on one provider takes to show on the
//! other side of a link, through the embedded runtime (`calsync serve`, the release binary
//! beside this one) with its webhook receiver, at 0 ms and 50 ms injected provider latency.
//!
//! The Google and Graph emulators run in this process and really POST their notifications to
//! serve; the CalDAV side is the Radicale `scripts/bench.sh` starts. Three pair links, each
//! measured on its own while the others idle:
//! - Google→CalDAV and Graph→Google (push): one change at a time, each made once the previous
//!   one is visible.
//! - CalDAV→Google (no push: serve's polling at its default scheduling): changes made at random
//!   moments, so they land anywhere in the poll cycle.
//!
//! Half the changes are creates, half title edits of events that already crossed.

mod drive;
mod report;
mod sides;
mod world;

use crate::measure::{Figure, note, percentile};
use anyhow::{Context, ensure};
use calsync_testkit::{CaldavServer, ServerKind};
use clap::Args;
use drive::{Pacing, Track};
use rand::SeedableRng;
use rand::rngs::StdRng;
use report::{LatencyRun, direction, print_summary, report};
use sides::{DavWatch, Destination, Source};
use std::path::PathBuf;
use std::time::Duration;
use world::World;

/// Changes per direction made before timing starts (connections opened, caches warm).
const WARM_UP_CHANGES: usize = 4;

#[derive(Debug, Args)]
pub struct PropagationArgs {
    /// Timed changes per direction and latency (at least 20; the issue asks for ≥ 200).
    #[arg(long, default_value_t = 200)]
    changes: usize,
    /// Injected provider latencies to measure at, in milliseconds.
    #[arg(long, value_delimiter = ',', default_values_t = [0, 50])]
    latencies_ms: Vec<u64>,
    /// Mean pause between two CalDAV→Google changes (each pause random, 0 to twice this).
    #[arg(long, default_value_t = 1_000)]
    caldav_mean_gap_ms: u64,
    /// Seeds the emulators' faults and the pauses.
    #[arg(long, default_value_t = 5)]
    seed: u64,
    /// The calsync binary (default: the one next to this binary).
    #[arg(long)]
    calsync: Option<PathBuf>,
    /// Print the report as JSON (else a short summary).
    #[arg(long)]
    json: bool,
}

pub async fn run(args: PropagationArgs) -> anyhow::Result<()> {
    ensure!(args.changes >= 20, "--changes must be at least 20");
    let radicale = CaldavServer::from_env(ServerKind::Radicale).map_err(|missing| {
        anyhow::anyhow!(
            "{missing} is not set, so there is no Radicale to sync with: run \
             `scripts/bench.sh propagation --json`, which starts one"
        )
    })?;
    let calsync = match &args.calsync {
        Some(path) => path.clone(),
        None => std::env::current_exe()?.with_file_name("calsync"),
    };
    ensure!(
        calsync.exists(),
        "no calsync binary at {} (build it with `cargo build --release -p calsync -p \
         calsync-bench`, or pass --calsync)",
        calsync.display()
    );
    note("starting the emulators, connecting the accounts, starting calsync serve");
    let world = World::start(&calsync, &radicale, args.seed).await?;
    note(&format!(
        "calsync serve's log: {}",
        world.serve_log.display()
    ));
    let mut rng = StdRng::seed_from_u64(args.seed);
    let caldav_pacing = Pacing::Spread {
        mean_gap: Duration::from_millis(args.caldav_mean_gap_ms),
    };
    let mut tracks = [
        (
            "google_to_caldav",
            Pacing::OneAtATime,
            Track::new(
                Source::Google(&world.google, &world.google_to_dav),
                Destination::Dav(DavWatch::new(world.radicale_from_google.clone())?),
            ),
        ),
        (
            "graph_to_google",
            Pacing::OneAtATime,
            Track::new(
                Source::Graph(&world.graph, &world.graph_to_google),
                Destination::Google(&world.google, &world.google_from_graph),
            ),
        ),
        (
            "caldav_to_google",
            caldav_pacing,
            Track::new(
                Source::Dav(&world.radicale_to_google),
                Destination::Google(&world.google, &world.google_from_dav),
            ),
        ),
    ];
    // Quiet for longer than a request takes: no pass is running.
    let idle_window = |latency: Duration| latency + Duration::from_millis(100);
    let idle_now = |window: Duration| {
        let world = &world;
        move || world.providers_quiet_for(window)
    };
    for (name, pacing, track) in &mut tracks {
        note(&format!("{name}: {WARM_UP_CHANGES} warm-up changes"));
        track
            .run(
                &format!("{name} warm-up"),
                WARM_UP_CHANGES,
                *pacing,
                &idle_now(idle_window(Duration::ZERO)),
                &mut rng,
            )
            .await
            .with_context(|| {
                format!(
                    "warming up {name} (serve's log: {})",
                    world.serve_log.display()
                )
            })?;
    }

    let mut runs = Vec::new();
    for &latency_ms in &args.latencies_ms {
        let latency = Duration::from_millis(latency_ms);
        world.set_latency(latency);
        let idle = idle_now(idle_window(latency));
        let mut directions = Vec::new();
        for (name, pacing, track) in &mut tracks {
            note(&format!(
                "{name} at {latency_ms} ms: {} changes",
                args.changes
            ));
            let before = track.destination.observer_load();
            let requests_before = world.provider_requests();
            let outcome = track
                .run(
                    &format!("{name} {latency_ms}ms"),
                    args.changes,
                    *pacing,
                    &idle,
                    &mut rng,
                )
                .await
                .with_context(|| format!("{name} (serve's log: {})", world.serve_log.display()))?;
            let load = track.destination.observer_load().zip(before).map(
                |((requests, time), (requests_before, time_before))| {
                    (requests - requests_before, time - time_before)
                },
            );
            note(&format!(
                "{name} at {latency_ms} ms: p50 {:.3} s, p99 {:.3} s",
                percentile(&outcome.seconds, 0.5),
                percentile(&outcome.seconds, 0.99)
            ));
            let requests = world.provider_requests() - requests_before;
            directions.push(direction(&outcome, *pacing, load, requests));
        }
        let mut directions = directions.into_iter();
        let mut next = || directions.next().context("a direction was not measured");
        runs.push((
            latency_ms,
            LatencyRun {
                injected_provider_latency: Figure::millis(
                    latency_ms as f64,
                    "added by the Google and Graph emulators before every API answer \
                     (Radicale: none)",
                ),
                google_to_caldav: next()?,
                graph_to_google: next()?,
                caldav_to_google: next()?,
            },
        ));
    }
    world.stop().await?;
    let report = report(&args, runs);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_summary(&report);
    }
    Ok(())
}
