//! `calsync serve`: the embedded runtime. A scheduler and (with a public URL) the webhook
//! receiver feed one in-process job queue; one worker drains it, so no two passes ever touch
//! the same link at once.

mod http;
mod scheduler;
mod worker;

use crate::runtime::Embedded;
use calsync_core::adapters::in_process_queue::InProcessQueue;
use calsync_core::usecases::cadence::CadencePolicy;
use calsync_core::usecases::{JobRunner, PushService, WebhookReceiver};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

pub struct ServeOptions {
    /// How often calendars without push are checked.
    pub cadence: CadencePolicy,
    /// Where providers reach the webhook receiver; enables push when set.
    pub public_url: Option<String>,
    pub listen: SocketAddr,
    pub push_fallback_poll: Duration,
    pub channel_upkeep: Duration,
    pub channel_life: Option<chrono::TimeDelta>,
}

impl ServeOptions {
    /// Every calendar polled, no webhooks (`calsync sync` without `--once`).
    pub fn polling_only(cadence: CadencePolicy) -> Self {
        Self {
            push_fallback_poll: cadence.budget,
            cadence,
            public_url: None,
            listen: ([127, 0, 0, 1], 0).into(),
            channel_upkeep: Duration::from_secs(60),
            channel_life: None,
        }
    }
}

pub async fn serve(app: &Embedded, options: ServeOptions) -> anyhow::Result<ExitCode> {
    let (queue, jobs) = InProcessQueue::new();
    let push = options.public_url.as_ref().map(|public_url| PushService {
        tenant: app.tenant.clone(),
        store: app.store.clone(),
        accounts: app.accounts(),
        connector: app.connector.clone(),
        public_url: public_url.clone(),
        channel_life: options.channel_life,
        clock: chrono::Utc::now,
    });
    let runner = JobRunner {
        sync: app.sync(),
        push: push.clone(),
        leases: None,
    };
    let shutdown = tokio_util_shutdown();
    let mut tasks = tokio::task::JoinSet::new();
    if options.public_url.is_some() {
        let receiver = WebhookReceiver {
            store: app.store.clone(),
            queue: Arc::new(queue.clone()),
            clock: chrono::Utc::now,
        };
        let listener = tokio::net::TcpListener::bind(options.listen).await?;
        tracing::info!(listen = %listener.local_addr()?, "webhook receiver listening");
        tasks.spawn(http::run(listener, receiver, shutdown.clone()));
    }
    let scheduler = scheduler::Scheduler {
        tenant: app.tenant.clone(),
        store: app.store.clone(),
        queue: queue.clone(),
        push,
        cadence: options.cadence.clone(),
        push_fallback_poll: options.push_fallback_poll,
        channel_upkeep: options.channel_upkeep,
    };
    tasks.spawn(scheduler.run(shutdown.clone()));
    let worker = worker::Worker::new(app.tenant.clone(), app.store.clone(), runner, jobs);
    tasks.spawn(worker.run(shutdown.clone()));
    tracing::info!(
        average_interval_s = options.cadence.budget.as_secs(),
        adaptive = options.cadence.adaptive,
        push = options.public_url.is_some(),
        "calsync serving; Ctrl-C to stop"
    );
    stop_signal().await?;
    tracing::info!("stopping after the current pass");
    shutdown.stop();
    while tasks.join_next().await.is_some() {}
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C, or SIGTERM (systemd, container runtimes).
async fn stop_signal() -> std::io::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result,
        _ = terminate.recv() => Ok(()),
    }
}

/// A stop signal every task watches.
#[derive(Clone)]
pub struct Shutdown(
    tokio::sync::watch::Receiver<bool>,
    Arc<tokio::sync::watch::Sender<bool>>,
);

fn tokio_util_shutdown() -> Shutdown {
    let (sender, receiver) = tokio::sync::watch::channel(false);
    Shutdown(receiver, Arc::new(sender))
}

impl Shutdown {
    pub fn stop(&self) {
        let _ = self.1.send(true);
    }

    /// Resolves once stop was called.
    pub async fn stopped(&mut self) {
        while !*self.0.borrow() {
            if self.0.changed().await.is_err() {
                return;
            }
        }
    }
}
