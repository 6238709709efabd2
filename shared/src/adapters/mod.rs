//! Adapters: one module per backend, each implementing ports from [`crate::ports`].

#[cfg(feature = "aws")]
pub mod aws;
pub mod caldav;
mod connector;
pub mod endpoints;
pub mod google;
pub mod graph;
pub mod in_process_queue;
pub mod local_key;
pub mod net_guard;
pub mod oauth;
mod read_retry;
pub mod sqlite;

pub use connector::ProviderConnector;
