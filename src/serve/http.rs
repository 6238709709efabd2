//! The webhook receiver over HTTP (axum): three POST routes and a health check.

use super::Shutdown;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use calsync_core::usecases::{MAX_BODY_BYTES, WebhookReceiver, WebhookRequest, WebhookResponse};

pub async fn run(
    listener: tokio::net::TcpListener,
    receiver: WebhookReceiver,
    mut shutdown: Shutdown,
) {
    let router = Router::new()
        .route("/webhooks/google", post(google))
        .route("/webhooks/graph", post(graph))
        .route("/webhooks/graph/lifecycle", post(graph_lifecycle))
        .route("/healthz", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(receiver);
    let served = axum::serve(listener, router)
        .with_graceful_shutdown(async move { shutdown.stopped().await })
        .await;
    if let Err(error) = served {
        tracing::error!(%error, "webhook receiver stopped");
    }
}

fn request(uri: &Uri, headers: &HeaderMap, body: Bytes) -> WebhookRequest {
    WebhookRequest {
        query: uri.query().map(str::to_string),
        headers: headers
            .iter()
            .filter_map(|(name, value)| {
                Some((name.as_str().to_string(), value.to_str().ok()?.to_string()))
            })
            .collect(),
        body: body.to_vec(),
    }
}

fn response(answer: WebhookResponse) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    tracing::debug!(status = answer.status, outcome = ?answer.outcome, "webhook");
    (status, [("content-type", answer.content_type)], answer.body).into_response()
}

async fn google(
    State(receiver): State<WebhookReceiver>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    response(receiver.google(&request(&uri, &headers, body)).await)
}

async fn graph(
    State(receiver): State<WebhookReceiver>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    response(receiver.graph(&request(&uri, &headers, body)).await)
}

async fn graph_lifecycle(
    State(receiver): State<WebhookReceiver>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    response(
        receiver
            .graph_lifecycle(&request(&uri, &headers, body))
            .await,
    )
}
