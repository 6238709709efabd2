//! Change detection: complete listings, deltas, invalid tokens.

use super::support::{AdapterCalendar, changes, ics, removals, upserts};
use calsync_core::domain::{DetectionMethod, SyncCursor};
use calsync_core::ports::Listing;
use calsync_testkit::ServerKind;
use std::collections::{BTreeMap, BTreeSet};

on_every_server!(
    first_listing_is_complete_and_then_unchanged,
    changes_after_an_edit_and_a_delete_are_reported,
    an_invalid_sync_token_yields_a_full_listing,
);

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
    // With sync-collection the token is the whole cursor (no CTag gate is read).
    assert_eq!(first.cursor.ctag.is_some(), !kind.has_sync_collection());

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
        modified_gate: None,
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
