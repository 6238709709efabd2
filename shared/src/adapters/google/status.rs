//! What the Calendar API's answers mean as [`ProviderError`]s
//! (https://developers.google.com/calendar/api/guides/errors).

use super::wire::ErrorBody;
use crate::ports::ProviderError;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use std::time::Duration;

/// A Retry-After further away than this is read as this (a day).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone)]
pub(super) struct Reply {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn json<T: DeserializeOwned>(&self, what: &str) -> Result<T, ProviderError> {
        serde_json::from_slice(&self.body).map_err(|_| {
            ProviderError::Permanent(format!("{what}: the answer is not the expected JSON"))
        })
    }
}

/// The error a non-2xx answer means. 401s never get here: the client refreshes first.
pub(super) fn error_for(what: &str, reply: &Reply) -> ProviderError {
    let reasons = reasons(&reply.body);
    let has = |reason: &str| reasons.iter().any(|r| r == reason);
    match reply.status {
        401 => ProviderError::Auth(format!("{what}: 401")),
        429 => rate_limited(reply),
        // Quota exhaustion comes as 403 with one of these reasons; other 403s are refusals.
        403 if has("rateLimitExceeded") || has("userRateLimitExceeded") => rate_limited(reply),
        403 => {
            ProviderError::Permanent(format!("{what}: 403 forbidden{}", reason_suffix(&reasons)))
        }
        404 | 410 if !has("fullSyncRequired") && !has("updatedMinTooLongAgo") => {
            ProviderError::NotFound
        }
        410 => ProviderError::Gone,
        // 409 on a write: the id is taken (a copy already made by an earlier, lost attempt).
        409 | 412 => ProviderError::PreconditionFailed,
        500..=599 | 408 => ProviderError::Transient(format!("{what}: {}", reply.status)),
        other => ProviderError::Permanent(format!("{what}: {other}{}", reason_suffix(&reasons))),
    }
}

fn rate_limited(reply: &Reply) -> ProviderError {
    ProviderError::RateLimited {
        retry_after: reply.retry_after.as_deref().and_then(parse_retry_after),
    }
}

fn reasons(body: &[u8]) -> Vec<String> {
    serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .and_then(|b| b.error)
        .map(|e| e.errors.into_iter().filter_map(|r| r.reason).collect())
        .unwrap_or_default()
}

/// Google's reasons are fixed identifiers (`quotaExceeded`), never user data.
fn reason_suffix(reasons: &[String]) -> String {
    if reasons.is_empty() {
        String::new()
    } else {
        format!(" ({})", reasons.join(", "))
    }
}

/// `Retry-After: <seconds>` or an HTTP date, bounded.
pub(super) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    let wait = match value.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => {
            let at = DateTime::parse_from_rfc2822(value)
                .ok()?
                .with_timezone(&Utc);
            (at - Utc::now()).to_std().unwrap_or(Duration::ZERO)
        }
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, reason: Option<&str>, retry_after: Option<&str>) -> Reply {
        let body = match reason {
            Some(reason) => {
                serde_json::json!({"error": {"code": status, "errors": [{"reason": reason}]}})
                    .to_string()
                    .into_bytes()
            }
            None => Vec::new(),
        };
        Reply {
            status,
            retry_after: retry_after.map(str::to_string),
            body,
        }
    }

    #[test]
    fn statuses_map_to_what_the_caller_must_do() {
        let cases = [
            (reply(410, Some("fullSyncRequired"), None), "Gone"),
            (reply(410, Some("deleted"), None), "NotFound"),
            (reply(404, Some("notFound"), None), "NotFound"),
            (reply(409, Some("duplicate"), None), "PreconditionFailed"),
            (
                reply(412, Some("conditionNotMet"), None),
                "PreconditionFailed",
            ),
            (reply(503, None, None), "Transient"),
            (reply(403, Some("forbidden"), None), "Permanent"),
            (reply(400, Some("invalid"), None), "Permanent"),
        ];
        for (reply, expected) in cases {
            let error = error_for("GET x", &reply);
            assert!(
                format!("{error:?}").starts_with(expected),
                "{} -> {error:?}",
                reply.status
            );
        }
    }

    #[test]
    fn quota_errors_are_rate_limits_with_their_wait() {
        for reply in [
            reply(429, None, Some("7")),
            reply(403, Some("rateLimitExceeded"), Some("7")),
            reply(403, Some("userRateLimitExceeded"), Some("7")),
        ] {
            let ProviderError::RateLimited { retry_after } = error_for("GET x", &reply) else {
                panic!("{} should be a rate limit", reply.status);
            };
            assert_eq!(retry_after, Some(Duration::from_secs(7)));
        }
        assert!(matches!(
            error_for("GET x", &reply(429, None, None)),
            ProviderError::RateLimited { retry_after: None }
        ));
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_and_is_bounded() {
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("999999999"), Some(MAX_RETRY_AFTER));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
