//! From counted operations to dollars per calendar-month.
//!
//! A scenario is measured in phases (an hour of ticks, a number of changes, a round of
//! renewals); each phase says how many times a month one calendar incurs what it counted
//! (`per_calendar_month`). Operations, Lambda GB-seconds and log bytes are multiplied by that
//! factor and summed, then priced with [`super::prices`].

use super::ledger::Ledger;
use super::prices::{self, Price};
use super::proxy::Counts;
use crate::measure::Figure;
use crate::stack::Deployment;
use serde::Serialize;
use std::collections::BTreeMap;

/// START, END and REPORT lines Lambda itself logs per invocation (about 330 bytes in all).
const PLATFORM_LOG_BYTES_PER_INVOCATION: f64 = 330.0;

pub struct Phase {
    pub name: &'static str,
    pub counts: Counts,
    pub ledger: Ledger,
    /// How often a month one calendar incurs this phase's counts.
    pub per_calendar_month: f64,
    pub how: String,
}

#[derive(Debug, Serialize)]
pub struct PhaseSummary {
    pub name: &'static str,
    pub per_calendar_month: Figure,
}

#[derive(Debug, Serialize)]
pub struct OperationFigures {
    pub requests: Figure,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_units: Option<Figure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub write_units: Option<Figure>,
}

#[derive(Debug, Serialize)]
pub struct FunctionFigures {
    pub memory_mb: u32,
    pub invocations: Figure,
    pub gb_seconds: Figure,
    pub duration_p50: Figure,
}

#[derive(Debug, Serialize)]
pub struct Bill {
    pub phases: Vec<PhaseSummary>,
    /// "Service.Operation" -> requests (and capacity units) per calendar-month.
    pub operations_per_calendar_month: BTreeMap<String, OperationFigures>,
    pub lambda_per_calendar_month: BTreeMap<&'static str, FunctionFigures>,
    pub dollars_per_calendar_month: BTreeMap<&'static str, Figure>,
    pub total_dollars_per_calendar_month: Figure,
    pub sync_failures: usize,
}

#[derive(Default)]
struct Totals {
    operations: BTreeMap<(String, String), (f64, f64, f64)>,
    invocations: BTreeMap<&'static str, f64>,
    /// Function -> GB-seconds, each invocation's duration rounded up to the millisecond.
    gb_seconds: BTreeMap<&'static str, f64>,
    durations: BTreeMap<&'static str, Vec<f64>>,
    log_bytes: f64,
    api_gateway: f64,
    eventbridge: f64,
}

pub fn bill(phases: Vec<Phase>, deployment: &Deployment, sync_failures: usize) -> Bill {
    let mut totals = Totals::default();
    let mut summaries = Vec::new();
    for phase in phases {
        let factor = phase.per_calendar_month;
        for ((service, operation), count) in &phase.counts {
            let mut billed = count.billed_requests as f64;
            if service == "SQS" && operation == "ReceiveMessage" {
                billed -= phase.ledger.empty_receives as f64;
            }
            let entry = totals
                .operations
                .entry((service.clone(), operation.clone()))
                .or_default();
            entry.0 += billed.max(0.0) * factor;
            entry.1 += count.units.read * factor;
            entry.2 += count.units.write * factor;
        }
        for (function, samples) in &phase.ledger.invocations {
            let memory_gb = f64::from(deployment.memory_of(function)) / 1024.0;
            *totals.invocations.entry(function).or_default() += samples.len() as f64 * factor;
            *totals.gb_seconds.entry(function).or_default() += samples
                .iter()
                .map(|ms| ms.ceil() / 1e3 * memory_gb)
                .sum::<f64>()
                * factor;
            totals
                .durations
                .entry(function)
                .or_default()
                .extend(samples.iter().copied());
            totals.log_bytes += samples.len() as f64 * PLATFORM_LOG_BYTES_PER_INVOCATION * factor;
        }
        totals.log_bytes += phase.ledger.log_bytes as f64 * factor;
        totals.api_gateway += phase.ledger.api_gateway_requests as f64 * factor;
        totals.eventbridge += phase.ledger.eventbridge_events as f64 * factor;
        summaries.push(PhaseSummary {
            name: phase.name,
            per_calendar_month: Figure::of(factor, "times/calendar-month", 6, phase.how),
        });
    }
    priced(totals, summaries, deployment, sync_failures)
}

fn priced(
    totals: Totals,
    phases: Vec<PhaseSummary>,
    deployment: &Deployment,
    sync_failures: usize,
) -> Bill {
    let mut dollars: BTreeMap<&'static str, f64> = BTreeMap::new();
    let mut operations = BTreeMap::new();
    for ((service, operation), (requests, reads, writes)) in &totals.operations {
        let cost = match service.as_str() {
            "DynamoDB" => {
                prices::DYNAMODB_READ_UNITS.of(*reads) + prices::DYNAMODB_WRITE_UNITS.of(*writes)
            }
            "SQS" => prices::SQS_REQUESTS.of(*requests),
            "KMS" => prices::KMS_REQUESTS.of(*requests),
            _ => 0.0,
        };
        *dollars.entry(service_key(service)).or_default() += cost;
        let is_dynamo = service == "DynamoDB";
        operations.insert(
            format!("{service}.{operation}"),
            OperationFigures {
                requests: Figure::of(
                    *requests,
                    "requests/calendar-month",
                    2,
                    "counted at the proxy × phase factors",
                ),
                read_units: is_dynamo.then(|| {
                    Figure::of(
                        *reads,
                        "RRU/calendar-month",
                        2,
                        "estimated from item sizes (see method)",
                    )
                }),
                write_units: is_dynamo.then(|| {
                    Figure::of(
                        *writes,
                        "WRU/calendar-month",
                        2,
                        "estimated from item sizes (see method)",
                    )
                }),
            },
        );
    }
    let mut lambda = BTreeMap::new();
    for (function, invocations) in &totals.invocations {
        let gb_seconds = totals.gb_seconds.get(function).copied().unwrap_or(0.0);
        *dollars.entry("lambda").or_default() += prices::LAMBDA_REQUESTS.of(*invocations)
            + prices::LAMBDA_ARM64_GB_SECONDS.of(gb_seconds);
        let samples = totals.durations.get(function).cloned().unwrap_or_default();
        lambda.insert(
            *function,
            FunctionFigures {
                memory_mb: deployment.memory_of(function),
                invocations: Figure::of(
                    *invocations,
                    "invocations/calendar-month",
                    2,
                    "measured invocations × phase factors",
                ),
                gb_seconds: Figure::of(
                    gb_seconds,
                    "GB-s/calendar-month",
                    4,
                    "Σ measured wall time (rounded up to 1 ms) × the stack's memory size",
                ),
                duration_p50: Figure::millis(
                    crate::measure::percentile(&samples, 0.5),
                    "p50 wall time of one invocation, measured against moto_server",
                ),
            },
        );
    }
    *dollars.entry("api_gateway").or_default() +=
        prices::API_GATEWAY_HTTP_REQUESTS.of(totals.api_gateway);
    *dollars.entry("eventbridge").or_default() += prices::EVENTBRIDGE_EVENTS.of(totals.eventbridge);
    *dollars.entry("cloudwatch_logs").or_default() +=
        prices::CLOUDWATCH_LOGS_INGESTION.of(totals.log_bytes);
    let total: f64 = dollars.values().sum();
    Bill {
        phases,
        operations_per_calendar_month: operations,
        lambda_per_calendar_month: lambda,
        dollars_per_calendar_month: dollars
            .into_iter()
            .map(|(service, value)| {
                (
                    service,
                    Figure::of(value, "$/calendar-month", 6, price_note(service)),
                )
            })
            .collect(),
        total_dollars_per_calendar_month: Figure::of(
            total,
            "$/calendar-month",
            6,
            "sum of the services above",
        ),
        sync_failures,
    }
}

fn service_key(service: &str) -> &'static str {
    match service {
        "DynamoDB" => "dynamodb",
        "SQS" => "sqs",
        "KMS" => "kms",
        _ => "other",
    }
}

fn price_note(service: &str) -> String {
    let used: Vec<Price> = match service {
        "dynamodb" => vec![prices::DYNAMODB_READ_UNITS, prices::DYNAMODB_WRITE_UNITS],
        "sqs" => vec![prices::SQS_REQUESTS],
        "kms" => vec![prices::KMS_REQUESTS],
        "lambda" => vec![prices::LAMBDA_REQUESTS, prices::LAMBDA_ARM64_GB_SECONDS],
        "api_gateway" => vec![prices::API_GATEWAY_HTTP_REQUESTS],
        "eventbridge" => vec![prices::EVENTBRIDGE_EVENTS],
        "cloudwatch_logs" => vec![prices::CLOUDWATCH_LOGS_INGESTION],
        _ => vec![],
    };
    let list: Vec<String> = used
        .iter()
        .map(|p| format!("${} per {} {}", p.dollars, p.per, p.unit))
        .collect();
    format!("{} (prices of {})", list.join(", "), prices::CHECKED_ON)
}
