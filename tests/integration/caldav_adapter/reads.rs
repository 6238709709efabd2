//! Reading items, and events through the iCalendar codec.

use super::support::{AdapterCalendar, copy_key, ics};
use calsync_core::domain::RemoteId;
use calsync_core::ports::{EventReader, EventWriter, ProviderError};
use calsync_testkit::ServerKind;

on_every_server!(
    multiget_reports_missing_items_as_gone,
    events_round_trip_through_the_codec,
);

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
    let event = first.body.clone().unwrap().unwrap();
    assert_eq!(event.uid, "a@x");
    assert_eq!(event.summary(), Some("A"));
}

async fn events_round_trip_through_the_codec(kind: ServerKind) {
    let calendar = AdapterCalendar::new(kind, "events round trip through the codec").await;
    let key = copy_key(&calendar);
    let mut event =
        calsync_core::ical::parse_event(&ics(&key.copy_uid(), "through the codec")).unwrap();
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
