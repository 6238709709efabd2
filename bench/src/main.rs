//! `calsync-bench`: calsync's benchmarks, each printing its figures side by side with a
//! reference measured in the same run (ratios stay meaningful on a noisy machine).
//! `scripts/bench.sh` starts the servers a benchmark needs and runs it.

mod caldav;
mod measure;

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
    /// calsync vs vdirsyncer on identical Radicale calendar pairs: initial, no-change and
    /// 1 %-changed passes, and the server's raw write time for the same events.
    Caldav(caldav::CaldavArgs),
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
            Bench::Caldav(args) => caldav::run(args).await,
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
