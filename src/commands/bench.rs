//! `calsync bench ...`: runs `calsync-bench`, the benchmark binary built beside this one. The
//! benchmarks live in their own binary so that their harnesses never ship in `calsync`.
//!
//! `calsync bench --json` (no benchmark named) runs them all. Some need a Radicale and
//! moto_server: inside a calsync checkout whose servers are not running, the run goes through
//! `scripts/bench.sh`, which installs and starts them (and stops them afterwards).

use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub async fn run(args: &[String]) -> anyhow::Result<ExitCode> {
    let exe = std::env::current_exe().context("locating the calsync binary")?;
    let binary = exe.with_file_name("calsync-bench");
    let mut args = args.to_vec();
    if args.iter().all(|arg| arg.starts_with('-')) {
        args.insert(0, "all".to_string());
    }
    let script = checkout_bench_script(&exe);
    let servers_running = std::env::var_os("CALSYNC_TEST_RADICALE_URL").is_some();
    let mut command = match script {
        Some(script) if !servers_running => {
            let mut command = tokio::process::Command::new(script);
            command.args(&args);
            command
        }
        _ if !binary.exists() => anyhow::bail!(
            "{} is missing: build it with `cargo build --release -p calsync -p calsync-bench`, \
             or run scripts/bench.sh, which also starts the servers the benchmarks need",
            binary.display()
        ),
        _ => {
            let mut command = tokio::process::Command::new(&binary);
            command.args(&args);
            command
        }
    };
    let status = command.status().await.context("running the benchmarks")?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}

/// `<checkout>/scripts/bench.sh` when this binary was built in a calsync checkout
/// (`<checkout>/target/<profile>/calsync`).
fn checkout_bench_script(exe: &Path) -> Option<PathBuf> {
    let checkout = exe.parent()?.parent()?.parent()?;
    let script = checkout.join("scripts").join("bench.sh");
    script.is_file().then_some(script)
}
