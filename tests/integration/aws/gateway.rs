//! API Gateway's part: an HTTP listener that hands each request to the webhook function's
//! handler as the Lambda HTTP integration would (path, query, headers, body), and sends back
//! its answer. The Google emulator's channels POST here.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use calsync_fn_webhook::WebhookFunction;
use std::sync::Arc;

pub struct Gateway {
    task: tokio::task::JoinHandle<()>,
}

impl Gateway {
    /// Binds first, so the URL is known before the functions are configured with it.
    pub async fn bind() -> (tokio::net::TcpListener, String) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        (listener, base)
    }

    pub fn serve(listener: tokio::net::TcpListener, webhook: Arc<WebhookFunction>) -> Self {
        let router = Router::new().fallback(forward).with_state(webhook);
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Self { task }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(
    State(webhook): State<Arc<WebhookFunction>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut request = lambda_http::Request::new(lambda_http::Body::from(body.to_vec()));
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.headers_mut() = headers;
    let answer = webhook.handle(request).await.unwrap();
    let (parts, body) = answer.into_parts();
    (parts.status, parts.headers, body.to_vec()).into_response()
}
