//! Stars and meshes over three calendars on different servers converge: each calendar holds
//! the events it should, one resource per original (copies are never copied again), and a
//! further pass has nothing to do.

use super::fixtures::{timed_event, uid};
use super::harness::{Cal, Calsync};
use super::stored::{Held, assert_holds, rewrite, set_property};
use calsync_testkit::ServerKind::{self, Davical, Radicale, Sabre, Xandikos};

/// One event created on each calendar; returns their UIDs in calendar order.
async fn one_event_each(cals: &[Cal]) -> Vec<String> {
    let mut uids = Vec::new();
    for (i, cal) in cals.iter().enumerate() {
        let u = uid(&format!("{}-{i}", cal.kind()));
        let ics = timed_event(
            &u,
            &format!("On {} #{i}", cal.kind()),
            16,
            8 + i as u32,
            &[],
        );
        cal.raw.put("own.ics", &ics).await;
        uids.push(u);
    }
    uids
}

async fn star(kinds: [ServerKind; 3], relay: bool) {
    let scenario = if relay { "star relay" } else { "star" };
    let (calsync, cals) = Calsync::with_calendars(scenario, &kinds).await;
    let (hub, s1, s2) = (&cals[0], &cals[1], &cals[2]);
    let mut options = vec!["--topology", "star", "--hub", hub.id.as_str()];
    if relay {
        options.push("--relay-spokes");
    }
    calsync.link(scenario, &options, &[hub, s1, s2]).await;
    let uids = one_event_each(&cals).await;
    let [h, e1, e2] = [&uids[0], &uids[1], &uids[2]].map(String::as_str);

    let pass = calsync.sync().await;
    let label = calsync.label();
    let expected_creates = if relay { (2, 2, 2) } else { (2, 1, 1) };
    assert_eq!(
        (
            pass.ops(hub).created,
            pass.ops(s1).created,
            pass.ops(s2).created
        ),
        expected_creates,
        "{label} {scenario}: {pass:#?}"
    );
    assert_holds(hub, &[h, e1, e2], scenario).await;
    if relay {
        assert_holds(s1, &[h, e1, e2], scenario).await;
        assert_holds(s2, &[h, e1, e2], scenario).await;
    } else {
        assert_holds(s1, &[h, e1], "spokes see the hub, not each other").await;
        assert_holds(s2, &[h, e2], "spokes see the hub, not each other").await;
    }
    calsync
        .sync_expecting_nothing(&format!("{scenario} converged"))
        .await;

    // The second spoke edits a copy it shares with both others (the hub's event, or with
    // relaying, the first spoke's): the edit reaches the original and the other copy.
    let shared = if relay { e1 } else { h };
    let on_s2 = Held::read(s2).await;
    rewrite(s2, on_s2.get(shared), |t| {
        set_property(t, "SUMMARY", "SUMMARY:Renamed on a spoke")
    })
    .await;
    let pass = calsync.sync().await;
    assert_eq!(
        (pass.ops(hub).updated, pass.ops(s1).updated, pass.writes()),
        (1, 1, 2),
        "{label} {scenario}: {pass:#?}"
    );
    for cal in [hub, s1, s2] {
        let held = Held::read(cal).await;
        assert_eq!(
            held.get(shared).summary(),
            Some("Renamed on a spoke"),
            "{} {scenario}",
            held.label
        );
    }

    // The hub deletes its own event: it leaves both spokes.
    let on_hub = Held::read(hub).await;
    hub.raw.delete(&on_hub.get(h).href).await;
    let pass = calsync.sync().await;
    assert_eq!(
        (pass.ops(s1).deleted, pass.ops(s2).deleted, pass.writes()),
        (1, 1, 2),
        "{label} {scenario}: {pass:#?}"
    );
    assert_holds(hub, &[e1, e2], "after the hub's delete").await;
    if relay {
        assert_holds(s1, &[e1, e2], "after the hub's delete").await;
        assert_holds(s2, &[e1, e2], "after the hub's delete").await;
    } else {
        assert_holds(s1, &[e1], "after the hub's delete").await;
        assert_holds(s2, &[e2], "after the hub's delete").await;
    }
    calsync
        .sync_expecting_nothing(&format!("{scenario} converged again"))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_star_copies_between_hub_and_spokes_only() {
    star([Sabre, Radicale, Davical], false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_star_relaying_spokes_copies_everything_everywhere_once() {
    star([Xandikos, Sabre, Radicale], true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mesh_converges_and_an_edit_to_a_copy_reaches_every_calendar() {
    let (calsync, cals) = Calsync::with_calendars("mesh", &[Radicale, Xandikos, Davical]).await;
    calsync
        .link(
            "mesh",
            &["--topology", "mesh"],
            &[&cals[0], &cals[1], &cals[2]],
        )
        .await;
    let uids = one_event_each(&cals).await;
    let all: Vec<&str> = uids.iter().map(String::as_str).collect();
    let label = calsync.label().to_string();

    let pass = calsync.sync().await;
    for cal in &cals {
        assert_eq!(
            pass.ops(cal).created,
            2,
            "{label} {}: {pass:#?}",
            cal.kind()
        );
        assert_holds(cal, &all, "after the first mesh pass").await;
    }
    calsync.sync_expecting_nothing("the mesh converged").await;

    // The third calendar edits its copy of the first calendar's event.
    let on_third = Held::read(&cals[2]).await;
    rewrite(&cals[2], on_third.get(all[0]), |t| {
        set_property(t, "SUMMARY", "SUMMARY:Renamed in the mesh")
    })
    .await;
    let pass = calsync.sync().await;
    assert_eq!(
        (
            pass.ops(&cals[0]).updated,
            pass.ops(&cals[1]).updated,
            pass.writes()
        ),
        (1, 1, 2),
        "{label}: the original and the other copy are updated once: {pass:#?}"
    );
    for cal in &cals {
        let held = Held::read(cal).await;
        held.assert_exactly(&all, "after the edit");
        assert_eq!(
            held.get(all[0]).summary(),
            Some("Renamed in the mesh"),
            "{}",
            held.label
        );
    }
    calsync
        .sync_expecting_nothing("the mesh converged again")
        .await;
}
