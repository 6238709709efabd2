//! calsync's integration tests against real CalDAV servers (started by scripts/test.sh), all
//! in one test binary: each area of behaviour is a module.
// Helpers shared by tests are not `#[test]` functions, so clippy's test allowance misses them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod aws;
mod caldav_adapter;
mod chaos;
mod cloud;
mod cloud_api;
mod e2e;
mod google_adapter;
mod graph_adapter;
mod servers_smoke;
