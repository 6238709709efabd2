//! Acceptance tests: calsync driven through its real binary as a user would, against
//! Radicale, Xandikos, DAViCal and sabre/dav 1.8, asserting on what the servers store (read
//! with the testkit, never with calsync's own CalDAV adapter).
//!
//! Each scenario runs on the four servers at once, each on calendars and a data directory of
//! its own: the suite then takes as long as its slowest server, not the sum of all four, on
//! the two test threads of a 2-core machine. Every server's failure is reported, by name.

/// One test per scenario `async fn scenario(kind: ServerKind)`, run on every server
/// concurrently.
macro_rules! on_every_server {
    ($($scenario:ident),* $(,)?) => {
        mod on_every_server {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    $crate::e2e::harness::run_on_every_server(
                        stringify!($scenario),
                        super::$scenario,
                    )
                    .await
                }
            )*
        }
    };
}

mod conflicts;
mod external_client;
pub(crate) mod fixtures;
pub(crate) mod harness;
mod library;
mod malformed;
mod polling;
mod privacy;
mod races;
mod recurrence;
mod resync;
mod safety;
pub(crate) mod stored;
mod times;
mod topologies;
mod two_way;
