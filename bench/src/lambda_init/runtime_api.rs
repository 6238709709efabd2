//! A tiny stand-in for the Lambda Runtime API: it only notes when a function asks for its
//! first invocation (`GET /2018-06-01/runtime/invocation/next`), the moment the function is
//! ready (configuration read, SDK clients built), and never answers it.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use std::time::Instant;
use tokio::sync::mpsc;

pub struct RuntimeApi {
    /// `host:port`, as `AWS_LAMBDA_RUNTIME_API` wants it.
    pub address: String,
    pub arrivals: mpsc::UnboundedReceiver<Instant>,
    task: tokio::task::JoinHandle<()>,
}

impl RuntimeApi {
    pub async fn start() -> anyhow::Result<Self> {
        let (sender, arrivals) = mpsc::unbounded_channel();
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next_invocation))
            .with_state(sender);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?.to_string();
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                crate::measure::note(&format!("the fake Runtime API stopped: {error}"));
            }
        });
        Ok(Self {
            address,
            arrivals,
            task,
        })
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn next_invocation(State(arrivals): State<mpsc::UnboundedSender<Instant>>) {
    // Stamped first thing: the time the request arrived, not when it was answered.
    let _ = arrivals.send(Instant::now());
    // No invocation ever comes: the function is killed while it waits for one.
    std::future::pending::<()>().await;
}
