//! Conditional writes: create, update and delete against ETags, and refused data.

use super::support::{AdapterCalendar, changes, copy_key, ics, upserts};
use calsync_core::domain::{Etag, RemoteId, SyncCursor};
use calsync_core::ports::{EventWriter, ProviderError};
use calsync_testkit::ServerKind;

on_every_server!(
    creating_the_same_copy_twice_is_a_precondition_failure,
    updating_with_a_stale_etag_is_a_precondition_failure,
    deleting_honours_the_etag_and_reports_missing_items,
    refused_data_is_a_permanent_error_not_a_lost_race,
    a_uid_already_used_by_another_item_is_not_a_lost_race,
);

async fn creating_the_same_copy_twice_is_a_precondition_failure(kind: ServerKind) {
    let calendar = AdapterCalendar::new(
        kind,
        "creating the same copy twice is a precondition failure",
    )
    .await;
    let key = copy_key(&calendar);
    let created = calendar
        .account
        .create_ics(&calendar.info, &key, ics(&key.copy_uid(), "first"))
        .await
        .unwrap();
    assert_eq!(
        created.remote_id.0,
        calendar.remote_id(&format!("{key}.ics"))
    );
    assert!(
        created.etag.is_some(),
        "every server tested returns an ETag on PUT"
    );
    let second = calendar
        .account
        .create_ics(&calendar.info, &key, ics(&key.copy_uid(), "second"))
        .await;
    assert!(
        matches!(second, Err(ProviderError::PreconditionFailed)),
        "{second:?}"
    );
    assert_eq!(
        calendar
            .stored_summary(&format!("{key}.ics"))
            .await
            .as_deref(),
        Some("first")
    );
    // The ETag of the create is the one a listing reports.
    let listing = changes(&calendar, &SyncCursor::default()).await.listing;
    assert_eq!(
        upserts(&listing).get(&created.remote_id.0),
        Some(&created.etag.map(|e| e.0))
    );
}

async fn updating_with_a_stale_etag_is_a_precondition_failure(kind: ServerKind) {
    let calendar =
        AdapterCalendar::new(kind, "updating with a stale etag is a precondition failure").await;
    let key = copy_key(&calendar);
    let uid = key.copy_uid();
    let account = &calendar.account;
    let created = account
        .create_ics(&calendar.info, &key, ics(&uid, "v1"))
        .await
        .unwrap();
    let v1 = created.etag.clone().unwrap();
    let updated = account
        .update_ics(
            &calendar.info,
            &created.remote_id,
            Some(&v1),
            ics(&uid, "v2"),
        )
        .await
        .unwrap();
    assert_eq!(updated.remote_id, created.remote_id);
    assert_ne!(updated.etag.as_ref(), Some(&v1));
    let stale = account
        .update_ics(
            &calendar.info,
            &created.remote_id,
            Some(&v1),
            ics(&uid, "v3"),
        )
        .await;
    assert!(
        matches!(stale, Err(ProviderError::PreconditionFailed)),
        "{stale:?}"
    );
    assert_eq!(
        calendar
            .stored_summary(&format!("{key}.ics"))
            .await
            .as_deref(),
        Some("v2")
    );
}

async fn deleting_honours_the_etag_and_reports_missing_items(kind: ServerKind) {
    let calendar =
        AdapterCalendar::new(kind, "deleting honours the etag and reports missing items").await;
    let id = RemoteId(calendar.remote_id("d@x.ics"));
    let old = Etag(calendar.raw.put("d%40x.ics", &ics("d@x", "D")).await);
    let current = Etag(calendar.raw.put("d%40x.ics", &ics("d@x", "D2")).await);
    let account = &calendar.account;
    let stale = account.delete(&calendar.info, &id, Some(&old)).await;
    assert!(
        matches!(stale, Err(ProviderError::PreconditionFailed)),
        "{stale:?}"
    );
    // Radicale answers 200, the others 204.
    account
        .delete(&calendar.info, &id, Some(&current))
        .await
        .unwrap();
    let again = account.delete(&calendar.info, &id, None).await;
    assert!(matches!(again, Err(ProviderError::NotFound)), "{again:?}");
    // With an ETag too, although sabre/dav 1.8 answers that with 412.
    let again = account.delete(&calendar.info, &id, Some(&current)).await;
    assert!(matches!(again, Err(ProviderError::NotFound)), "{again:?}");
}

async fn refused_data_is_a_permanent_error_not_a_lost_race(kind: ServerKind) {
    let calendar =
        AdapterCalendar::new(kind, "refused data is a permanent error not a lost race").await;
    let garbage = || "this is not iCalendar\r\n".to_string();
    // Radicale answers 400, sabre/dav 415, Xandikos and DAViCal 412: a 412 that is not about
    // the ETag must not send the caller into a re-read-and-retry loop.
    let key = copy_key(&calendar);
    let created = calendar
        .account
        .create_ics(&calendar.info, &key, garbage())
        .await;
    assert!(
        matches!(created, Err(ProviderError::Permanent(_))),
        "{created:?}"
    );
    let key = copy_key(&calendar);
    let created = calendar
        .account
        .create_ics(&calendar.info, &key, ics(&key.copy_uid(), "valid"))
        .await
        .unwrap();
    let updated = calendar
        .account
        .update_ics(
            &calendar.info,
            &created.remote_id,
            created.etag.as_ref(),
            garbage(),
        )
        .await;
    assert!(
        matches!(updated, Err(ProviderError::Permanent(_))),
        "{updated:?}"
    );
    let (_, stored_etag) = calendar.raw.get(&format!("{key}.ics")).await.unwrap();
    assert_eq!(Some(stored_etag), created.etag.map(|e| e.0));
}

async fn a_uid_already_used_by_another_item_is_not_a_lost_race(kind: ServerKind) {
    let calendar = AdapterCalendar::new(kind, "uid already used").await;
    let key = copy_key(&calendar);
    calendar
        .raw
        .put("moved.ics", &ics(&key.copy_uid(), "moved"))
        .await;
    let created = calendar
        .account
        .create_ics(&calendar.info, &key, ics(&key.copy_uid(), "copy"))
        .await;
    match kind {
        // RFC 4791 §5.3.2.1 no-uid-conflict: Radicale with 409, Xandikos with 412.
        ServerKind::Radicale | ServerKind::Xandikos => assert!(
            matches!(&created, Err(ProviderError::Permanent(m)) if m.contains("UID")),
            "{created:?}"
        ),
        // sabre/dav 1.8 and DAViCal store a second resource with the same UID.
        ServerKind::Sabre | ServerKind::Davical => assert!(created.is_ok(), "{created:?}"),
    }
}
