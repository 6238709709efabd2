//! Acceptance tests of issue 3: `calsync serve` (the real binary) syncing Google Calendar and
//! Microsoft Graph (the emulators, which really POST notifications to its webhooks) with real
//! CalDAV servers and with each other. Accounts are connected through the CLI's OAuth flow
//! (PKCE, loopback redirect) against the emulators' authorization servers.

mod faults;
mod latency;
mod renewal;
pub(crate) mod rig;
pub(crate) mod sides;
mod two_way;
mod webhooks;
