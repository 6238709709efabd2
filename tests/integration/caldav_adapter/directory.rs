//! Discovery, credentials and the capability probe.

use super::support::{AdapterCalendar, account, changes, upserts};
use calsync_core::domain::{RecurrenceSupport, SyncCursor};
use calsync_core::ports::{CalendarDirectory, ProviderError};
use calsync_testkit::{CaldavServer, ServerKind};

on_every_server!(
    discovery_finds_the_calendar_and_owner_email,
    probe_reports_what_the_server_really_does,
);

async fn discovery_finds_the_calendar_and_owner_email(kind: ServerKind) {
    // AdapterCalendar::new finds the new calendar through discovery from the server root.
    let calendar = AdapterCalendar::new(kind, "discovery finds the calendar and owner email").await;
    assert_eq!(calendar.info.name, calendar.display_name);
    assert!(!calendar.info.read_only);
    assert!(calendar.info.url.ends_with('/'));
    assert_eq!(
        calendar.info.capabilities.sync_collection,
        kind.has_sync_collection()
    );
    assert!(calendar.info.capabilities.ctag);
    assert_eq!(
        calendar.info.capabilities.recurrence,
        RecurrenceSupport::Unknown
    );
    // Radicale and Xandikos publish no mailto: address for the principal.
    let expected: Vec<String> = match kind {
        ServerKind::Sabre | ServerKind::Davical => vec!["alice@example.org".into()],
        ServerKind::Radicale | ServerKind::Xandikos => Vec::new(),
    };
    assert_eq!(calendar.info.owner_emails, expected);

    // A calendar collection URL given directly is taken as the only calendar.
    let direct = account(
        &calendar.server,
        &calendar.info.url,
        &calendar.server.password,
    )
    .calendars()
    .await
    .unwrap();
    assert_eq!(direct.len(), 1);
    assert_eq!(direct[0].url, calendar.info.url);
    assert_eq!(direct[0].owner_emails, expected);
}

#[tokio::test]
async fn refused_credentials_are_an_auth_error() {
    // Xandikos has no authentication on plain HTTP.
    for kind in [ServerKind::Radicale, ServerKind::Davical, ServerKind::Sabre] {
        let server = CaldavServer::get(kind);
        let account = account(&server, &server.discovery_url(), "not-the-password");
        let error = account.calendars().await.unwrap_err();
        assert!(matches!(error, ProviderError::Auth(_)), "{kind}: {error:?}");
        assert!(!error.to_string().contains("not-the-password"));
    }
}

async fn probe_reports_what_the_server_really_does(kind: ServerKind) {
    let calendar = AdapterCalendar::new(kind, "probe reports what the server really does").await;
    let capabilities = calendar.account.probe(&calendar.info).await.unwrap();
    assert_eq!(capabilities.sync_collection, kind.has_sync_collection());
    assert!(capabilities.ctag);
    // All four servers keep RRULE, EXDATE and a moved instance intact.
    assert_eq!(capabilities.recurrence, RecurrenceSupport::Intact);
    // The probe event is gone again.
    let listing = changes(&calendar, &SyncCursor::default()).await.listing;
    assert!(upserts(&listing).is_empty(), "{:?}", upserts(&listing));
}
