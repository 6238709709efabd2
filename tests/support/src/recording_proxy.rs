//! A reverse proxy in front of one real server that records each request's method and
//! `Depth`, so a test can assert which requests a client sent (e.g. "an unchanged check
//! costs one Depth:0 PROPFIND"). Everything else passes through untouched, the server's
//! `Date` header included.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use std::sync::{Arc, Mutex};
use url::Url;

/// One request as the proxy saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenRequest {
    pub method: String,
    pub depth: Option<String>,
    pub path: String,
}

#[derive(Clone)]
struct Upstream {
    origin: Url,
    seen: Arc<Mutex<Vec<SeenRequest>>>,
}

/// The proxy, serving until dropped.
pub struct RecordingProxy {
    /// `http://127.0.0.1:PORT`: the upstream's paths, through the proxy.
    pub origin: Url,
    seen: Arc<Mutex<Vec<SeenRequest>>>,
    task: tokio::task::JoinHandle<()>,
}

impl RecordingProxy {
    /// Starts a proxy to the scheme, host and port of `upstream`.
    pub async fn start(upstream: &str) -> Self {
        let mut origin = Url::parse(upstream).unwrap();
        origin.set_path("/");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let state = Upstream {
            origin,
            seen: seen.clone(),
        };
        let app = axum::Router::new().fallback(forward).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            origin: Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap(),
            seen,
            task,
        }
    }

    /// `url` (on the upstream server) as reached through the proxy.
    pub fn through(&self, url: &str) -> String {
        let mut url = Url::parse(url).unwrap();
        url.set_port(self.origin.port()).unwrap();
        url.to_string()
    }

    /// The requests since the last call, in the order they arrived.
    pub fn take(&self) -> Vec<SeenRequest> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(State(upstream): State<Upstream>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    upstream.seen.lock().unwrap().push(SeenRequest {
        method: parts.method.to_string(),
        depth: header_text(&parts.headers, "depth"),
        path: parts.uri.path().to_string(),
    });
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let target = upstream.origin.join(&path_and_query).unwrap();
    let method = reqwest::Method::from_bytes(parts.method.as_str().as_bytes()).unwrap();
    let mut outgoing = crate::http().request(method, target).body(body);
    for (name, value) in &parts.headers {
        if name != "host" {
            outgoing = outgoing.header(name.as_str(), value.as_bytes());
        }
    }
    let Ok(answer) = outgoing.send().await else {
        return Response::builder()
            .status(StatusCode::BAD_GATEWAY)
            .body(Body::empty())
            .unwrap();
    };
    let mut response = Response::builder().status(answer.status().as_u16());
    for (name, value) in answer.headers() {
        // The body is passed on whole: length and encoding are the proxy's own.
        if !matches!(
            name.as_str(),
            "transfer-encoding" | "content-length" | "connection"
        ) {
            response = response.header(name.as_str(), value.as_bytes());
        }
    }
    let bytes: Bytes = answer.bytes().await.unwrap_or_default();
    response.body(Body::from(bytes)).unwrap()
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}
