//! `calsync-bench lambda-init`: how long each Lambda function binary takes from process start
//! to ready, and how big its deployment package is.
//!
//! Each release binary (`webhook`, `api`, `scheduler`, `sync`, built beside this one) is
//! started `--repetitions` times with the environment the CDK stack gives it (table, queue,
//! key, public URL), dummy credentials and region, and `AWS_LAMBDA_RUNTIME_API` pointing at a
//! stand-in Runtime API served here ([`runtime_api`]). Ready = its first
//! `GET .../invocation/next` arrives: `main` has read its configuration and built its SDK
//! clients and connector, which is what a cold start costs before the first event. The
//! reference, in the same run, is the machine's floor: spawning `true` until it exits.
//! Sizes are of the binary and of the zip holding it as `bootstrap` ([`package`]).

mod package;
mod runtime_api;

use crate::measure::{Figure, Spread, note, percentile};
use crate::stack::{Deployment, FUNCTIONS, default_repo};
use anyhow::{Context, bail, ensure};
use clap::Args;
use runtime_api::RuntimeApi;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The targets: ready within 20 ms, a package of at most 10 MB.
const READY_TARGET_MS: f64 = 20.0;
const ZIP_TARGET_MB: f64 = 10.0;
/// A function that is not ready within this long is reported as failing.
const READY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Args)]
pub struct LambdaInitArgs {
    /// Starts of each function binary (after one untimed start that warms the page cache).
    #[arg(long, default_value_t = 30)]
    repetitions: usize,
    /// Where the function binaries are (default: beside this binary, e.g. target/release).
    #[arg(long)]
    binaries: Option<PathBuf>,
    /// The repository whose infra/ gives the memory sizes and architecture.
    #[arg(long)]
    repo: Option<PathBuf>,
    /// Print the report as JSON (else a short summary).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    bench: &'static str,
    repetitions: usize,
    binaries: String,
    /// The architecture measured (this machine's build), and the one the stack deploys.
    host_architecture: &'static str,
    deployed_architecture: String,
    functions: BTreeMap<&'static str, FunctionFigures>,
    reference_spawn_true: Spread,
    targets: Targets,
    targets_met: TargetsMet,
}

#[derive(Debug, Serialize)]
struct FunctionFigures {
    memory_mb: u32,
    ready: Spread,
    binary_size: Figure,
    zip_size: Figure,
}

#[derive(Debug, Serialize)]
struct Targets {
    ready_p99: Figure,
    zip_size: Figure,
}

#[derive(Debug, Serialize)]
struct TargetsMet {
    /// Every function ready within the target at p99.
    ready_p99: bool,
    /// Every function's zip within the target.
    zip_size: bool,
}

pub async fn run(args: LambdaInitArgs) -> anyhow::Result<()> {
    ensure!(args.repetitions >= 10, "--repetitions must be at least 10");
    let binaries = match &args.binaries {
        Some(dir) => dir.clone(),
        None => std::env::current_exe()?
            .parent()
            .context("no directory around calsync-bench")?
            .to_path_buf(),
    };
    let deployment = Deployment::read(&args.repo.clone().unwrap_or_else(default_repo))?;
    let mut api = RuntimeApi::start().await?;
    let scratch = tempfile::tempdir()?;
    let mut functions = BTreeMap::new();
    let (mut worst_ready, mut worst_zip) = (0.0f64, 0.0f64);
    for function in FUNCTIONS {
        let binary = binaries.join(function);
        ensure!(
            binary.is_file(),
            "{} missing: build it with cargo build --release -p calsync-fn-{function}",
            binary.display()
        );
        let memory_mb = deployment.memory_of(function);
        note(&format!("{function}: {} starts", args.repetitions));
        start_until_ready(&binary, function, memory_mb, &mut api).await?;
        let mut samples = Vec::with_capacity(args.repetitions);
        for _ in 0..args.repetitions {
            samples.push(start_until_ready(&binary, function, memory_mb, &mut api).await?);
        }
        let binary_bytes = std::fs::metadata(&binary)?.len() as f64;
        let zip_bytes = package::zipped_size(&binary, scratch.path())? as f64;
        worst_ready = worst_ready.max(percentile(&samples, 0.99));
        worst_zip = worst_zip.max(zip_bytes / 1e6);
        functions.insert(
            function,
            FunctionFigures {
                memory_mb,
                ready: Spread::of_millis(
                    &samples,
                    &format!(
                        "process spawned -> first GET /2018-06-01/runtime/invocation/next at the \
                         stand-in Runtime API, {} starts of {function} with the stack's environment",
                        samples.len()
                    ),
                ),
                binary_size: Figure::of(
                    binary_bytes / 1e6,
                    "MB",
                    3,
                    format!("size of {} (10^6 bytes)", binary.display()),
                ),
                zip_size: Figure::of(
                    zip_bytes / 1e6,
                    "MB",
                    3,
                    "zip (deflate, Info-ZIP level 6) holding the binary as `bootstrap` (10^6 bytes)",
                ),
            },
        );
    }
    let reference = spawn_true_samples(args.repetitions).await?;
    let report = Report {
        bench: "lambda-init",
        repetitions: args.repetitions,
        binaries: binaries.display().to_string(),
        host_architecture: std::env::consts::ARCH,
        deployed_architecture: format!("{} ({})", deployment.architecture, deployment.source),
        functions,
        reference_spawn_true: Spread::of_millis(
            &reference,
            &format!(
                "`true` spawned -> exited, {} times: this machine's floor for starting a process",
                reference.len()
            ),
        ),
        targets: Targets {
            ready_p99: Figure::millis(READY_TARGET_MS, "issue 5: process start -> ready"),
            zip_size: Figure::of(ZIP_TARGET_MB, "MB", 1, "issue 5: zip size"),
        },
        targets_met: TargetsMet {
            ready_p99: worst_ready <= READY_TARGET_MS,
            zip_size: worst_zip <= ZIP_TARGET_MB,
        },
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for (name, figures) in &report.functions {
            println!(
                "{name}: ready p50 {:.2} ms p99 {:.2} ms, zip {:.2} MB",
                figures.ready.p50.value, figures.ready.p99.value, figures.zip_size.value
            );
        }
    }
    Ok(())
}

/// Starts `binary` as Lambda would and returns the milliseconds until it asked for work.
async fn start_until_ready(
    binary: &Path,
    function: &str,
    memory_mb: u32,
    api: &mut RuntimeApi,
) -> anyhow::Result<f64> {
    // Arrivals of a previous start that was already killed do not count.
    while api.arrivals.try_recv().is_ok() {}
    let started = Instant::now();
    let mut child = tokio::process::Command::new(binary)
        .env_clear()
        .envs(lambda_environment(function, memory_mb, &api.address))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let ready = tokio::select! {
        arrival = api.arrivals.recv() => arrival.context("the Runtime API stopped")?,
        exited = child.wait() => {
            let output = child.wait_with_output().await?;
            bail!(
                "{function} exited before asking for work ({:?}): {}",
                exited?,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        () = tokio::time::sleep(READY_TIMEOUT) => bail!("{function} not ready within {READY_TIMEOUT:?}"),
    };
    child.kill().await.ok();
    Ok(ready.duration_since(started).as_secs_f64() * 1e3)
}

/// What Lambda and the CDK stack set (infra/lib/calsync-stack.ts); the AWS values are dummies,
/// nothing is called before the first event.
fn lambda_environment(function: &str, memory_mb: u32, runtime_api: &str) -> Vec<(String, String)> {
    let vars = [
        ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_string()),
        (
            "AWS_LAMBDA_FUNCTION_NAME",
            format!("calsync-bench-{function}"),
        ),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory_mb.to_string()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/calsync-bench-{function}"),
        ),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "bench".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_DEFAULT_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", "AKIDBENCHBENCHBENCH0".into()),
        (
            "AWS_SECRET_ACCESS_KEY",
            "bench-secret-not-a-real-key".into(),
        ),
        ("AWS_SESSION_TOKEN", "bench-session".into()),
        ("CALSYNC_TABLE_NAME", "calsync-bench".into()),
        (
            "CALSYNC_QUEUE_URL",
            "https://sqs.us-east-1.amazonaws.com/123456789012/calsync-bench-jobs".into(),
        ),
        (
            "CALSYNC_KMS_KEY_ID",
            "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000".into(),
        ),
        (
            "CALSYNC_PUBLIC_URL",
            "https://bench.execute-api.us-east-1.amazonaws.com".into(),
        ),
        ("CALSYNC_METRICS_NAMESPACE", "Calsync".into()),
        ("TZ", ":UTC".into()),
    ];
    vars.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

async fn spawn_true_samples(repetitions: usize) -> anyhow::Result<Vec<f64>> {
    let mut samples = Vec::with_capacity(repetitions);
    for _ in 0..repetitions {
        let started = Instant::now();
        let status = tokio::process::Command::new("true")
            .stdin(Stdio::null())
            .status()
            .await
            .context("running `true`")?;
        ensure!(status.success(), "`true` failed");
        samples.push(started.elapsed().as_secs_f64() * 1e3);
    }
    Ok(samples)
}
