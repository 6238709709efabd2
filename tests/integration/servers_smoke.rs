//! The test servers and the testkit work: every server stores, lists, serves and deletes an
//! event, and the independent python client can create, edit and read one. If these fail,
//! calsync's own integration tests cannot tell anything.

use calsync_testkit::{CaldavServer, PyClient, PyEdit, PyEvent, ServerKind, ics_event};

async fn stores_lists_serves_and_deletes_an_event(kind: ServerKind) {
    let server = CaldavServer::get(kind);
    let calendar = server.new_calendar("smoke").await;
    assert!(
        calendar.list().await.is_empty(),
        "{kind}: a new calendar is empty"
    );

    let uid = format!("smoke-{kind}@calsync.test");
    let ics = ics_event(&uid, "Smoke; test", "20260105T090000Z", "20260105T100000Z");
    let put_etag = calendar.put("smoke.ics", &ics).await;

    let listed = calendar.list().await;
    assert_eq!(listed.len(), 1, "{kind}: {listed:?}");
    assert!(listed[0].0.ends_with("/smoke.ics"), "{kind}: {listed:?}");
    assert_eq!(
        listed[0].1, put_etag,
        "{kind}: PROPFIND and PUT disagree on the ETag"
    );

    let (body, get_etag) = calendar
        .get("smoke.ics")
        .await
        .expect("the event is stored");
    assert_eq!(
        get_etag, put_etag,
        "{kind}: GET and PUT disagree on the ETag"
    );
    assert!(body.contains(&format!("UID:{uid}")), "{kind}: {body}");
    assert!(body.contains("SUMMARY:Smoke\\; test"), "{kind}: {body}");
    assert_eq!(calendar.bodies().await, vec![body]);

    calendar.delete("smoke.ics").await;
    assert_eq!(
        calendar.get("smoke.ics").await,
        None,
        "{kind}: deleted yet served"
    );
    assert!(
        calendar.list().await.is_empty(),
        "{kind}: deleted yet listed"
    );

    for name in ["a.ics", "b.ics"] {
        let ics = ics_event(name, name, "20260106T090000Z", "20260106T100000Z");
        calendar.put(name, &ics).await;
    }
    assert_eq!(calendar.list().await.len(), 2, "{kind}");
    calendar.clear().await;
    assert!(
        calendar.list().await.is_empty(),
        "{kind}: clear left members"
    );
}

async fn python_client_creates_edits_reads_and_deletes(kind: ServerKind) {
    let calendar = CaldavServer::get(kind).new_calendar("pyclient").await;
    let py = PyClient;
    let uid = format!("py-{kind}@calsync.test");

    let event = PyEvent::new(
        &uid,
        "Planning",
        "2026-01-05T09:00:00",
        "2026-01-05T10:00:00",
    )
    .tz("Europe/Berlin")
    .rrule("FREQ=WEEKLY;COUNT=3");
    let created = py.create(&calendar, &event).await;
    assert_eq!(created.uid, uid);
    let listed = calendar.list().await;
    assert_eq!(
        listed.len(),
        1,
        "{kind}: the observer sees the client's event"
    );
    if let Some(etag) = &created.etag {
        assert_eq!(&listed[0].1, etag, "{kind}");
    }

    let edit = PyEdit {
        summary: Some("Planning (moved)".into()),
        location: Some("Room 2".into()),
        times: Some(("2026-01-05T11:00:00".into(), "2026-01-05T12:00:00".into())),
        last_modified: Some("2026-02-01T12:00:00Z".into()),
        ..PyEdit::default()
    };
    py.edit(&calendar, &uid, &edit).await;
    let after_edit = calendar.list().await;
    assert_eq!(after_edit.len(), 1, "{kind}: an edit keeps one resource");
    assert_ne!(
        after_edit[0].1, listed[0].1,
        "{kind}: the edit changed the ETag"
    );

    let raw = py.get(&calendar, &uid).await;
    for expected in [
        "SUMMARY:Planning (moved)",
        "LOCATION:Room 2",
        "LAST-MODIFIED:20260201T120000Z",
        "DTSTART;TZID=Europe/Berlin:20260105T110000",
        "RRULE:FREQ=WEEKLY;COUNT=3",
    ] {
        assert!(raw.contains(expected), "{kind}: no {expected} in\n{raw}");
    }
    let bodies = calendar.bodies().await;
    assert!(bodies[0].contains("Planning (moved)"), "{kind}: {bodies:?}");

    let uids: Vec<String> = py
        .list(&calendar)
        .await
        .into_iter()
        .map(|e| e.uid)
        .collect();
    assert_eq!(uids, vec![uid.clone()]);
    py.delete(&calendar, &uid).await;
    assert!(
        calendar.list().await.is_empty(),
        "{kind}: the client's delete is seen"
    );
}

#[tokio::test]
async fn radicale_stores_lists_serves_and_deletes_an_event() {
    stores_lists_serves_and_deletes_an_event(ServerKind::Radicale).await;
}

#[tokio::test]
async fn xandikos_stores_lists_serves_and_deletes_an_event() {
    stores_lists_serves_and_deletes_an_event(ServerKind::Xandikos).await;
}

#[tokio::test]
async fn davical_stores_lists_serves_and_deletes_an_event() {
    stores_lists_serves_and_deletes_an_event(ServerKind::Davical).await;
}

#[tokio::test]
async fn sabre_stores_lists_serves_and_deletes_an_event() {
    stores_lists_serves_and_deletes_an_event(ServerKind::Sabre).await;
}

#[tokio::test]
async fn python_client_round_trips_an_event_on_radicale() {
    python_client_creates_edits_reads_and_deletes(ServerKind::Radicale).await;
}

#[tokio::test]
async fn python_client_round_trips_an_event_on_xandikos() {
    python_client_creates_edits_reads_and_deletes(ServerKind::Xandikos).await;
}

#[tokio::test]
async fn python_client_round_trips_an_event_on_davical() {
    python_client_creates_edits_reads_and_deletes(ServerKind::Davical).await;
}

#[tokio::test]
async fn python_client_round_trips_an_event_on_sabre() {
    python_client_creates_edits_reads_and_deletes(ServerKind::Sabre).await;
}

#[test]
fn every_server_kind_is_configured() {
    let servers = CaldavServer::all();
    assert_eq!(servers.len(), 4);
    for server in servers {
        assert!(
            server.discovery_url().starts_with("http://127.0.0.1:"),
            "{server:?}"
        );
    }
}
