//! `calsync bench ...`: runs `calsync-bench`, the benchmark binary built beside this one. The
//! benchmarks live in their own binary so that their harnesses never ship in `calsync`.

use anyhow::Context;
use std::process::ExitCode;

pub async fn run(args: &[String]) -> anyhow::Result<ExitCode> {
    let binary = std::env::current_exe()
        .context("locating the calsync binary")?
        .with_file_name("calsync-bench");
    if !binary.exists() {
        anyhow::bail!(
            "{} is missing: build it with `cargo build --release -p calsync-bench`, or run \
             scripts/bench.sh, which also starts the servers the benchmarks need",
            binary.display()
        );
    }
    let status = tokio::process::Command::new(&binary)
        .args(args)
        .status()
        .await
        .with_context(|| format!("running {}", binary.display()))?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}
