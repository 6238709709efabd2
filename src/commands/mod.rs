//! One module per command group; each returns the process exit code.

mod account;
mod bench;
mod calendar;
mod link;
mod oauth_connect;
mod status;
mod sync;

use crate::cli::{Cli, Command};
use crate::runtime::Embedded;
use std::process::ExitCode;

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // Benchmarks bring their own state: no data directory is opened for them.
    let command = match cli.command {
        Command::Bench(args) => return bench::run(&args.args).await,
        command => command,
    };
    let app = Embedded::open(&cli.data_dir).await?;
    match command {
        Command::Account(command) => account::run(&app, command).await,
        Command::Calendar(command) => calendar::run(&app, command).await,
        Command::Link(command) => link::run(&app, command).await,
        Command::Sync(args) => sync::run(&app, args).await,
        Command::Serve(args) => {
            let options = crate::serve::ServeOptions {
                cadence: args.polling.policy()?,
                public_url: args.public_url,
                listen: args.listen,
                push_fallback_poll: std::time::Duration::from_secs(args.push_fallback_poll),
                channel_upkeep: std::time::Duration::from_secs(args.channel_upkeep.max(1)),
                channel_life: args.channel_life.map(chrono::TimeDelta::seconds),
            };
            crate::serve::serve(&app, options).await
        }
        Command::Status(args) => status::run(&app, args.json, &args.polling.policy()?).await,
        Command::Bench(args) => bench::run(&args.args).await,
    }
}
