//! API Gateway's part in the push scenario: Google's channels POST here; each request is one
//! HTTP API request and one invocation of the webhook function, whose handling
//! (`WebhookReceiver::google`: validate, remember, queue) is timed as that invocation.

use super::ledger::Ledger;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use calsync_core::cloud::metrics::Metrics;
use calsync_core::cloud::{CloudConfig, CloudRuntime};
use calsync_core::usecases::{WebhookReceiver, WebhookRequest};
use std::sync::{Arc, Mutex};
use std::time::Instant;

struct Webhook {
    receiver: Option<WebhookReceiver>,
    config: Option<CloudConfig>,
    ledger: Ledger,
}

pub struct Gateway {
    pub url: String,
    state: Arc<Mutex<Webhook>>,
    task: tokio::task::JoinHandle<()>,
}

impl Gateway {
    /// Listens first: the functions are configured with this URL before they exist.
    pub async fn start() -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let state = Arc::new(Mutex::new(Webhook {
            receiver: None,
            config: None,
            ledger: Ledger::default(),
        }));
        let app = Router::new()
            .fallback(notify)
            .with_state(Arc::clone(&state));
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                crate::measure::note(&format!("the bench's API Gateway stopped: {error}"));
            }
        });
        Ok(Self { url, state, task })
    }

    pub fn connect(&self, runtime: &CloudRuntime) -> anyhow::Result<()> {
        let mut webhook = self
            .state
            .lock()
            .map_err(|_| anyhow::anyhow!("gateway lock poisoned"))?;
        webhook.receiver = Some(runtime.webhook_receiver()?);
        webhook.config = Some(runtime.config.clone());
        Ok(())
    }

    /// What the webhook invocations added up to since the last call.
    pub fn take(&self) -> Ledger {
        self.state
            .lock()
            .map(|mut webhook| std::mem::take(&mut webhook.ledger))
            .unwrap_or_default()
    }

    pub fn requests(&self) -> u64 {
        self.state
            .lock()
            .map(|webhook| webhook.ledger.api_gateway_requests)
            .unwrap_or(0)
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn notify(
    State(state): State<Arc<Mutex<Webhook>>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let Some((receiver, config)) = state
        .lock()
        .ok()
        .and_then(|w| Some((w.receiver.clone()?, w.config.clone()?)))
    else {
        return StatusCode::SERVICE_UNAVAILABLE;
    };
    let request = WebhookRequest {
        query: uri.query().map(str::to_string),
        headers: headers
            .iter()
            .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_string())))
            .collect(),
        body: body.to_vec(),
    };
    let started = Instant::now();
    let answer = receiver.google(&request).await;
    let seconds = started.elapsed().as_secs_f64();
    let metrics = Metrics::new(&config, "webhook");
    if let Ok(mut webhook) = state.lock() {
        webhook.ledger.api_gateway_requests += 1;
        webhook.ledger.invocation("webhook", seconds, &metrics);
    }
    StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}
