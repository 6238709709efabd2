//! The serverless deployment's application layer (cargo feature `aws`): composition root,
//! configuration, metrics and the framework-agnostic logic behind each Lambda function.
//! `functions/<name>` only adapts Lambda events to what is here.

mod config;
pub mod metrics;
mod runtime;

pub use config::{CloudConfig, MissingSetting};
pub use runtime::{CloudRuntime, TenantServices};
