//! Expired and revoked tokens, rate limits with Retry-After, server errors.

use super::support::*;
use calsync_core::domain::SyncCursor;
use calsync_core::ports::{CalendarDirectory, ChangeFeed, ProviderError};
use calsync_core::usecases::RetryPolicy;
use calsync_emulators::common::{Fault, FaultRule};
use std::time::Duration;

#[tokio::test]
async fn a_refused_access_token_is_refreshed_once_and_the_call_retried() {
    let google = Google::new().await;
    google.emulator.expire_access_tokens();
    let found = google.account.calendars().await.unwrap();
    assert_eq!(found.len(), 1);
    let statuses: Vec<u16> = google
        .emulator
        .log()
        .matching("GET", "calendarList")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, vec![401, 200]);
    assert_eq!(google.emulator.log().matching("POST", "/token").len(), 1);
    // The refreshed token keeps working: no further refresh.
    google.account.calendars().await.unwrap();
    assert_eq!(google.emulator.log().matching("POST", "/token").len(), 1);
}

#[tokio::test]
async fn a_revoked_account_is_an_auth_error_after_one_refresh_attempt() {
    let google = Google::new().await;
    google.emulator.revoke_refresh_tokens();
    let result = google.account.calendars().await;
    assert!(matches!(result, Err(ProviderError::Auth(_))), "{result:?}");
    assert_eq!(google.emulator.log().matching("POST", "/token").len(), 1);
    assert_eq!(
        google.emulator.log().matching("GET", "calendarList").len(),
        1
    );
}

#[tokio::test]
async fn rate_limits_carry_retry_after_and_the_retry_policy_waits_that_long() {
    let google = Google::new().await;
    // Reads are retried up to three times in the adapter: three 429s reach the caller.
    let limit = |times| {
        FaultRule::next(
            times,
            Fault::RateLimited {
                retry_after_secs: 1,
            },
        )
        .on_path("/events")
    };
    google.emulator.faults().add(limit(3));
    let limited = google
        .account
        .changes(&google.info, &SyncCursor::default(), window())
        .await;
    let Err(ProviderError::RateLimited { retry_after }) = limited else {
        panic!("{limited:?}");
    };
    assert_eq!(retry_after, Some(Duration::from_secs(1)));

    google.emulator.log().clear();
    google.emulator.faults().add(limit(1));
    let (cursor, window) = (SyncCursor::default(), window());
    RetryPolicy::default()
        .run(|| google.account.changes(&google.info, &cursor, window))
        .await
        .unwrap();
    let requests = google.emulator.log().matching("GET", "/events");
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].status, 429);
    assert_eq!(requests[1].status, 200);
    let waited = requests[1].at - requests[0].at;
    assert!(
        waited >= chrono::Duration::seconds(1),
        "retried after {waited}"
    );
}

#[tokio::test]
async fn server_errors_are_transient_and_client_errors_permanent() {
    let google = Google::new().await;
    google
        .emulator
        .faults()
        .add(FaultRule::next(3, Fault::Status(503)).on_path("calendarList"));
    let result = google.account.calendars().await;
    assert!(
        matches!(result, Err(ProviderError::Transient(_))),
        "{result:?}"
    );
    google
        .emulator
        .faults()
        .add(FaultRule::next(1, Fault::Status(400)).on_path("calendarList"));
    let result = google.account.calendars().await;
    assert!(
        matches!(result, Err(ProviderError::Permanent(_))),
        "{result:?}"
    );
    assert!(google.account.calendars().await.is_ok());
}

/// A read is retried on its own: one 503 among a pass's requests does not fail the pass.
#[tokio::test]
async fn a_read_answered_503_once_is_retried_by_the_adapter() {
    let google = Google::new().await;
    google
        .emulator
        .faults()
        .add(FaultRule::next(1, Fault::Status(503)).on_path("calendarList"));
    google.emulator.log().clear();
    assert!(google.account.calendars().await.is_ok());
    let statuses: Vec<u16> = google
        .emulator
        .log()
        .matching("GET", "calendarList")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, vec![503, 200]);
}
