//! `calsync-bench cost`: dollars per calendar-month on AWS, from operations counted while the
//! real serverless code paths run against moto_server.
//!
//! The scheduler (`CloudScheduler::tick` at injected, simulated tick times), the sync worker
//! (`SyncWorker::run_batch` on the messages the ticks queued, received as Lambda's SQS event
//! source would) and, for push, the webhook receiver (Google's channels POST to a stand-in for
//! API Gateway) talk to moto_server through a counting proxy ([`proxy`]): every DynamoDB, SQS
//! and KMS call is counted by operation, DynamoDB capacity units are estimated from item sizes
//! ([`capacity`]), Lambda GB-seconds are each invocation's measured wall time × the memory
//! size the CDK stack gives the function, and all of it is priced with the dated table in
//! [`prices`]. Three scenarios: CalDAV calendars polled every 15 s (fixed, the worst case) and
//! by the default adaptive poller while they do not change ([`polling`]), and push-only
//! Google calendars ([`push`]).

mod bill;
mod capacity;
mod clock;
mod deferred_queue;
mod event_source;
mod fleet;
mod gateway;
mod ledger;
mod polling;
mod prices;
mod proxy;
mod push;
mod world;

use crate::measure::Figure;
use crate::stack::{Deployment, default_repo};
use anyhow::{Context, ensure};
use bill::Bill;
use calsync_core::cloud::schedule::SchedulePolicy;
use calsync_core::domain::TenantId;
use calsync_core::usecases::cadence::CadencePolicy;
use chrono::{DurationRound, TimeDelta, Utc};
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// The target, per calendar and month.
const TARGET_DOLLARS: f64 = 0.01;
/// A 30-day month.
pub const MINUTES_PER_MONTH: f64 = 30.0 * 24.0 * 60.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Scenario {
    Polling,
    Push,
    Both,
}

#[derive(Debug, Clone, Args)]
pub struct CostArgs {
    /// moto_server's URL (default: $CALSYNC_TEST_AWS_ENDPOINT, which scripts/bench.sh sets).
    #[arg(long, env = "CALSYNC_TEST_AWS_ENDPOINT")]
    aws_endpoint: Option<String>,
    #[arg(long, value_enum, default_value_t = Scenario::Both)]
    scenario: Scenario,
    /// Tenants, each with one account.
    #[arg(long, default_value_t = 10)]
    pub tenants: usize,
    /// Calendars per tenant, linked two by two.
    #[arg(long, default_value_t = 4)]
    pub calendars_per_tenant: usize,
    /// Tenants of a second, larger deployment polled every 15 s, to split the cost into a
    /// fixed part per deployment and a marginal part per calendar (0: not run).
    #[arg(long, default_value_t = 100)]
    pub fleet_tenants: usize,
    /// Simulated minutes of scheduler ticks counted (extrapolated to 43,200).
    #[arg(long, default_value_t = 60)]
    pub minutes: usize,
    /// The scheduler's phase step in seconds (default: `SchedulePolicy::default()`'s):
    /// longer steps put more checks in each SQS message and invocation.
    #[arg(long)]
    pub phase_step_secs: Option<u64>,
    /// The CalDAV endpoint's delay before each answer (polling), in milliseconds.
    #[arg(long, default_value_t = 120)]
    pub caldav_delay_ms: u64,
    /// Push: changes made on Google calendars and followed to the end.
    #[arg(long, default_value_t = 20)]
    pub push_changes: usize,
    /// Push: changes a day per calendar the month is extrapolated to.
    #[arg(long, default_value_t = 20.0)]
    pub changes_per_day: f64,
    /// The repository whose infra/ gives the memory sizes.
    #[arg(long)]
    repo: Option<PathBuf>,
    /// Print the report as JSON (else a short summary).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    bench: &'static str,
    method: &'static str,
    tenants: usize,
    calendars: usize,
    simulated_minutes: usize,
    /// The scheduler's phase step of the polling scenarios.
    phase_step_secs: u64,
    /// Its step for checks made at most once a tick (idle calendars).
    sparse_step_secs: u64,
    memory_mb: BTreeMap<&'static str, u32>,
    memory_source: String,
    prices_checked_on: &'static str,
    prices: BTreeMap<&'static str, prices::Price>,
    scenarios: BTreeMap<&'static str, Bill>,
    /// polling_15s at `tenants` and at `--fleet-tenants`.
    fleet: Option<fleet::Fleet>,
    not_per_calendar: Vec<&'static str>,
    targets: BTreeMap<&'static str, Figure>,
    targets_met: BTreeMap<&'static str, bool>,
}

const METHOD: &str = "Real code paths (CloudScheduler::tick at simulated tick times, \
    SyncWorker::run_batch on what the ticks queued, received 5 at a time as Lambda's SQS event \
    source does, WebhookReceiver::google behind a stand-in API Gateway) against moto_server \
    through a counting proxy. Requests are counted per X-Amz-Target; SQS requests per 64 KB \
    chunk; DynamoDB units from item sizes: reads 1 per 4 KB strongly consistent (0.5 eventually \
    consistent; a Query sums its items first; at least one unit), writes 1 per 1 KB, \
    transactional ×2, updates and deletes sized by the key and values they name (a lower \
    bound). Lambda: invocations and GB-s = wall time rounded up to 1 ms × the stack's memory \
    size (wall times against moto_server on this machine, which answers about as fast as \
    DynamoDB in-region). Logs: the metric lines written plus ~330 bytes of Lambda's own lines \
    per invocation. The scheduler's SendMessageBatch calls go as made (with their delays) \
    to a sink queue nobody reads, and their jobs are replayed uncounted into the work queue at \
    their simulated second instead of waited for; the KMS data-key cache starts afresh every max age (CacheLimits) of \
    simulated time, as one warm instance; the simulated clock drives the use cases.";

pub fn tenant_id(n: usize) -> anyhow::Result<TenantId> {
    Ok(TenantId::parse(format!("bench{n:04}"))?)
}

pub async fn run(args: CostArgs) -> anyhow::Result<()> {
    ensure!(
        args.tenants > 0 && args.calendars_per_tenant >= 2 && args.minutes > 0,
        "need at least one tenant, two calendars per tenant and one minute"
    );
    let moto = args
        .aws_endpoint
        .clone()
        .context("no moto_server: pass --aws-endpoint or run scripts/bench.sh cost")?;
    let deployment = Deployment::read(&args.repo.clone().unwrap_or_else(default_repo))?;
    // Whole minutes, an hour ahead of the wall clock: simulated time never runs behind real
    // timestamps written during set-up.
    let start = Utc::now().duration_trunc(TimeDelta::minutes(1))? + TimeDelta::hours(1);
    let mut scenarios = BTreeMap::new();
    let mut fleet = None;
    if args.scenario != Scenario::Push {
        let fixed = CadencePolicy::fixed(Duration::from_secs(15));
        let (phases, failures) = polling::run(&args, &moto, start, fixed.clone()).await?;
        let small = bill::bill(phases, &deployment, failures);
        if args.fleet_tenants > args.tenants {
            let larger = CostArgs {
                tenants: args.fleet_tenants,
                ..args.clone()
            };
            let (phases, failures) = polling::run(&larger, &moto, start, fixed).await?;
            let large = bill::bill(phases, &deployment, failures);
            let calendars = |a: &CostArgs| a.tenants * a.calendars_per_tenant;
            fleet = Some(fleet::split(
                "polling_15s",
                (
                    calendars(&args),
                    small.total_dollars_per_calendar_month.value,
                ),
                (
                    calendars(&larger),
                    large.total_dollars_per_calendar_month.value,
                ),
            ));
        }
        scenarios.insert("polling_15s", small);
        let adaptive = CadencePolicy::default();
        let (phases, failures) = polling::run(&args, &moto, start, adaptive).await?;
        scenarios.insert(
            "polling_adaptive_quiet",
            bill::bill(phases, &deployment, failures),
        );
    }
    if args.scenario != Scenario::Polling {
        let (phases, failures) = push::run(&args, &moto, start).await?;
        scenarios.insert("push_only", bill::bill(phases, &deployment, failures));
    }
    let mut dollars: BTreeMap<&'static str, f64> = scenarios
        .iter()
        .map(|(name, bill)| (*name, bill.total_dollars_per_calendar_month.value))
        .collect();
    if let Some(fleet) = &fleet {
        dollars.insert(
            "polling_15s_larger_deployment",
            fleet.per_calendar_month[1].value,
        );
        dollars.insert(
            "polling_15s_marginal",
            fleet.marginal_per_calendar_month.value,
        );
    }
    let targets_met: BTreeMap<&'static str, bool> = dollars
        .iter()
        .map(|(name, value)| (*name, *value <= TARGET_DOLLARS))
        .collect();
    let report = Report {
        bench: "cost",
        method: METHOD,
        tenants: args.tenants,
        calendars: args.tenants * args.calendars_per_tenant,
        simulated_minutes: args.minutes,
        phase_step_secs: args
            .phase_step_secs
            .unwrap_or_else(|| SchedulePolicy::default().phase_step.as_secs()),
        sparse_step_secs: SchedulePolicy::default().sparse_step.as_secs(),
        memory_mb: deployment.memory_mb.iter().copied().collect(),
        memory_source: deployment.source.clone(),
        prices_checked_on: prices::CHECKED_ON,
        prices: prices::table().into_iter().collect(),
        not_per_calendar: vec![
            "the KMS key: $1.00 a month (+$1 per yearly rotation) for the whole deployment",
            "Lambda's SQS pollers long-poll the idle queue: a few hundred thousand empty \
             receives a month for the deployment (~$0.10-0.30), not counted per calendar",
            "DynamoDB storage ($0.25 per GB-month) and point-in-time recovery",
        ],
        targets: dollars
            .keys()
            .map(|name| {
                (
                    *name,
                    Figure::of(TARGET_DOLLARS, "$/calendar-month", 2, "issue 5"),
                )
            })
            .collect(),
        targets_met,
        scenarios,
        fleet,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for (name, value) in &dollars {
            println!("{name}: ${value:.5} per calendar-month (target ${TARGET_DOLLARS})");
        }
        if let Some(fleet) = &report.fleet {
            println!(
                "fixed per deployment: ${:.3} a month",
                fleet.fixed_per_deployment_month.value
            );
        }
    }
    Ok(())
}
