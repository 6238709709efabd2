//! Two-way sync through `calsync serve`, driven by the emulators' notifications: Google ⇄
//! Radicale, Graph ⇄ Xandikos, Google ⇄ Graph (busy privacy) and a mesh of all three kinds.

use super::rig::{Rig, ServeTuning};
use super::sides::{Side, converge, ical_day};
use crate::e2e::harness::Cal;
use calsync_testkit::{CaldavServer, ServerKind};
use serde_json::json;

/// A fresh calendar on a real CalDAV server, with its account connected.
pub(super) async fn dav_side(rig: &Rig, kind: ServerKind, hint: &str) -> Side {
    let server = CaldavServer::get(kind);
    let raw = server.new_calendar(hint).await;
    rig.calsync.add_account(&server).await;
    let id = rig.calendar_id(&raw.url).await;
    Side::Dav(Cal { raw, id })
}

pub(super) async fn google_side(rig: &Rig, calendar: &str) -> (Side, String) {
    rig.google.add_calendar(calendar, calendar);
    rig.connect("google", "g").await;
    let id = rig.calendar_id(calendar).await;
    (Side::Google(calendar.to_string()), id)
}

pub(super) async fn graph_side(rig: &Rig, name: &str) -> (Side, String) {
    let calendar = rig.graph.add_calendar(name, true);
    rig.connect("microsoft", "m").await;
    let id = rig.calendar_id(&calendar).await;
    (Side::Graph(calendar), id)
}

pub(super) fn id_of(side: &Side, other: &str) -> String {
    match side {
        Side::Dav(cal) => cal.id.clone(),
        _ => other.to_string(),
    }
}

/// Create on each side, rename on each side, delete on each side: every step crosses over.
async fn create_update_delete(rig: &Rig, a: &Side, b: &Side, tag: &str) {
    let sides = [a, b];
    let (one, two) = (format!("{tag} one"), format!("{tag} two"));
    a.create(rig, &one, 3, 9).await;
    converge(rig, &sides, &[&one], "created on the first side").await;
    b.create(rig, &two, 4, 10).await;
    converge(rig, &sides, &[&one, &two], "created on the second side").await;
    let (one2, two2) = (format!("{one} (moved)"), format!("{two} (moved)"));
    b.rename(rig, &one, &one2).await;
    converge(rig, &sides, &[&one2, &two], "renamed a copy").await;
    a.rename(rig, &two, &two2).await;
    converge(rig, &sides, &[&one2, &two2], "renamed the other copy").await;
    b.delete(rig, &one2).await;
    converge(rig, &sides, &[&two2], "deleted a copy").await;
    a.delete(rig, &two2).await;
    converge(rig, &sides, &[], "deleted the other copy").await;
}

/// Google ⇄ Graph linked with `options`, `calsync serve` running and both channels live.
pub(super) async fn google_graph(
    label: &str,
    seed: u64,
    options: &[&str],
    tuning: ServeTuning,
) -> (Rig, Side, Side) {
    let mut rig = Rig::new(label, seed).await;
    let (google, google_id) = google_side(&rig, &format!("{label}@example.org")).await;
    let (graph, graph_id) = graph_side(&rig, "Calendar").await;
    let mut args = vec!["link", "add", label, "--topology", "pair"];
    args.extend_from_slice(options);
    args.extend([google_id.as_str(), graph_id.as_str()]);
    rig.calsync.ok(&args).await;
    rig.serve(tuning).await;
    rig.await_push(1, 1).await;
    (rig, google, graph)
}

/// After convergence a pass with the server stopped finds nothing to do.
pub(super) async fn settled(rig: &mut Rig) {
    rig.stop().await;
    rig.calsync
        .sync_expecting_nothing("everything converged through serve")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn google_and_radicale_sync_both_ways_through_serve() {
    let mut rig = Rig::new("google+radicale", 1).await;
    let (google, google_id) = google_side(&rig, "alice@example.org").await;
    let dav = dav_side(&rig, ServerKind::Radicale, "cloud google").await;
    rig.calsync
        .ok(&[
            "link",
            "add",
            "gr",
            "--topology",
            "pair",
            &google_id,
            &id_of(&dav, ""),
        ])
        .await;
    rig.serve(ServeTuning::default()).await;
    rig.await_push(1, 0).await;
    create_update_delete(&rig, &google, &dav, "gr").await;

    // A weekly series with a moved and a cancelled instance, made in Google.
    let Side::Google(cal) = &google else {
        unreachable!()
    };
    let start = format!("{}T090000Z", ical_day(7));
    let first = chrono::NaiveDateTime::parse_from_str(&start, "%Y%m%dT%H%M%SZ").unwrap();
    let at = |week: i64| (first + chrono::TimeDelta::weeks(week)).and_utc();
    let master = rig
        .google
        .insert_event(
            cal,
            json!({
                "summary": "Weekly",
                "start": {"dateTime": at(0).to_rfc3339(), "timeZone": "Europe/Berlin"},
                "end": {"dateTime": (at(0) + chrono::TimeDelta::hours(1)).to_rfc3339(), "timeZone": "Europe/Berlin"},
                "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=5"],
            }),
        )
        .unwrap();
    let id = master["id"].as_str().unwrap();
    let instance = |week: i64| format!("{id}_{}", at(week).format("%Y%m%dT%H%M%SZ"));
    rig.google
        .patch_event(
            cal,
            &instance(1),
            json!({
                "start": {"dateTime": (at(1) + chrono::TimeDelta::hours(2)).to_rfc3339()},
                "end": {"dateTime": (at(1) + chrono::TimeDelta::hours(3)).to_rfc3339()},
            }),
        )
        .unwrap();
    rig.google.delete_event(cal, &instance(2)).unwrap();
    // An all-day event made on the CalDAV side.
    let Side::Dav(dav_cal) = &dav else {
        unreachable!()
    };
    let day = ical_day(9);
    let next = ical_day(10);
    dav_cal
        .raw
        .put(
            "allday.ics",
            &crate::e2e::fixtures::calendar(&format!(
                "BEGIN:VEVENT\r\nUID:allday-{day}@e2e.test\r\nDTSTAMP:20260101T000000Z\r\n\
                 DTSTART;VALUE=DATE:{day}\r\nDTEND;VALUE=DATE:{next}\r\nSUMMARY:Holiday\r\n\
                 END:VEVENT\r\n"
            )),
        )
        .await;
    converge(
        &rig,
        &[&google, &dav],
        &["Holiday", "Weekly"],
        "series and all-day",
    )
    .await;
    super::rig::eventually("the series arrives whole on Radicale", || async {
        let events = dav.events(&rig).await;
        events.iter().any(|e| {
            let text = e["text"].as_str().unwrap_or("");
            text.contains("RRULE:FREQ=WEEKLY;COUNT=5")
                && text.contains("EXDATE")
                && text.contains("RECURRENCE-ID")
                && text.contains("Europe/Berlin")
        })
    })
    .await;
    super::rig::eventually("the all-day event is a date on Google", || async {
        rig.google
            .live_events(cal)
            .iter()
            .any(|e| e["summary"] == "Holiday" && e["start"]["date"].is_string())
    })
    .await;
    settled(&mut rig).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_and_xandikos_sync_both_ways_through_serve() {
    let mut rig = Rig::new("graph+xandikos", 2).await;
    let (graph, graph_id) = graph_side(&rig, "Calendar").await;
    let dav = dav_side(&rig, ServerKind::Xandikos, "cloud graph").await;
    rig.calsync
        .ok(&[
            "link",
            "add",
            "mx",
            "--topology",
            "pair",
            &graph_id,
            &id_of(&dav, ""),
        ])
        .await;
    rig.serve(ServeTuning::default()).await;
    rig.await_push(0, 1).await;
    create_update_delete(&rig, &graph, &dav, "mx").await;

    // Outlook writes a Windows zone name; the CalDAV copy carries the IANA zone.
    let Side::Graph(cal) = &graph else {
        unreachable!()
    };
    let date = crate::e2e::fixtures::day(5).format("%Y-%m-%d");
    rig.graph
        .user_create_event(
            cal,
            json!({
                "subject": "Berlin standup",
                "start": {"dateTime": format!("{date}T09:00:00"), "timeZone": "W. Europe Standard Time"},
                "end": {"dateTime": format!("{date}T09:15:00"), "timeZone": "W. Europe Standard Time"},
            }),
        )
        .unwrap();
    converge(&rig, &[&graph, &dav], &["Berlin standup"], "a Windows zone").await;
    let events = dav.events(&rig).await;
    let text = events[0]["text"].as_str().unwrap();
    assert!(
        text.contains("TZID=Europe/Berlin") && text.contains("T090000"),
        "the copy keeps the local time in the IANA zone: {text}"
    );

    // A weekly Outlook series with one occurrence moved and one cancelled.
    let first = crate::e2e::fixtures::day(14);
    let weekday = first.format("%A").to_string().to_lowercase();
    let series = rig
        .graph
        .user_create_event(
            cal,
            json!({
                "subject": "Weekly sync",
                "start": {"dateTime": format!("{}T10:00:00", first.format("%Y-%m-%d")), "timeZone": "W. Europe Standard Time"},
                "end": {"dateTime": format!("{}T10:30:00", first.format("%Y-%m-%d")), "timeZone": "W. Europe Standard Time"},
                "recurrence": {
                    "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": [weekday]},
                    "range": {"type": "numbered", "startDate": first.format("%Y-%m-%d").to_string(), "numberOfOccurrences": 5},
                },
            }),
        )
        .unwrap();
    let from = first.and_hms_opt(0, 0, 0).unwrap().and_utc();
    let occurrences = rig
        .graph
        .instances(&series, from, from + chrono::TimeDelta::days(60));
    assert_eq!(occurrences.len(), 5, "{occurrences:#?}");
    let moved = occurrences[1]["id"].as_str().unwrap();
    let moved_day = (first + chrono::Days::new(7)).format("%Y-%m-%d");
    rig.graph
        .user_update_event(
            moved,
            json!({
                "start": {"dateTime": format!("{moved_day}T14:00:00"), "timeZone": "W. Europe Standard Time"},
                "end": {"dateTime": format!("{moved_day}T14:30:00"), "timeZone": "W. Europe Standard Time"},
            }),
        )
        .unwrap();
    rig.graph
        .user_delete_event(occurrences[2]["id"].as_str().unwrap())
        .unwrap();
    converge(
        &rig,
        &[&graph, &dav],
        &["Berlin standup", "Weekly sync"],
        "a series",
    )
    .await;
    super::rig::eventually("the series arrives whole on Xandikos", || async {
        dav.events(&rig).await.iter().any(|e| {
            let text = e["text"].as_str().unwrap_or("");
            text.contains("RRULE:FREQ=WEEKLY")
                && text.contains("EXDATE")
                && text.contains("RECURRENCE-ID")
                && text.contains("T140000")
        })
    })
    .await;
    settled(&mut rig).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn google_and_graph_sync_with_busy_privacy() {
    let (mut rig, google, graph) =
        google_graph("busy", 3, &["--privacy", "busy"], ServeTuning::default()).await;
    let Side::Google(cal) = &google else {
        unreachable!()
    };
    let (start, end) = (
        format!(
            "{}T10:00:00Z",
            crate::e2e::fixtures::day(2).format("%Y-%m-%d")
        ),
        format!(
            "{}T11:00:00Z",
            crate::e2e::fixtures::day(2).format("%Y-%m-%d")
        ),
    );
    rig.google
        .insert_event(
            cal,
            json!({
                "summary": "Salary review",
                "description": "confidential figures",
                "location": "HR room",
                "attendees": [{"email": "boss@example.org"}],
                "start": {"dateTime": start}, "end": {"dateTime": end},
            }),
        )
        .unwrap();
    super::rig::eventually("a busy block reaches Graph", || async {
        graph.events(&rig).await.len() == 1
    })
    .await;
    let copy = &graph.events(&rig).await[0];
    let rendered = copy.to_string();
    for secret in ["Salary", "confidential", "HR room", "boss@example.org"] {
        assert!(
            !rendered.contains(secret),
            "the busy copy leaks {secret:?}: {rendered}"
        );
    }
    assert_eq!(copy["showAs"], "busy");
    // Busy copies travel back as busy blocks, never as duplicates of the original.
    graph.create(&rig, "Dentist", 3, 8).await;
    super::rig::eventually(
        "the Outlook event reaches Google as a busy block",
        || async { google.events(&rig).await.len() == 2 },
    )
    .await;
    let on_google = google.titles(&rig).await;
    assert!(!on_google.contains(&"Dentist".to_string()), "{on_google:?}");
    settled(&mut rig).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mesh_of_google_graph_and_radicale_converges() {
    let mut rig = Rig::new("mesh", 4).await;
    let (google, google_id) = google_side(&rig, "mesh@example.org").await;
    let (graph, graph_id) = graph_side(&rig, "Calendar").await;
    let dav = dav_side(&rig, ServerKind::Radicale, "cloud mesh").await;
    rig.calsync
        .ok(&[
            "link",
            "add",
            "mesh",
            "--topology",
            "mesh",
            &google_id,
            &graph_id,
            &id_of(&dav, ""),
        ])
        .await;
    rig.serve(ServeTuning::default()).await;
    rig.await_push(1, 1).await;
    let sides = [&google, &graph, &dav];
    google.create(&rig, "from google", 2, 9).await;
    graph.create(&rig, "from graph", 2, 11).await;
    dav.create(&rig, "from dav", 2, 13).await;
    converge(
        &rig,
        &sides,
        &["from dav", "from google", "from graph"],
        "one event each",
    )
    .await;
    graph
        .rename(&rig, "from google", "google renamed in Outlook")
        .await;
    dav.delete(&rig, "from graph").await;
    converge(
        &rig,
        &sides,
        &["from dav", "google renamed in Outlook"],
        "an edit and a delete of copies",
    )
    .await;
    settled(&mut rig).await;
}
