//! Hostile input, in one table: each bad input must end in a clear verdict (an error of the
//! right class, or a bounded, deliberate handling), within a time and a peak-memory bound,
//! and lose nothing.
//!
//! "Nothing lost" means: a CalDAV reply that cannot be read is an error, never an empty or
//! shortened listing (which the engine would take for deletions); a webhook leaves the
//! stored channels and the remembered notifications as they were.
//!
//! A test binary of its own, and one test that runs the cases one after the other, so that
//! the peak memory read for a case (VmHWM, reset through /proc/self/clear_refs) is that
//! case's alone.

// Helpers shared by the cases are not `#[test]` functions, so clippy's test allowance misses them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cases;
mod memory;
mod run;
mod server;

use calsync_core::ical::IcalError;
use calsync_core::usecases::Outcome;
use std::time::{Duration, Instant};

/// What the case is fed through.
pub enum Input {
    /// `calsync_core::ical::parse_event`, then write and read the event again.
    IcalText(fn() -> String),
    /// A CalDAV change check (sync-collection REPORT) against a server answering this.
    DavChanges(fn() -> server::Reply),
    /// A CalDAV read of one item against a server answering this.
    DavFetch(fn() -> server::Reply),
    /// These Google notifications, in order, to the webhook receiver.
    Google(fn() -> Vec<calsync_core::usecases::WebhookRequest>),
    /// These Graph notifications, in order.
    Graph(fn() -> Vec<calsync_core::usecases::WebhookRequest>),
    /// The event (iCalendar text) observed on the first calendar of a pair link: one plan.
    Plan(fn() -> String),
}

/// What the case must end in.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// `parse_event` refused it with exactly this error.
    IcalRefused(IcalError),
    /// Read, written and read back; the event has this many attendees.
    Read { attendees: usize },
    /// The CalDAV call failed with a permanent error whose message contains this.
    Refused(&'static str),
    /// The CalDAV change check read a listing of this many members.
    Listed { members: usize },
    /// The CalDAV item was read as malformed (kept, never deleted), for this reason.
    Malformed(&'static str),
    /// The webhook answers, in order; and the jobs queued in all.
    Answers(Vec<(u16, Outcome)>, usize),
    /// The planner decided without error, creating this many copies.
    Planned { creates: usize },
}

pub struct Case {
    pub name: &'static str,
    pub input: Input,
    pub expect: Verdict,
    /// Time the case may take: generous for a debug build on a busy 2-core machine.
    pub seconds: u64,
    /// Peak memory the case may add to the process, in MiB.
    pub memory_mib: u64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_inputs_get_clear_bounded_verdicts_and_lose_nothing() {
    let mut failures = Vec::new();
    for case in cases::table() {
        let baseline = memory::reset_peak();
        let started = Instant::now();
        let seen = run::run(&case.input).await;
        let elapsed = started.elapsed();
        let added_mib = memory::peak_since(baseline);
        println!(
            "{:<58} {:>6} ms {:>5} MiB  {:?}",
            case.name,
            elapsed.as_millis(),
            added_mib.map_or("?".to_string(), |mib| mib.to_string()),
            seen
        );
        if !case.expect.matches(&seen) {
            failures.push(format!(
                "{}: expected {:?}, got {:?}",
                case.name, case.expect, seen
            ));
        }
        if elapsed > Duration::from_secs(case.seconds) {
            failures.push(format!("{}: took {elapsed:?}", case.name));
        }
        if let Some(added) = added_mib
            && added > case.memory_mib
        {
            failures.push(format!(
                "{}: peak memory grew by {added} MiB (bound {})",
                case.name, case.memory_mib
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

impl Verdict {
    /// Messages are compared by fragment: they carry paths and sizes besides the reason.
    fn matches(&self, seen: &run::Seen) -> bool {
        match (self, seen) {
            (Self::Refused(want), run::Seen::Refused(message))
            | (Self::Malformed(want), run::Seen::Malformed(message)) => message.contains(want),
            (Self::Listed { members }, run::Seen::Listed { members: got }) => members == got,
            (Self::IcalRefused(want), run::Seen::Ical(got)) => want == got,
            (Self::Read { attendees }, run::Seen::Read { attendees: got }) => attendees == got,
            (Self::Answers(want, queued), run::Seen::Answers(got, got_queued)) => {
                want == got && queued == got_queued
            }
            (Self::Planned { creates }, run::Seen::Planned { creates: got }) => creates == got,
            _ => false,
        }
    }
}
