//! A Depth:0 `DAV:getlastmodified` PROPFIND before the sync-collection REPORT: a check that
//! is cheap for the server. Radicale 3.9 computes a sync-token from every member (it loads
//! each item, ~0.5 ms per item), but a collection's `getlastmodified` from file mtimes only
//! (the directory, `.Radicale.props` and every item file; a deletion moves the directory's
//! mtime). At 2,000 items: ~10 ms for this request, ~80 ms for an unchanged sync report.
//!
//! The rules that make "the value did not move" mean "nothing changed":
//! - The property has 1-s resolution. A stored value is trusted only when it was at least
//!   [`SETTLE_MARGIN_SECS`] older than the server's own `Date` on the reply that carried it:
//!   a member changed after that reply gets a later mtime, so a later value. A value from the
//!   same second as its reply may hide a change made in that second: it is never trusted, the
//!   next check is a full one (whose fresh reading then usually is settled).
//! - The gate is trusted on a calendar only after it was seen to work there: the value moved
//!   when the sync-token moved. If the token ever moves while a settled value does not (a
//!   server reporting the collection's creation time, say), it is never trusted there again.
//! - A server without the property, or without a `Date` header, gets no gate: exactly the
//!   sync report alone, and no further gate request (the cursor remembers it).
//! - Even a trusted gate is overruled by a full check every [`FULL_CHECK_EVERY_SECS`].
//!
//! All times are the server's (property and `Date`), never our clock: no skew to allow for.

use super::super::discovery::unreadable;
use super::super::http::DavClient;
use super::super::http_message::{HttpRequest, parse_http_date};
use super::super::multistatus;
use super::super::request_body::propfind;
use super::super::xml::DAV;
use crate::domain::{GateTrust, ModifiedGate};
use crate::ports::ProviderError;
use url::Url;

/// How much older than its reply's `Date` a value must be to be trusted: 1 s for the
/// property's resolution, 1 s for a server whose file and HTTP clocks round differently.
pub(crate) const SETTLE_MARGIN_SECS: i64 = 2;
/// The longest a trusted gate may stand in for the sync report, in server seconds: bounds
/// what a gate that stopped working unnoticed (a restored backup, a clock set back) can hide.
pub(crate) const FULL_CHECK_EVERY_SECS: i64 = 300;

/// One answer to the gate request, in Unix seconds of the server's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct GateReading {
    /// `DAV:getlastmodified`; `None` when the server did not give it.
    pub modified: Option<i64>,
    /// The reply's `Date` header.
    pub date: Option<i64>,
}

/// What a full check right after a gate reading says about the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Evidence {
    /// The token moved and the value moved with it.
    Moved,
    /// The token moved while a settled value stayed put: the gate misses changes here.
    Stuck,
    /// Nothing learnt (no change, a first reading, or an unsettled value).
    Nothing,
}

/// Whether the gate request is worth sending: not on calendars where it proved useless.
pub(crate) fn worth_asking(stored: Option<&ModifiedGate>) -> bool {
    stored.is_none_or(|gate| gate.trust != GateTrust::Unusable)
}

/// `true` when `reading` proves nothing changed since the full check that stored `stored`.
pub(crate) fn says_unchanged(stored: Option<&ModifiedGate>, reading: GateReading) -> bool {
    let Some(stored) = stored else {
        return false;
    };
    let (Some(modified), Some(date), Some(full_check_at)) =
        (reading.modified, reading.date, stored.full_check_at)
    else {
        return false;
    };
    stored.trust == GateTrust::Trusted
        && stored.settled
        && stored.seen == Some(modified)
        // A `Date` earlier than the last full check means the server's clock went back:
        // nothing about mtimes can be trusted then.
        && (0..FULL_CHECK_EVERY_SECS).contains(&(date - full_check_at))
}

/// What the full check that followed `reading` says about the gate. `token_moved`: the
/// sync report found changes since the stored cursor.
pub(crate) fn evidence(
    stored: Option<&ModifiedGate>,
    reading: GateReading,
    token_moved: bool,
) -> Evidence {
    let Some(stored) = stored else {
        return Evidence::Nothing;
    };
    match (token_moved, stored.seen, reading.modified) {
        (true, Some(before), Some(now)) if now > before => Evidence::Moved,
        // An unsettled stored value may legitimately equal a value that includes a change
        // made in its own second: that is no proof against the server.
        (true, Some(before), Some(now)) if now == before && stored.settled => Evidence::Stuck,
        _ => Evidence::Nothing,
    }
}

/// The gate to store with the cursor of a full check that followed `reading`.
pub(crate) fn after_full_check(
    stored: Option<&ModifiedGate>,
    reading: GateReading,
    evidence: Evidence,
) -> ModifiedGate {
    let (Some(modified), Some(date)) = (reading.modified, reading.date) else {
        return ModifiedGate {
            trust: GateTrust::Unusable,
            seen: None,
            settled: false,
            full_check_at: reading.date,
        };
    };
    let known = stored.map_or(GateTrust::Untested, |gate| gate.trust);
    let trust = match (known, evidence) {
        (_, Evidence::Stuck) => GateTrust::Unusable,
        (GateTrust::Untested, Evidence::Moved) => GateTrust::Trusted,
        (known, _) => known,
    };
    let fresh = ModifiedGate {
        trust,
        // The value read *before* the report: a change landing between the two requests
        // is in the token or not, but it moves the next reading past this value either way.
        seen: Some(modified),
        settled: modified <= date - SETTLE_MARGIN_SECS,
        full_check_at: Some(date),
    };
    // An unsettled gate is never trusted, so the time of its full check says nothing. Keeping
    // the stored one spares a state write (a DynamoDB transaction) per check until it settles.
    match stored {
        Some(stored) if !fresh.settled && same_but_for_its_time(stored, &fresh) => stored.clone(),
        _ => fresh,
    }
}

fn same_but_for_its_time(stored: &ModifiedGate, fresh: &ModifiedGate) -> bool {
    stored.trust == fresh.trust && stored.seen == fresh.seen && stored.settled == fresh.settled
}

/// Sends the gate request. Statuses that say "not this property here" read as a server
/// without the property; the others are errors as for any request.
pub(crate) async fn read(client: &DavClient, url: &Url) -> Result<GateReading, ProviderError> {
    let body = propfind(&[(DAV, "getlastmodified")]);
    let reply = client
        .send(HttpRequest::propfind(url.clone(), "0", body))
        .await?;
    if matches!(reply.status.as_u16(), 400 | 403 | 405 | 422 | 501) {
        return Ok(GateReading {
            modified: None,
            date: reply.date,
        });
    }
    let reply = reply.success()?;
    let listing = multistatus::parse(&reply.body).map_err(|e| unreadable(&reply.url, e))?;
    let modified = listing
        .responses
        .first()
        .and_then(|response| response.prop_text(DAV, "getlastmodified"))
        .and_then(|text| parse_http_date(&text));
    Ok(GateReading {
        modified,
        date: reply.date,
    })
}

/// The gate to store after a full check that followed `reading`. `token_moved` with a
/// settled value that did not move condemns the gate for good, so that verdict is confirmed
/// by a second reading first: a change landing between the gate request and the report moves
/// the second one, and proves nothing against the server.
pub(super) async fn learn(
    client: &DavClient,
    url: &Url,
    stored: Option<&ModifiedGate>,
    reading: GateReading,
    token_moved: bool,
) -> Result<ModifiedGate, ProviderError> {
    let mut verdict = evidence(stored, reading, token_moved);
    if verdict == Evidence::Stuck {
        let again = read(client, url).await?;
        if again.modified != reading.modified {
            verdict = Evidence::Nothing;
        }
    }
    Ok(after_full_check(stored, reading, verdict))
}

#[cfg(test)]
mod tests;
