//! The deletion guard: a calendar that suddenly lists nothing (an account reset, a server
//! glitch, a wrong calendar) halts the link instead of wiping the other calendar, until the
//! user says the deletions are intended.

use super::fixtures::{timed_event, uid};
use super::harness::Calsync;
use super::stored::assert_holds;
use calsync_testkit::ServerKind;

on_every_server!(an_emptied_calendar_halts_the_link_until_deletes_are_allowed);

async fn an_emptied_calendar_halts_the_link_until_deletes_are_allowed(kind: ServerKind) {
    let (calsync, cals) = Calsync::with_calendars("deletion guard", &[kind, kind]).await;
    let (a, b) = (&cals[0], &cals[1]);
    calsync.pair("guarded", a, b).await;
    let uids: Vec<String> = (0..4).map(|i| uid(&format!("guarded{i}"))).collect();
    let all: Vec<&str> = uids.iter().map(String::as_str).collect();
    for (i, u) in uids.iter().enumerate() {
        let ics = timed_event(u, &format!("Guarded {i}"), 14, 8 + i as u32, &[]);
        a.raw.put(&format!("g{i}.ics"), &ics).await;
    }
    let pass = calsync.sync().await;
    assert_eq!(pass.ops(b).created, 4, "{kind}: {pass:#?}");

    a.raw.clear().await;
    for attempt in ["the pass after the calendar emptied", "a later pass"] {
        let pass = calsync.try_sync().await;
        assert!(!pass.exit_ok, "{kind}: {attempt} exits non-zero: {pass:#?}");
        let report = pass.link("guarded");
        let halted = report
            .halted
            .as_deref()
            .unwrap_or_else(|| panic!("{kind}: {attempt} reports the link halted: {pass:#?}"));
        assert!(
            halted.contains("deletion guard")
                && halted.contains(&a.id)
                && halted.contains("--allow-deletes"),
            "{kind}: {attempt}: the message says what tripped and how to resume: {halted}"
        );
        assert_eq!(pass.writes(), 0, "{kind}: {attempt}: {pass:#?}");
        assert_holds(b, &all, &format!("{attempt}: nothing deleted")).await;
    }
    let status = calsync.status().await;
    assert!(
        status["links"][0]["status"]["halted"]
            .as_str()
            .is_some_and(|h| h.contains("deletion guard")),
        "{kind}: `status` shows the halt: {status:#}"
    );

    calsync
        .ok(&["link", "resume", "guarded", "--allow-deletes"])
        .await;
    let pass = calsync.sync().await;
    assert_eq!(
        (pass.ops(b).deleted, pass.writes()),
        (4, 4),
        "{kind}: the accepted deletions are carried out: {pass:#?}"
    );
    assert_holds(b, &[], "after the deletions were allowed").await;
    assert_holds(a, &[], "after the deletions were allowed").await;

    // The allowance was for one pass: emptying the calendar again halts again.
    for (i, u) in uids.iter().take(2).enumerate() {
        let ics = timed_event(u, &format!("Again {i}"), 15, 8 + i as u32, &[]);
        a.raw.put(&format!("again{i}.ics"), &ics).await;
    }
    let pass = calsync.sync().await;
    assert_eq!(pass.ops(b).created, 2, "{kind}: {pass:#?}");
    a.raw.clear().await;
    let pass = calsync.try_sync().await;
    assert!(
        !pass.exit_ok && pass.link("guarded").halted.is_some(),
        "{kind}: the guard is armed again: {pass:#?}"
    );
    assert_holds(b, &all[..2], "after the second emptying").await;
}
