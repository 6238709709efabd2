//! The serverless deployment's application layer (cargo feature `aws`): composition root,
//! configuration, metrics and the framework-agnostic logic behind each Lambda function.
//! `functions/<name>` only adapts Lambda events to what is here.

pub mod api;
mod config;
pub mod metrics;
mod runtime;
pub mod schedule;
pub mod sync_worker;

pub use config::{CloudConfig, MissingSetting};
pub use runtime::{CloudRuntime, TenantServices};

/// JSON log lines on stdout (CloudWatch Logs indexes their fields), level from `RUST_LOG`
/// (default `info`). Spans carry ids (tenant, link, job); nothing logs content or secrets.
pub fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Lambda adds its own timestamps and request ids to each line.
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .without_time()
        .with_target(false)
        .try_init();
}
