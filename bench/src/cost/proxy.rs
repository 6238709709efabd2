//! A counting HTTP proxy in front of moto_server: the SDK clients of the code under test talk
//! to it, and it counts every AWS call by service and operation (`X-Amz-Target` for the JSON
//! protocols of DynamoDB, SQS and KMS; `Action=` for query-protocol calls), with the bytes
//! of each request and response body and, for DynamoDB, the capacity units
//! ([`super::capacity`]) of each call.

use super::capacity::{self, Units};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

const SQS_CHUNK_BYTES: u64 = 64 * 1024;

/// What one service operation added up to.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct OperationCount {
    pub calls: u64,
    /// What the service bills as requests: SQS counts every 64 KB chunk of a payload.
    pub billed_requests: u64,
    pub request_bytes: u64,
    pub response_bytes: u64,
    pub units: Units,
}

/// (service, operation) -> its count.
pub type Counts = BTreeMap<(String, String), OperationCount>;

struct Forwarder {
    upstream: String,
    client: reqwest::Client,
    counts: Mutex<Counts>,
}

pub struct CountingProxy {
    /// The proxy's base URL, for `AWS_ENDPOINT_URL`-style configuration.
    pub url: String,
    forwarder: Arc<Forwarder>,
    task: tokio::task::JoinHandle<()>,
}

impl CountingProxy {
    pub async fn start(upstream: &str) -> anyhow::Result<Self> {
        let forwarder = Arc::new(Forwarder {
            upstream: upstream.trim_end_matches('/').to_string(),
            client: reqwest::Client::builder().build()?,
            counts: Mutex::new(Counts::new()),
        });
        let app = Router::new()
            .fallback(forward)
            .with_state(Arc::clone(&forwarder));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                crate::measure::note(&format!("the counting proxy stopped: {error}"));
            }
        });
        Ok(Self {
            url,
            forwarder,
            task,
        })
    }

    /// The counts so far, and counting starts over (set-up calls are not the bill).
    pub fn take(&self) -> Counts {
        self.forwarder
            .counts
            .lock()
            .map(|mut counts| std::mem::take(&mut *counts))
            .unwrap_or_default()
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(
    State(forwarder): State<Arc<Forwarder>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = forwarder
        .client
        .request(method, format!("{}{path}", forwarder.upstream))
        .body(body.clone());
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            request = request.header(name, value);
        }
    }
    let answer = match request.send().await {
        Ok(answer) => answer,
        Err(error) => return (StatusCode::BAD_GATEWAY, error.to_string()).into_response(),
    };
    let status = answer.status();
    let answer_headers = answer.headers().clone();
    let answer_body = match answer.bytes().await {
        Ok(bytes) => bytes,
        Err(error) => return (StatusCode::BAD_GATEWAY, error.to_string()).into_response(),
    };
    let (service, operation) = operation_of(&headers, &body);
    let units = if service == "DynamoDB" {
        capacity::units(&operation, &json_of(&body), &json_of(&answer_body))
    } else {
        Units::default()
    };
    // SQS bills each 64 KB chunk of a request's payload as one request.
    let billed = if service == "SQS" {
        (body.len() as u64).div_ceil(SQS_CHUNK_BYTES).max(1)
    } else {
        1
    };
    if let Ok(mut counts) = forwarder.counts.lock() {
        let count = counts.entry((service, operation)).or_default();
        count.calls += 1;
        count.billed_requests += billed;
        count.request_bytes += body.len() as u64;
        count.response_bytes += answer_body.len() as u64;
        count.units.read += units.read;
        count.units.write += units.write;
    }
    let mut response = (status, answer_body).into_response();
    for (name, value) in &answer_headers {
        if name != "content-length" && name != "transfer-encoding" {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

/// ("DynamoDB", "Query") from `X-Amz-Target: DynamoDB_20120810.Query`, and the like.
fn operation_of(headers: &HeaderMap, body: &[u8]) -> (String, String) {
    if let Some(target) = headers.get("x-amz-target").and_then(|v| v.to_str().ok())
        && let Some((prefix, operation)) = target.split_once('.')
    {
        let service = match prefix {
            p if p.starts_with("DynamoDB") => "DynamoDB",
            "AmazonSQS" => "SQS",
            "TrentService" => "KMS",
            other => other,
        };
        return (service.to_string(), operation.to_string());
    }
    let action = String::from_utf8_lossy(body)
        .split('&')
        .find_map(|pair| pair.strip_prefix("Action=").map(str::to_string));
    (
        "other".to_string(),
        action.unwrap_or_else(|| "unknown".into()),
    )
}
