//! `calsync-bench`: calsync's benchmarks, each printing its figures side by side with a
//! reference measured in the same run (ratios stay meaningful on a noisy machine).
//! `scripts/bench.sh` starts the servers a benchmark needs and runs it.

mod all;
mod caldav;
mod cost;
mod detection;
mod engine;
mod lambda_init;
mod measure;
mod poll_scale;
mod propagation;
mod stack;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "calsync-bench",
    about = "calsync's benchmarks (JSON with --json)"
)]
struct Cli {
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Debug, Subcommand)]
enum Bench {
    /// Every benchmark below, one JSON document (`calsync bench --json` runs this).
    All(all::AllArgs),
    /// calsync vs vdirsyncer on identical Radicale calendar pairs: initial, no-change and
    /// 1 %-changed passes, and the server's raw write time for the same events.
    Caldav(caldav::CaldavArgs),
    /// How soon the adaptive poller notices a CalDAV change and how many requests it makes,
    /// beside the fixed 15-second poller, over a simulated day of edits on 200 calendars.
    Detection(detection::DetectionArgs),
    /// The pure engine planning a pass of a 10,000-event pair with 1 % changed, against the
    /// same link with nothing changed: per-change overhead p50/p99.
    Engine(engine::EngineArgs),
    /// CalDAV change checks per second and per CPU-second through calsync's adapter, against
    /// a local endpoint answering after 120 ms, beside a bare HTTP client.
    PollScale(poll_scale::PollScaleArgs),
    /// Each Lambda function binary from process start to its first request for work, and
    /// the size of its deployment zip.
    LambdaInit(lambda_init::LambdaInitArgs),
    /// Dollars per calendar-month on AWS from counted operations (moto_server behind a
    /// counting proxy) for 15 s polling and for push-only calendars.
    Cost(cost::CostArgs),
    /// A change on one provider until visible on the other, through `calsync serve` with
    /// webhooks, at 0 and 50 ms injected provider latency: p50/p95/p99 per direction.
    Propagation(propagation::PropagationArgs),
    /// The endpoint `poll-scale` starts as its child process.
    #[command(hide = true)]
    PollScaleServer(poll_scale::server::ServerArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("calsync-bench: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.bench {
            Bench::All(args) => all::run(args).await,
            Bench::Caldav(args) => caldav::run(args).await,
            Bench::Detection(args) => detection::run(args).await,
            Bench::Engine(args) => engine::run(args).await,
            Bench::PollScale(args) => poll_scale::run(args).await,
            Bench::Propagation(args) => propagation::run(args).await,
            Bench::PollScaleServer(args) => poll_scale::server::run(args).await,
            Bench::LambdaInit(args) => lambda_init::run(args).await,
            Bench::Cost(args) => cost::run(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("calsync-bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}
