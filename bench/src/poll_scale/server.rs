//! The bench's CalDAV endpoint: `--calendars` collections (`/cal/<n>/`) that never change.
//! Every PROPFIND (the Depth:0 CTag / sync-token gate) and every sync-collection REPORT is
//! answered after `--delay-ms`, the latency of a real server across the internet, with the
//! same CTag and sync-token: a client that remembers them learns "unchanged" from one request.
//!
//! It runs as a child process of the benchmark (`calsync-bench poll-scale-server`), so the
//! client's CPU time is measured without the server's.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use clap::Args;
use std::sync::Arc;
use std::time::Duration;

/// The one sync-token every collection has (it never changes).
pub const SYNC_TOKEN: &str = "http://bench.calsync.test/sync/1";
pub const CTAG: &str = "\"bench-ctag-1\"";

#[derive(Debug, Args)]
pub struct ServerArgs {
    /// Calendar collections served (`/cal/0/` .. `/cal/<calendars - 1>/`).
    #[arg(long, default_value_t = 5_000)]
    pub calendars: usize,
    /// Delay before every answer, in milliseconds.
    #[arg(long, default_value_t = 120)]
    pub delay_ms: u64,
}

struct Endpoint {
    calendars: usize,
    delay: Duration,
}

/// Binds a free local port, prints it on stdout (the parent reads it) and serves until killed.
pub async fn run(args: ServerArgs) -> anyhow::Result<()> {
    let endpoint = Arc::new(Endpoint {
        calendars: args.calendars,
        delay: Duration::from_millis(args.delay_ms),
    });
    let app = Router::new().fallback(answer).with_state(endpoint);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("{}", listener.local_addr()?.port());
    axum::serve(listener, app).await?;
    Ok(())
}

async fn answer(
    State(endpoint): State<Arc<Endpoint>>,
    method: Method,
    uri: Uri,
    _body: Bytes,
) -> Response {
    tokio::time::sleep(endpoint.delay).await;
    let Some(n) = collection_number(uri.path()).filter(|n| *n < endpoint.calendars) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let body = match method.as_str() {
        "REPORT" => format!(
            r#"<?xml version="1.0" encoding="utf-8"?><d:multistatus xmlns:d="DAV:"><d:sync-token>{SYNC_TOKEN}</d:sync-token></d:multistatus>"#
        ),
        "PROPFIND" => format!(
            r#"<?xml version="1.0" encoding="utf-8"?><d:multistatus xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:response><d:href>/cal/{n}/</d:href><d:propstat><d:prop><cs:getctag>{CTAG}</cs:getctag><d:sync-token>{SYNC_TOKEN}</d:sync-token></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"#
        ),
        _ => return StatusCode::METHOD_NOT_ALLOWED.into_response(),
    };
    (
        StatusCode::MULTI_STATUS,
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        body,
    )
        .into_response()
}

fn collection_number(path: &str) -> Option<usize> {
    path.strip_prefix("/cal/")?.strip_suffix('/')?.parse().ok()
}
