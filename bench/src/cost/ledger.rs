//! What the bench measures beside the proxy's counts: each Lambda invocation's wall time by
//! function, the bytes its metric lines would put into CloudWatch Logs, API Gateway requests
//! and EventBridge events.

use calsync_core::cloud::metrics::Metrics;
use std::collections::BTreeMap;

#[derive(Debug, Default, Clone)]
pub struct Ledger {
    /// Function -> milliseconds of each invocation.
    pub invocations: BTreeMap<&'static str, Vec<f64>>,
    /// Embedded-metric-format lines the invocations wrote (CloudWatch Logs ingests them).
    pub log_bytes: u64,
    pub api_gateway_requests: u64,
    pub eventbridge_events: u64,
    /// Receives the bench made only to learn that the queue was empty: Lambda's pollers make
    /// those whatever the load (a fixed cost of the deployment), so they are not billed here.
    pub empty_receives: u64,
}

impl Ledger {
    pub fn invocation(&mut self, function: &'static str, seconds: f64, metrics: &Metrics) {
        self.invocations
            .entry(function)
            .or_default()
            .push(seconds * 1e3);
        self.log_bytes += metrics
            .documents(0)
            .iter()
            .map(|document| document.to_string().len() as u64 + 1)
            .sum::<u64>();
    }

    pub fn absorb(&mut self, other: Ledger) {
        for (function, mut samples) in other.invocations {
            self.invocations
                .entry(function)
                .or_default()
                .append(&mut samples);
        }
        self.log_bytes += other.log_bytes;
        self.api_gateway_requests += other.api_gateway_requests;
        self.eventbridge_events += other.eventbridge_events;
        self.empty_receives += other.empty_receives;
    }
}
