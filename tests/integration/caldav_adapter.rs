//! The CalDAV adapter against Radicale, Xandikos, DAViCal and sabre/dav 1.8, each test on a
//! calendar of its own. Another client (plain HTTP) edits behind the adapter's back.

mod support;

use calsync_core::domain::{
    CopyKey, DetectionMethod, Etag, OriginTag, RecurrenceSupport, RemoteId, SyncCursor,
};
use calsync_core::ports::{
    CalendarDirectory, ChangeBatch, ChangeFeed, EventReader, EventWriter, ItemChange, Listing,
    ProviderError,
};
use calsync_testkit::{CaldavServer, ServerKind};
use chrono::{Duration, Utc};
use std::collections::{BTreeMap, BTreeSet};
use support::{AdapterCalendar, ics};

/// One test per server for a scenario `async fn scenario(kind: ServerKind)`.
macro_rules! on_every_server {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            use super::*;
            #[tokio::test]
            async fn radicale() {
                super::$scenario(ServerKind::Radicale).await
            }
            #[tokio::test]
            async fn xandikos() {
                super::$scenario(ServerKind::Xandikos).await
            }
            #[tokio::test]
            async fn davical() {
                super::$scenario(ServerKind::Davical).await
            }
            #[tokio::test]
            async fn sabre() {
                super::$scenario(ServerKind::Sabre).await
            }
        }
    )*};
}

on_every_server!(
    discovery_finds_the_calendar_and_owner_email,
    probe_reports_what_the_server_really_does,
    first_listing_is_complete_and_then_unchanged,
    changes_after_an_edit_and_a_delete_are_reported,
    an_invalid_sync_token_yields_a_full_listing,
    creating_the_same_copy_twice_is_a_precondition_failure,
    updating_with_a_stale_etag_is_a_precondition_failure,
    deleting_honours_the_etag_and_reports_missing_items,
    refused_data_is_a_permanent_error_not_a_lost_race,
    a_uid_already_used_by_another_item_is_not_a_lost_race,
    multiget_reports_missing_items_as_gone,
    events_round_trip_through_the_codec,
);

fn window() -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    (
        Utc::now() - Duration::days(365),
        Utc::now() + Duration::days(365),
    )
}

async fn changes(calendar: &AdapterCalendar, cursor: &SyncCursor) -> ChangeBatch {
    calendar
        .account
        .changes(&calendar.info, cursor, window())
        .await
        .unwrap()
}

fn items(listing: &Listing) -> &[ItemChange] {
    match listing {
        Listing::Delta(items) | Listing::Complete { items, .. } => items,
        Listing::Unchanged => &[],
    }
}

fn upserts(listing: &Listing) -> BTreeMap<String, Option<String>> {
    items(listing)
        .iter()
        .filter_map(|item| match item {
            ItemChange::Upserted {
                remote_id, etag, ..
            } => Some((remote_id.0.clone(), etag.as_ref().map(|e| e.0.clone()))),
            ItemChange::Removed { .. } => None,
        })
        .collect()
}

fn removals(listing: &Listing) -> BTreeSet<String> {
    items(listing)
        .iter()
        .filter_map(|item| match item {
            ItemChange::Removed { remote_id } => Some(remote_id.0.clone()),
            ItemChange::Upserted { .. } => None,
        })
        .collect()
}

fn copy_key(calendar: &AdapterCalendar) -> CopyKey {
    let tag = OriginTag::parse(&format!("t1:corigin:uid-{:x}", rand::random::<u64>())).unwrap();
    tag.copy_key(&calendar.info.id)
}

/// Whether the iCalendar reader can read a recurring event (it is written in parallel).
fn codec_reads(text: &str) -> bool {
    calsync_core::ical::parse_event(text).is_ok()
}

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
    let direct = support::account(
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
        let account = support::account(&server, &server.discovery_url(), "not-the-password");
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
    // All four servers keep RRULE, EXDATE and a moved instance intact; without a reader
    // for them the probe gives no verdict rather than a wrong one.
    let expected = if codec_reads(RECURRING) {
        RecurrenceSupport::Intact
    } else {
        RecurrenceSupport::Unknown
    };
    assert_eq!(capabilities.recurrence, expected);
    // The probe event is gone again.
    let listing = changes(&calendar, &SyncCursor::default()).await.listing;
    assert!(upserts(&listing).is_empty(), "{:?}", upserts(&listing));
}

const RECURRING: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//calsync//tests//EN\r\nBEGIN:VEVENT\r\nUID:r@calsync\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20010108T100000Z\r\nDTEND:20010108T110000Z\r\nRRULE:FREQ=WEEKLY;COUNT=5\r\nEXDATE:20010122T100000Z\r\nSUMMARY:r\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:r@calsync\r\nDTSTAMP:20260101T000000Z\r\nRECURRENCE-ID:20010115T100000Z\r\nDTSTART:20010115T140000Z\r\nDTEND:20010115T150000Z\r\nSUMMARY:r\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

async fn first_listing_is_complete_and_then_unchanged(kind: ServerKind) {
    let calendar = AdapterCalendar::new(kind, "first listing is complete and then unchanged").await;
    let raw = &calendar.raw;
    let a = raw.put("a%40x.ics", &ics("a@x", "A")).await;
    let b = raw.put("b.ics", &ics("b", "B")).await;
    // Deleted before the first sync: Radicale still lists it, as a 404.
    raw.put("gone.ics", &ics("gone", "gone")).await;
    raw.delete("gone.ics").await;

    let first = changes(&calendar, &SyncCursor::default()).await;
    let expected_method = if kind.has_sync_collection() {
        DetectionMethod::SyncCollection
    } else {
        DetectionMethod::CtagEtagScan
    };
    assert_eq!(first.method, expected_method);
    assert!(matches!(
        first.listing,
        Listing::Complete {
            windowed: false,
            ..
        }
    ));
    assert_eq!(
        upserts(&first.listing),
        BTreeMap::from([
            (calendar.remote_id("a@x.ics"), Some(a)),
            (calendar.remote_id("b.ics"), Some(b)),
        ])
    );
    assert_eq!(first.cursor.token.is_some(), kind.has_sync_collection());
    assert!(first.cursor.ctag.is_some());

    let second = changes(&calendar, &first.cursor).await;
    assert!(
        matches!(second.listing, Listing::Unchanged),
        "{:?}",
        second.listing
    );
    assert_eq!(second.method, expected_method);
}

async fn changes_after_an_edit_and_a_delete_are_reported(kind: ServerKind) {
    let calendar =
        AdapterCalendar::new(kind, "changes after an edit and a delete are reported").await;
    let raw = &calendar.raw;
    raw.put("a.ics", &ics("a", "A")).await;
    raw.put("b%40x.ics", &ics("b@x", "B")).await;
    let c = raw.put("c.ics", &ics("c", "C")).await;
    let first = changes(&calendar, &SyncCursor::default()).await;

    let a2 = raw.put("a.ics", &ics("a", "A edited")).await;
    raw.delete("b%40x.ics").await;
    let next = changes(&calendar, &first.cursor).await;
    let (a_id, b_id, c_id) = (
        calendar.remote_id("a.ics"),
        calendar.remote_id("b@x.ics"),
        calendar.remote_id("c.ics"),
    );
    if kind.has_sync_collection() {
        assert!(
            matches!(next.listing, Listing::Delta(_)),
            "{:?}",
            next.listing
        );
        let changed = upserts(&next.listing);
        assert_eq!(changed.get(&a_id), Some(&Some(a2)));
        // DAViCal over-reports members written in the second its token was issued: such
        // extras must carry their unchanged ETag.
        for (id, etag) in &changed {
            if id != &a_id {
                assert_eq!((id, etag), (&c_id, &Some(c.clone())), "unexpected change");
            }
        }
        assert_eq!(removals(&next.listing), BTreeSet::from([b_id]));
    } else {
        assert!(matches!(next.listing, Listing::Complete { .. }));
        assert_eq!(
            upserts(&next.listing),
            BTreeMap::from([(a_id, Some(a2)), (c_id, Some(c))])
        );
    }
    let after = changes(&calendar, &next.cursor).await;
    assert!(
        matches!(after.listing, Listing::Unchanged),
        "{:?}",
        after.listing
    );
}

async fn an_invalid_sync_token_yields_a_full_listing(kind: ServerKind) {
    let calendar = AdapterCalendar::new(kind, "an invalid sync token yields a full listing").await;
    let a = calendar.raw.put("a.ics", &ics("a", "A")).await;
    let b = calendar.raw.put("b.ics", &ics("b", "B")).await;
    let bogus = SyncCursor {
        token: Some("http://example.org/ns/sync/bogus-1".into()),
        ctag: Some("\"bogus\"".into()),
    };
    let batch = changes(&calendar, &bogus).await;
    match kind {
        // DAViCal accepts any token and answers with everything, as if it were an initial sync.
        ServerKind::Davical => assert!(matches!(batch.listing, Listing::Delta(_))),
        _ => assert!(
            matches!(batch.listing, Listing::Complete { .. }),
            "{:?}",
            batch.listing
        ),
    }
    assert!(removals(&batch.listing).is_empty());
    assert_eq!(
        upserts(&batch.listing),
        BTreeMap::from([
            (calendar.remote_id("a.ics"), Some(a)),
            (calendar.remote_id("b.ics"), Some(b)),
        ])
    );
    // The cursor that came back is a good one.
    let after = changes(&calendar, &batch.cursor).await;
    assert!(
        matches!(after.listing, Listing::Unchanged),
        "{:?}",
        after.listing
    );
}

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

async fn multiget_reports_missing_items_as_gone(kind: ServerKind) {
    let calendar = AdapterCalendar::new(kind, "multiget reports missing items as gone").await;
    let a = calendar.raw.put("a%40x.ics", &ics("a@x", "A")).await;
    let b = calendar.raw.put("b.ics", &ics("b", "B")).await;
    // 101 ids: two multiget chunks, a missing one among the present ones, and on sabre/dav
    // 1.8 (whose REPORT fails as a whole) the fall-back to GETs.
    let mut ids = vec![
        RemoteId(calendar.remote_id("a@x.ics")),
        RemoteId(calendar.remote_id("missing.ics")),
    ];
    ids.extend((0..98).map(|i| RemoteId(calendar.remote_id(&format!("missing-{i}.ics")))));
    ids.push(RemoteId(calendar.remote_id("b.ics")));
    let fetched = calendar.account.fetch(&calendar.info, &ids).await.unwrap();
    assert_eq!(fetched.len(), ids.len());
    for (item, id) in fetched.iter().zip(&ids) {
        assert_eq!(&item.remote_id, id, "order is kept");
    }
    let first = &fetched[0];
    let last = &fetched[100];
    assert_eq!(first.etag.as_ref().map(|e| e.0.as_str()), Some(a.as_str()));
    assert_eq!(last.etag.as_ref().map(|e| e.0.as_str()), Some(b.as_str()));
    assert!(first.body.is_some() && last.body.is_some());
    assert!(fetched[1..100].iter().all(|item| item.body.is_none()));
    if codec_reads(&ics("a@x", "A")) {
        let event = first.body.clone().unwrap().unwrap();
        assert_eq!(event.uid, "a@x");
        assert_eq!(event.summary(), Some("A"));
    }
}

async fn events_round_trip_through_the_codec(kind: ServerKind) {
    let calendar = AdapterCalendar::new(kind, "events round trip through the codec").await;
    let key = copy_key(&calendar);
    let Ok(mut event) = calsync_core::ical::parse_event(&ics(&key.copy_uid(), "through the codec"))
    else {
        eprintln!("skipped: the iCalendar codec cannot read events yet");
        return;
    };
    let account = &calendar.account;
    let created = account.create(&calendar.info, &key, &event).await.unwrap();
    let again = account.create(&calendar.info, &key, &event).await;
    assert!(
        matches!(again, Err(ProviderError::PreconditionFailed)),
        "{again:?}"
    );
    if let Some(master) = event.master.as_mut() {
        master.summary = Some("edited through the codec".into());
    }
    let updated = account
        .update(
            &calendar.info,
            &created.remote_id,
            created.etag.as_ref(),
            &event,
        )
        .await
        .unwrap();
    let fetched = account
        .fetch(&calendar.info, std::slice::from_ref(&created.remote_id))
        .await
        .unwrap();
    assert_eq!(fetched[0].etag, updated.etag);
    let read = fetched[0].body.clone().unwrap().unwrap();
    assert_eq!(read.uid, key.copy_uid());
    assert_eq!(read.summary(), Some("edited through the codec"));
    account
        .delete(&calendar.info, &created.remote_id, updated.etag.as_ref())
        .await
        .unwrap();
}
