//! Expired tokens, throttling and server errors as the caller sees them.

use super::support::{Setup, graph_event};
use calsync_core::domain::SyncCursor;
use calsync_core::ports::{CalendarDirectory, ChangeFeed, ProviderError};
use calsync_core::usecases::RetryPolicy;
use calsync_emulators::common::{Fault, FaultRule};
use std::time::Duration;

#[tokio::test]
async fn an_expired_access_token_is_refreshed_once_and_the_request_retried() {
    let setup = Setup::new().await;
    setup.graph.expire_access_tokens();
    let calendars = setup.account.calendars().await.unwrap();
    assert_eq!(calendars.len(), 1);
    assert_eq!(setup.graph.refresh_count(), 1);
    let statuses: Vec<(String, u16)> = setup
        .graph
        .log()
        .all()
        .iter()
        .map(|r| (r.path.clone(), r.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("/v1.0/me/calendars".to_string(), 401),
            ("/common/oauth2/v2.0/token".to_string(), 200),
            ("/v1.0/me/calendars".to_string(), 200),
        ]
    );
    // The refreshed token keeps working: no second refresh.
    setup.account.calendars().await.unwrap();
    assert_eq!(setup.graph.refresh_count(), 1);
}

#[tokio::test]
async fn a_refused_refresh_is_an_auth_error() {
    let setup = Setup::new().await;
    setup.graph.expire_access_tokens();
    setup
        .graph
        .faults()
        .add(FaultRule::next(1, Fault::Status(400)).on_path("/oauth2/v2.0/token"));
    let refused = setup.account.calendars().await;
    assert!(
        matches!(refused, Err(ProviderError::Auth(_))),
        "{refused:?}"
    );
}

#[tokio::test]
async fn throttling_surfaces_retry_after_and_the_retry_policy_waits_for_it() {
    let setup = Setup::new().await;
    setup.user_creates(graph_event("busy", 6, "UTC"));
    setup.graph.faults().add(
        FaultRule::next(
            3,
            Fault::RateLimited {
                retry_after_secs: 1,
            },
        )
        .on_path("/calendarView/delta"),
    );
    let window = super::support::window();
    let throttled = setup
        .account
        .changes(&setup.calendar, &SyncCursor::default(), window)
        .await;
    assert!(
        matches!(throttled, Err(ProviderError::RateLimited { retry_after: Some(d) }) if d == Duration::from_secs(1)),
        "{throttled:?}"
    );

    setup.graph.log().clear();
    setup.graph.faults().add(
        FaultRule::next(
            1,
            Fault::RateLimited {
                retry_after_secs: 1,
            },
        )
        .on_path("/calendarView/delta"),
    );
    let fresh = SyncCursor::default();
    let batch = RetryPolicy::default()
        .run(|| setup.account.changes(&setup.calendar, &fresh, window))
        .await
        .unwrap();
    assert!(batch.cursor.token.is_some());
    let attempts = setup.graph.log().matching("GET", "/calendarView/delta");
    assert_eq!(attempts[0].status, 429);
    assert_eq!(attempts[1].status, 200);
    let waited = attempts[1].at - attempts[0].at;
    assert!(
        waited >= chrono::TimeDelta::seconds(1),
        "retried after {waited}, before Retry-After"
    );
}

#[tokio::test]
async fn server_errors_are_transient_and_bad_requests_permanent() {
    let setup = Setup::new().await;
    setup
        .graph
        .faults()
        .add(FaultRule::next(3, Fault::Status(503)).on_path("/me/calendars"));
    let unavailable = setup.account.calendars().await;
    assert!(
        matches!(unavailable, Err(ProviderError::Transient(_))),
        "{unavailable:?}"
    );
    setup
        .graph
        .faults()
        .add(FaultRule::next(1, Fault::Status(400)).on_path("/me/calendars"));
    let refused = setup.account.calendars().await;
    assert!(
        matches!(refused, Err(ProviderError::Permanent(_))),
        "{refused:?}"
    );
}
