//! The faults of a run, injected by the emulators: 20 % of notifications dropped, 10 %
//! duplicated, up to 800 ms of jitter (so they overtake each other), 5 % of API requests
//! answered 5xx and 2 % 429 with Retry-After; sync tokens and delta links expired at random
//! moments by the run itself. The CalDAV servers are reached directly (no fault proxy yet).

use super::world::UnderTest;
use calsync_emulators::common::{Fault, FaultRule, LoggedRequest, NotificationFaults};
use serde_json::{Value, json};
use std::time::Duration;

pub const NOTIFICATIONS_DROPPED: f64 = 0.20;
pub const NOTIFICATIONS_DUPLICATED: f64 = 0.10;
pub const SERVER_ERRORS: f64 = 0.05;
pub const RATE_LIMITED: f64 = 0.02;

pub fn arm(runtime: &dyn UnderTest, lossy_notifications: bool, api_errors: bool) {
    if lossy_notifications {
        let notifications = NotificationFaults {
            drop: NOTIFICATIONS_DROPPED,
            duplicate: NOTIFICATIONS_DUPLICATED,
            jitter: Duration::from_millis(800),
            ..NotificationFaults::default()
        };
        runtime
            .google()
            .notifier()
            .set_faults(notifications.clone());
        runtime.graph().notifier().set_faults(notifications);
    }
    if !api_errors {
        return;
    }
    for faults in [runtime.google().faults(), runtime.graph().faults()] {
        // 503 and 500 alternate by rule order: the first rule takes 2.5 %, the second 2.5 %
        // of what is left, about 5 % in all.
        faults.add(FaultRule::random(SERVER_ERRORS / 2.0, Fault::Status(503)));
        faults.add(FaultRule::random(SERVER_ERRORS / 2.0, Fault::Status(500)));
        faults.add(FaultRule::random(
            RATE_LIMITED,
            Fault::RateLimited {
                retry_after_secs: 1,
            },
        ));
    }
}

pub fn disarm(runtime: &dyn UnderTest) {
    runtime
        .google()
        .notifier()
        .set_faults(NotificationFaults::default());
    runtime
        .graph()
        .notifier()
        .set_faults(NotificationFaults::default());
    runtime.google().faults().clear();
    runtime.graph().faults().clear();
}

/// What the faults did, counted from the emulators' own records.
pub fn injected(runtime: &dyn UnderTest, expiries: usize, kills: usize) -> Value {
    let deliveries: Vec<_> = runtime
        .google()
        .notifier()
        .deliveries()
        .into_iter()
        .chain(runtime.graph().notifier().deliveries())
        .collect();
    let requests: Vec<LoggedRequest> = runtime
        .google()
        .log()
        .all()
        .into_iter()
        .chain(runtime.graph().log().all())
        .collect();
    let count = |status: fn(u16) -> bool| requests.iter().filter(|r| status(r.status)).count();
    let mut counts = json!({
        "notifications_sent": deliveries.iter().filter(|d| !d.dropped).count(),
        "notifications_dropped": deliveries.iter().filter(|d| d.dropped).count(),
        "api_requests": requests.len(),
        "http_5xx": count(|s| s >= 500),
        "http_429": count(|s| s == 429),
        "http_410_after_expiry": count(|s| s == 410),
        "sync_state_expiries": expiries,
    });
    // `serve_killed` for `calsync serve`, `sync_function_killed` for the AWS worker.
    counts[format!("{}_killed", runtime.name())] = json!(kills);
    counts
}

/// The refused API requests of the last `seconds`, as `METHOD path -> status` with counts: what
/// calsync keeps trying after the faults stopped.
pub fn recent_refusals(runtime: &dyn UnderTest, seconds: i64) -> Vec<String> {
    let since = chrono::Utc::now() - chrono::TimeDelta::seconds(seconds);
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for (provider, log) in [
        ("google", runtime.google().log()),
        ("graph", runtime.graph().log()),
    ] {
        for request in log
            .all()
            .into_iter()
            .filter(|r| r.at > since && r.status >= 400)
        {
            let line = format!(
                "{provider} {} {} -> {}",
                request.method, request.path, request.status
            );
            *counts.entry(line).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .map(|(line, n)| format!("{n} x {line}"))
        .collect()
}

/// The `limit` most frequent kinds of API request (`METHOD path` with ids as `*`) with their
/// counts: where a runtime spends its requests.
pub fn busiest_requests(runtime: &dyn UnderTest, limit: usize) -> Vec<String> {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for (provider, log) in [
        ("google", runtime.google().log()),
        ("graph", runtime.graph().log()),
    ] {
        for request in log.all() {
            let shape: Vec<&str> = request
                .path
                .split('/')
                .map(|part| {
                    let id = part.len() > 16
                        || part.contains(['@', '%', '.'])
                        || part.chars().any(|c| c.is_ascii_digit());
                    if id { "*" } else { part }
                })
                .collect();
            let query = match &request.query {
                Some(q) if q.contains("syncToken") || q.contains("deltatoken") => " (incremental)",
                Some(_) => " (query)",
                None => "",
            };
            *counts
                .entry(format!(
                    "{provider} {} {}{query}",
                    request.method,
                    shape.join("/")
                ))
                .or_default() += 1;
        }
    }
    let mut ranked: Vec<(String, usize)> = counts.into_iter().collect();
    ranked.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    ranked
        .into_iter()
        .take(limit)
        .map(|(kind, n)| format!("{n} x {kind}"))
        .collect()
}
