//! Writes cut short: a multi-step write stopped half-way, a worker killed between its writes
//! and its commit. What they leave is calsync's own doing, neither a user's edit nor news
//! that a user missed.

use crate::domain::{LinkRules, RemoteId};
use crate::engine::tests::world::{World, cal, event};
use crate::engine::{ItemRef, Observation};
use std::collections::BTreeSet;

/// A series' copy created in part (Graph: the series stored, the deletion of its cancelled
/// occurrence refused with a 5xx): read back without that cancellation, it is calsync's own
/// unfinished write, not a user's edit restoring the occurrence everywhere (chaos run: a
/// cancelled instance gone from every calendar after a contested delete was undone).
#[test]
fn a_series_copy_created_in_part_is_not_taken_for_an_edit_of_its_exclusions() {
    let mut world = World::pair(LinkRules::default());
    let mut series = event("u1", "Weekly", 10);
    if let Some(master) = series.master.as_mut() {
        master.recurrence.rrule = Some("FREQ=WEEKLY;COUNT=5".into());
        master.recurrence.exdates = vec![series_day(17)];
    }
    world.user_put("ca", "a1.ics", series);
    let key = world.tag("ca", "u1").copy_key(&cal("cb"));
    let copy = RemoteId(format!("{key}.ics"));
    world
        .half_create_next
        .insert(ItemRef::new(cal("cb"), copy.clone()));
    world.pass();
    world.settle_down(4);
    for (calendar, id) in [("ca", &RemoteId("a1.ics".into())), ("cb", &copy)] {
        let held = &world.calendars[&cal(calendar)][id].1;
        let exdates = &held.master.as_ref().unwrap().recurrence.exdates;
        assert_eq!(exdates, &vec![series_day(17)], "{calendar}");
    }
}

/// The start of `event(.., day)`: an occurrence of a weekly series starting on day 10.
fn series_day(day: u32) -> crate::domain::EventTime {
    event("x", "x", day).master.and_then(|m| m.start).unwrap()
}

/// A worker wrote an edit to a copy and was killed before its commit; the copy's user, who
/// saw that edit, deletes the copy. The deletion stands: calsync's own unconfirmed write
/// was the newest version, so the deleter was not behind (chaos run: a deletion made after
/// seeing every edit was overruled and the event restored everywhere).
#[test]
fn a_copy_deleted_after_a_killed_worker_wrote_the_newest_version_to_it_stays_deleted() {
    let (mut world, copy) = World::synced_pair();
    let original = RemoteId("a1.ics".into());
    world.user_edit("ca", &original, 1, |m| m.summary = Some("Second".into()));
    world.pass_killed(true);
    assert_eq!(
        world.calendars[&cal("cb")][&copy].1.summary(),
        Some("Second"),
        "the killed worker's write reached cb"
    );
    world.user_delete("cb", &copy.0);
    world.settle_down(4);
    assert!(world.events("ca").is_empty(), "the original went too");
    assert!(world.events("cb").is_empty(), "the copy stays deleted");
}

/// A worker recorded an update of a copy and was killed before sending it. Its intent took
/// the change it carries out of the feeds (the checks went with it), and the copy did not
/// change, so no feed shows anything of that event again: the next pass must look at it
/// anyway (chaos run: copies on one calendar kept old values for good).
#[test]
fn an_update_a_killed_worker_never_sent_is_sent_by_the_next_pass() {
    let (mut world, copy) = World::synced_pair();
    let original = RemoteId("a1.ics".into());
    world.user_edit("ca", &original, 1, |m| m.summary = Some("Second".into()));
    world.pass_killed(false);
    assert_eq!(
        world.calendars[&cal("cb")][&copy].1.summary(),
        Some("Dentist"),
        "the killed worker sent nothing"
    );
    world.settle_down(3);
    assert_eq!(
        world.calendars[&cal("cb")][&copy].1.summary(),
        Some("Second")
    );
}

/// Two writes to a copy were refused in a row (neither stored) before it was read again; its
/// user then puts the title back to the value of the first. That is the user's edit, made
/// after calsync's last attempt, not calsync's first write surfacing late (chaos run: a
/// time zone changed back on a calendar was taken for calsync's own earlier write, and the
/// older value everywhere stayed).
#[test]
fn a_value_put_back_after_two_refused_writes_is_the_users_edit() {
    let (mut world, copy) = World::synced_pair();
    let original = RemoteId("a1.ics".into());
    world.user_edit("ca", &original, 1, |m| m.summary = Some("First".into()));
    world
        .race_next_write
        .insert(ItemRef::new(cal("cb"), copy.clone()));
    world.pass();
    world.user_edit("ca", &original, 2, |m| m.summary = Some("Second".into()));
    world
        .race_next_write
        .insert(ItemRef::new(cal("cb"), copy.clone()));
    world.pass_without("cb");
    world.user_edit("cb", &copy, 5, |m| m.summary = Some("First".into()));
    world.settle_down(4);
    for (calendar, id) in [("ca", &original), ("cb", &copy)] {
        let held = world.calendars[&cal(calendar)][id].1.summary();
        assert_eq!(held, Some("First"), "{calendar}");
    }
}

/// A worker created a copy and was killed before its commit; the copy's user deleted it, and
/// the calendar reports the deletion (Google keeps a deleted event under the id calsync gave
/// it). The create counts as made and the deletion as the user's: it is not made again
/// (chaos run: a copy deleted right after it appeared came back).
#[test]
fn a_copy_created_by_a_killed_worker_and_deleted_by_its_user_is_not_made_again() {
    let mut world = World::pair(LinkRules::default());
    world.user_put("ca", "a1.ics", event("u1", "Dentist", 10));
    world.pass_killed(true);
    let key = world.tag("ca", "u1").copy_key(&cal("cb"));
    let copy = RemoteId(format!("{key}.ics"));
    assert!(
        world.calendars[&cal("cb")].contains_key(&copy),
        "the killed worker made it"
    );
    world.user_delete("cb", &copy.0);
    let mut observations = world.observations();
    observations.push(Observation::Deleted {
        item: ItemRef::new(cal("cb"), copy),
    });
    let plan = world.plan_observed(&observations, &BTreeSet::new(), false);
    world.execute(plan);
    world.settle_down(3);
    assert!(world.events("cb").is_empty(), "the copy stays deleted");
    assert!(
        world.events("ca").is_empty(),
        "the deletion reached the original"
    );
}

/// A worker created a copy and was killed before its commit; the original was deleted
/// before calsync saw the copy. The copy must go too once it shows up, not stay behind as
/// an orphan of a forgotten event (chaos run: an event deleted on its home calendar left on
/// every other one).
#[test]
fn a_copy_made_by_a_killed_worker_goes_with_its_deleted_original() {
    let mut world = World::pair(LinkRules::default());
    world.user_put("ca", "a1.ics", event("u1", "Dentist", 10));
    world.pass_killed(true);
    assert_eq!(
        world.events("cb").len(),
        1,
        "the killed worker made the copy"
    );
    world.user_delete("ca", "a1.ics");
    world.pass_without("cb");
    world.settle_down(3);
    assert!(
        world.events("cb").is_empty(),
        "the copy went with its original"
    );
}
