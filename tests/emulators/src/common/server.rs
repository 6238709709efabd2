//! Serving an emulator on a free loopback port, with faults applied and requests logged.

use super::{Fault, Faults, LoggedRequest, RequestLog};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use std::sync::Arc;
use tokio::task::JoinHandle;

/// A running emulator: its base URL; stopped when dropped.
pub struct Emulator {
    pub base_url: String,
    task: JoinHandle<()>,
}

impl Emulator {
    /// Serves `router` on 127.0.0.1 at a port the OS picks.
    pub async fn start(router: Router) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let address = listener.local_addr().expect("the bound address");
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, router).await {
                tracing::warn!(%error, "emulator stopped");
            }
        });
        Self {
            base_url: format!("http://{address}"),
            task,
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Adds the configured latency, answers with an injected fault when one applies, and logs
/// every request with its status. Use with `axum::middleware::from_fn_with_state` and the
/// state `(faults, log)`.
pub async fn apply_faults_and_log(
    State(instruments): State<(Arc<Faults>, Arc<RequestLog>)>,
    request: Request,
    next: Next,
) -> Response {
    let (faults, log) = instruments;
    let method = request.method().as_str().to_string();
    let path = request.uri().path().to_string();
    let query = request.uri().query().map(str::to_string);
    let latency = faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let (response, retry_after_secs) = match faults.pick(&method, &path) {
        Some(Fault::Status(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (error_response(status, "injected fault"), None)
        }
        Some(Fault::RateLimited { retry_after_secs }) => {
            let mut response = error_response(StatusCode::TOO_MANY_REQUESTS, "rate limited");
            response
                .headers_mut()
                .insert("retry-after", HeaderValue::from(retry_after_secs));
            (response, Some(retry_after_secs))
        }
        None => (next.run(request).await, None),
    };
    log.push(LoggedRequest {
        at: Utc::now(),
        method,
        path,
        query,
        status: response.status().as_u16(),
        retry_after_secs,
    });
    response
}

fn error_response(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": { "code": status.as_u16(), "message": message } });
    (
        status,
        [("content-type", "application/json")],
        Body::from(body.to_string()),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::FaultRule;
    use axum::routing::get;

    #[tokio::test]
    async fn faults_answer_instead_of_the_route_and_everything_is_logged() {
        let faults = Arc::new(Faults::new(3));
        let log = Arc::new(RequestLog::default());
        faults.add(FaultRule::next(
            1,
            Fault::RateLimited {
                retry_after_secs: 2,
            },
        ));
        let router = Router::new()
            .route("/ping", get(|| async { "pong" }))
            .layer(axum::middleware::from_fn_with_state(
                (faults.clone(), log.clone()),
                apply_faults_and_log,
            ));
        let emulator = Emulator::start(router).await;
        let first = reqwest::get(format!("{}/ping", emulator.base_url))
            .await
            .unwrap();
        assert_eq!(first.status().as_u16(), 429);
        assert_eq!(first.headers()["retry-after"], "2");
        let second = reqwest::get(format!("{}/ping", emulator.base_url))
            .await
            .unwrap();
        assert_eq!(second.text().await.unwrap(), "pong");
        let logged: Vec<(u16, Option<u64>)> = log
            .all()
            .iter()
            .map(|r| (r.status, r.retry_after_secs))
            .collect();
        assert_eq!(logged, vec![(429, Some(2)), (200, None)]);
    }
}
