//! CloudWatch Embedded Metric Format: metrics written as JSON lines on stdout, which Lambda
//! ships to CloudWatch Logs, where CloudWatch extracts them. No PutMetricData call, no
//! extra latency, no extra permission.
//!
//! Every metric has the dimension `Stage` (the alarms in infra/lib/observability.ts read
//! them so); a few also have a second one (`Kind`, `ErrorClass`), in a document of their own.

use super::CloudConfig;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Names the stack's alarms and dashboard use; keep in step with infra/lib/observability.ts.
pub mod names {
    pub const NOTIFICATIONS_RECEIVED: &str = "NotificationsReceived";
    pub const NOTIFICATIONS_ACCEPTED: &str = "NotificationsAccepted";
    pub const NOTIFICATIONS_REJECTED: &str = "NotificationsRejected";
    pub const JOBS_PROCESSED: &str = "JobsProcessed";
    pub const JOBS_FAILED: &str = "JobsFailed";
    pub const JOBS_DEFERRED: &str = "JobsDeferred";
    pub const JOB_LATENCY_MS: &str = "JobLatencyMs";
    /// Provider change → our write on the other side, when the provider tells the change time.
    pub const PROPAGATION_LATENCY_MS: &str = "PropagationLatencyMs";
    pub const PROVIDER_ERRORS: &str = "ProviderErrors";
    pub const CHECKS_SCHEDULED: &str = "ChecksScheduled";
    pub const MESSAGES_SENT: &str = "MessagesSent";
    pub const RENEWALS_SCHEDULED: &str = "RenewalsScheduled";
    pub const RENEWAL_FAILURES: &str = "RenewalFailures";
    /// By `Route` (the route template) ...
    pub const API_REQUESTS: &str = "ApiRequests";
    /// ... and by `StatusClass` (`2xx`, `4xx`, `5xx`).
    pub const API_RESPONSES: &str = "ApiResponses";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unit {
    Count,
    Milliseconds,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Self::Count => "Count",
            Self::Milliseconds => "Milliseconds",
        }
    }
}

/// EMF allows at most 100 values per metric in one document.
const MAX_VALUES: usize = 100;

/// A metric's optional second dimension (name, value).
type Dimension = Option<(&'static str, String)>;
/// A metric's definition in one document: name, unit, values.
type Definition<'a> = (&'a str, Unit, &'a [f64]);

/// The metrics of one invocation, written by [`Metrics::flush`].
#[derive(Debug)]
pub struct Metrics {
    namespace: String,
    stage: String,
    function: &'static str,
    /// (extra dimension, metric, unit) -> values.
    values: BTreeMap<(Dimension, &'static str, Unit), Vec<f64>>,
}

impl Metrics {
    pub fn new(config: &CloudConfig, function: &'static str) -> Self {
        Self {
            namespace: config.metrics_namespace.clone(),
            stage: config.stage.clone(),
            function,
            values: BTreeMap::new(),
        }
    }

    pub fn count(&mut self, metric: &'static str, n: usize) {
        self.record(None, metric, Unit::Count, n as f64);
    }

    /// A count with a second dimension, e.g. provider errors by `ErrorClass`.
    pub fn count_by(
        &mut self,
        metric: &'static str,
        dimension: &'static str,
        value: impl Into<String>,
        n: usize,
    ) {
        self.record(
            Some((dimension, value.into())),
            metric,
            Unit::Count,
            n as f64,
        );
    }

    pub fn millis(&mut self, metric: &'static str, ms: f64) {
        self.record(None, metric, Unit::Milliseconds, ms);
    }

    fn record(
        &mut self,
        dimension: Option<(&'static str, String)>,
        metric: &'static str,
        unit: Unit,
        value: f64,
    ) {
        let values = self.values.entry((dimension, metric, unit)).or_default();
        match (unit, values.first_mut()) {
            // Counts are read as sums (the alarms' statistic): one value per invocation keeps
            // the log line, which CloudWatch Logs bills by the byte, short.
            (Unit::Count, Some(total)) => *total += value,
            _ => values.push(value),
        }
    }

    /// The EMF documents for what was recorded, one per dimension set (and more when a metric
    /// has over 100 values).
    pub fn documents(&self, timestamp_ms: i64) -> Vec<Value> {
        let mut grouped: BTreeMap<&Dimension, Vec<Definition<'_>>> = BTreeMap::new();
        for ((dimension, metric, unit), values) in &self.values {
            for chunk in values.chunks(MAX_VALUES) {
                grouped
                    .entry(dimension)
                    .or_default()
                    .push((metric, *unit, chunk));
            }
        }
        let mut documents = Vec::new();
        for (dimension, metrics) in grouped {
            // A metric name may occur once per document: split repeated ones (over 100 values).
            let mut pending = metrics;
            while !pending.is_empty() {
                let mut seen = std::collections::BTreeSet::new();
                let (now, later): (Vec<_>, Vec<_>) = pending
                    .into_iter()
                    .partition(|(name, _, _)| seen.insert(*name));
                documents.push(self.document(timestamp_ms, dimension, &now));
                pending = later;
            }
        }
        documents
    }

    fn document(
        &self,
        timestamp_ms: i64,
        dimension: &Dimension,
        metrics: &[Definition<'_>],
    ) -> Value {
        let mut dimension_names = vec!["Stage"];
        let mut root = Map::new();
        root.insert("Stage".into(), json!(self.stage));
        root.insert("Function".into(), json!(self.function));
        if let Some((name, value)) = dimension {
            dimension_names.push(name);
            root.insert((*name).into(), json!(value));
        }
        let definitions: Vec<Value> = metrics
            .iter()
            .map(|(name, unit, _)| json!({"Name": name, "Unit": unit.as_str()}))
            .collect();
        for (name, _, values) in metrics {
            let value = match values {
                [single] => json!(single),
                many => json!(many),
            };
            root.insert((*name).into(), value);
        }
        root.insert(
            "_aws".into(),
            json!({
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": self.namespace,
                    "Dimensions": [dimension_names],
                    "Metrics": definitions,
                }],
            }),
        );
        Value::Object(root)
    }

    /// Writes the documents to stdout (one line each) and starts over.
    pub fn flush(&mut self) {
        let now = chrono::Utc::now().timestamp_millis();
        for document in self.documents(now) {
            println!("{document}");
        }
        self.values.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics() -> Metrics {
        let config = CloudConfig::from_lookup(|name| match name {
            "CALSYNC_TABLE_NAME" => Some("t".into()),
            "CALSYNC_STAGE" => Some("test".into()),
            _ => None,
        })
        .unwrap();
        Metrics::new(&config, "sync")
    }

    #[test]
    fn a_document_declares_every_metric_it_carries_under_the_stage_dimension() {
        let mut m = metrics();
        m.count(names::JOBS_PROCESSED, 3);
        m.millis(names::JOB_LATENCY_MS, 12.5);
        m.millis(names::JOB_LATENCY_MS, 40.0);
        let docs = m.documents(1_700_000_000_000);
        assert_eq!(docs.len(), 1);
        let doc = &docs[0];
        assert_eq!(doc["Stage"], "test");
        assert_eq!(doc["JobsProcessed"], 3.0);
        assert_eq!(doc["JobLatencyMs"], json!([12.5, 40.0]));
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "Calsync");
        assert_eq!(directive["Dimensions"], json!([["Stage"]]));
        let declared: Vec<&str> = directive["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        assert_eq!(declared, ["JobLatencyMs", "JobsProcessed"]);
        assert_eq!(doc["_aws"]["Timestamp"], 1_700_000_000_000i64);
    }

    #[test]
    fn counts_of_one_invocation_are_written_as_their_sum() {
        let mut m = metrics();
        for _ in 0..7 {
            m.count(names::JOBS_PROCESSED, 1);
        }
        m.count_by(names::PROVIDER_ERRORS, "ErrorClass", "retryable", 1);
        m.count_by(names::PROVIDER_ERRORS, "ErrorClass", "retryable", 2);
        let docs = m.documents(0);
        let plain = docs.iter().find(|d| d.get("ErrorClass").is_none()).unwrap();
        assert_eq!(plain["JobsProcessed"], 7.0);
        let by_class = docs.iter().find(|d| d.get("ErrorClass").is_some()).unwrap();
        assert_eq!(by_class["ProviderErrors"], 3.0);
    }

    #[test]
    fn a_second_dimension_gets_its_own_document() {
        let mut m = metrics();
        m.count(names::JOBS_FAILED, 1);
        m.count_by(names::PROVIDER_ERRORS, "ErrorClass", "rate-limited", 2);
        let docs = m.documents(0);
        assert_eq!(docs.len(), 2);
        let by_class = docs.iter().find(|d| d.get("ErrorClass").is_some()).unwrap();
        assert_eq!(by_class["ErrorClass"], "rate-limited");
        assert_eq!(
            by_class["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Stage", "ErrorClass"]])
        );
    }

    #[test]
    fn over_a_hundred_values_are_split_across_documents() {
        let mut m = metrics();
        for ms in 0..250 {
            m.millis(names::JOB_LATENCY_MS, f64::from(ms));
        }
        let docs = m.documents(0);
        assert_eq!(docs.len(), 3);
        let total: usize = docs
            .iter()
            .map(|d| d["JobLatencyMs"].as_array().unwrap().len())
            .sum();
        assert_eq!(total, 250);
    }
}
