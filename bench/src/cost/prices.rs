//! AWS list prices the cost bench multiplies counted operations by: us-east-1, on-demand,
//! Lambda on arm64 (the stack's default architecture), no free tier (it is per account, not
//! per calendar), first pricing tier of each service.
//!
//! Checked on 2026-12-05 against the public price pages below (and third-party summaries of
//! them dated 2025-2026). DynamoDB on-demand throughput is the price after the 50 % cut of
//! 1 November 2024. Update the date and the figures together.

use serde::Serialize;

pub const CHECKED_ON: &str = "2026-12-05";

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Price {
    /// Dollars per `per` units.
    pub dollars: f64,
    pub per: f64,
    pub unit: &'static str,
    pub source: &'static str,
}

impl Price {
    pub fn of(&self, quantity: f64) -> f64 {
        self.dollars * quantity / self.per
    }
}

pub const LAMBDA_REQUESTS: Price = Price {
    dollars: 0.20,
    per: 1e6,
    unit: "invocations",
    source: "https://aws.amazon.com/lambda/pricing/",
};
/// arm64, first 7.5 billion GB-s a month.
pub const LAMBDA_ARM64_GB_SECONDS: Price = Price {
    dollars: 0.000_013_333_4,
    per: 1.0,
    unit: "GB-s",
    source: "https://aws.amazon.com/lambda/pricing/",
};
/// Standard queue; every 64 KB chunk of a request's payload is one request.
pub const SQS_REQUESTS: Price = Price {
    dollars: 0.40,
    per: 1e6,
    unit: "requests",
    source: "https://aws.amazon.com/sqs/pricing/",
};
/// On-demand, after the November 2024 price cut.
pub const DYNAMODB_READ_UNITS: Price = Price {
    dollars: 0.125,
    per: 1e6,
    unit: "read request units",
    source: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
};
pub const DYNAMODB_WRITE_UNITS: Price = Price {
    dollars: 0.625,
    per: 1e6,
    unit: "write request units",
    source: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
};
/// Symmetric-key requests (GenerateDataKey, Decrypt).
pub const KMS_REQUESTS: Price = Price {
    dollars: 0.03,
    per: 1e4,
    unit: "requests",
    source: "https://aws.amazon.com/kms/pricing/",
};
/// HTTP API, first 300 million a month, metered in 512 KB increments.
pub const API_GATEWAY_HTTP_REQUESTS: Price = Price {
    dollars: 1.00,
    per: 1e6,
    unit: "requests",
    source: "https://aws.amazon.com/api-gateway/pricing/",
};
/// The scheduler's `rate(1 minute)` rule. Scheduled events on the default bus are not billed
/// as custom events; priced here at EventBridge's $1.00 per million as an upper bound (43,200
/// a month for the whole deployment, shared by every calendar).
pub const EVENTBRIDGE_EVENTS: Price = Price {
    dollars: 1.00,
    per: 1e6,
    unit: "events",
    source: "https://aws.amazon.com/eventbridge/pricing/",
};
/// Standard log class ingestion (the functions' JSON logs and metric lines).
pub const CLOUDWATCH_LOGS_INGESTION: Price = Price {
    dollars: 0.50,
    per: 1e9,
    unit: "bytes",
    source: "https://aws.amazon.com/cloudwatch/pricing/",
};

/// The table as the report prints it.
pub fn table() -> Vec<(&'static str, Price)> {
    vec![
        ("lambda_requests", LAMBDA_REQUESTS),
        ("lambda_arm64_gb_seconds", LAMBDA_ARM64_GB_SECONDS),
        ("sqs_requests", SQS_REQUESTS),
        ("dynamodb_read_units", DYNAMODB_READ_UNITS),
        ("dynamodb_write_units", DYNAMODB_WRITE_UNITS),
        ("kms_requests", KMS_REQUESTS),
        ("api_gateway_http_requests", API_GATEWAY_HTTP_REQUESTS),
        ("eventbridge_events", EVENTBRIDGE_EVENTS),
        ("cloudwatch_logs_ingestion", CLOUDWATCH_LOGS_INGESTION),
    ]
}
