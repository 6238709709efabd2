//! Emulators of the Google Calendar v3 and Microsoft Graph v1.0 APIs calsync uses, for tests
//! and benchmarks only (never in the production path). They follow the providers' published
//! documentation: sync tokens and delta links that can expire (410), pagination, ETags and
//! 412, deterministic ids, push channels and subscriptions that really POST to a webhook, and
//! fault injection (latency, 429 + Retry-After, 5xx, dropped / duplicated / delayed /
//! reordered notifications).
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod common;
pub mod google;
pub mod graph;
