//! Properties over random interleavings of user edits and sync passes: the link always
//! converges, a converged link plans nothing, and there are never loops or duplicates.

use super::world::{World, cal, event};
use crate::domain::{
    DeletionGuard, Event, LinkRules, OriginKey, Privacy, RemoteId, Topology, field_hashes,
};
use crate::engine::project::{copy_projection, original_base_form};
use proptest::prelude::*;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
enum Action {
    Create {
        calendar: usize,
        day: u32,
    },
    Edit {
        calendar: usize,
        pick: usize,
        field: u8,
        value: u8,
        minutes: i64,
    },
    Delete {
        calendar: usize,
        pick: usize,
    },
    /// The server rewrites an item without changing it (new ETag).
    Touch {
        calendar: usize,
        pick: usize,
    },
    Pass,
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        3 => (0..4usize, 1..28u32).prop_map(|(calendar, day)| Action::Create { calendar, day }),
        4 => (0..4usize, 0..8usize, 0..3u8, 0..4u8, 0..5i64).prop_map(
            |(calendar, pick, field, value, minutes)| Action::Edit { calendar, pick, field, value, minutes }
        ),
        1 => (0..4usize, 0..8usize).prop_map(|(calendar, pick)| Action::Delete { calendar, pick }),
        1 => (0..4usize, 0..8usize).prop_map(|(calendar, pick)| Action::Touch { calendar, pick }),
        2 => Just(Action::Pass),
    ]
}

/// The shapes under test; the guard is off so random deletions are never held back.
fn world(shape: u8) -> World {
    let rules = |privacy: Privacy, one_way: bool| LinkRules {
        privacy,
        one_way,
        deletion_guard: DeletionGuard {
            max_percent: 100,
            min_count: u32::MAX,
            guard_emptied: false,
        },
        ..LinkRules::default()
    };
    match shape % 5 {
        0 => World::new(Topology::Pair, &["ca", "cb"], rules(Privacy::Full, false)),
        1 => World::new(Topology::Pair, &["ca", "cb"], rules(Privacy::Busy, false)),
        2 => World::new(
            Topology::Mesh,
            &["ca", "cb", "cc"],
            rules(Privacy::Full, false),
        ),
        3 => World::new(
            Topology::Star {
                hub: cal("ca"),
                relay_spokes: true,
            },
            &["ca", "cb", "cc", "cd"],
            rules(Privacy::Title, false),
        ),
        _ => World::new(Topology::Pair, &["ca", "cb"], rules(Privacy::Full, true)),
    }
}

fn apply(world: &mut World, action: &Action, serial: &mut u32) {
    let names: Vec<String> = world.link.calendars.iter().map(|c| c.to_string()).collect();
    let pick_item = |world: &World, calendar: usize, pick: usize| -> Option<(String, RemoteId)> {
        let name = names[calendar % names.len()].clone();
        let ids: Vec<RemoteId> = world.calendars[&cal(&name)].keys().cloned().collect();
        if ids.is_empty() {
            return None;
        }
        Some((name, ids[pick % ids.len()].clone()))
    };
    match action {
        Action::Create { calendar, day } => {
            *serial += 1;
            let name = names[calendar % names.len()].clone();
            world.user_put(
                &name,
                &format!("n{serial}.ics"),
                event(&format!("u{serial}"), "New", *day),
            );
        }
        Action::Edit {
            calendar,
            pick,
            field,
            value,
            minutes,
        } => {
            if let Some((name, id)) = pick_item(world, *calendar, *pick) {
                let text = format!("v{value}");
                world.user_edit(&name, &id, *minutes, |m| match field {
                    0 => m.summary = Some(text),
                    1 => m.location = Some(text),
                    _ => {
                        let start = m
                            .start
                            .clone()
                            .map(|s| s.shifted(chrono::TimeDelta::hours(i64::from(*value))));
                        let end = m
                            .end
                            .clone()
                            .map(|e| e.shifted(chrono::TimeDelta::hours(i64::from(*value))));
                        m.start = start;
                        m.end = end;
                    }
                });
            }
        }
        Action::Delete { calendar, pick } => {
            if let Some((name, id)) = pick_item(world, *calendar, *pick) {
                world.user_delete(&name, &id.0);
            }
        }
        Action::Touch { calendar, pick } => {
            if let Some((name, id)) = pick_item(world, *calendar, *pick) {
                world.user_touch(&name, &id);
            }
        }
        Action::Pass => {
            world.pass();
        }
    }
}

/// Every original is on every calendar the link copies it to, exactly once, holding its
/// projection; no copy exists without its original.
fn assert_converged(world: &World) {
    let mut originals: BTreeMap<OriginKey, Event> = BTreeMap::new();
    let mut copies: BTreeMap<(String, OriginKey), Vec<Event>> = BTreeMap::new();
    for (calendar, items) in &world.calendars {
        for (_, event) in items.values() {
            match &event.origin {
                None => {
                    let key = OriginKey {
                        calendar: calendar.clone(),
                        uid: event.uid.clone(),
                    };
                    assert!(
                        originals.insert(key, event.clone()).is_none(),
                        "two originals with one UID"
                    );
                }
                Some(tag) => copies
                    .entry((calendar.to_string(), tag.origin.clone()))
                    .or_default()
                    .push(event.clone()),
            }
        }
    }
    for ((calendar, origin), found) in &copies {
        assert_eq!(
            found.len(),
            1,
            "duplicate copies of {origin:?} on {calendar}"
        );
        assert!(
            originals.contains_key(origin),
            "copy on {calendar} without its original {origin:?}"
        );
        assert!(
            world.link.copies(&origin.calendar, &cal(calendar)),
            "a copy where the link copies nothing"
        );
    }
    for (origin, original) in &originals {
        for target in world.link.targets_of(&origin.calendar) {
            let found = copies
                .get(&(target.to_string(), origin.clone()))
                .unwrap_or_else(|| panic!("{origin:?} missing on {target}"));
            let tag = world.tag(origin.calendar.as_str(), &origin.uid);
            let expected = copy_projection(
                &original_base_form(original),
                world.link.privacy_for(target),
                &world.link.rules.busy_title,
                &tag,
                &world.link.id,
                &tag.copy_key(target),
            );
            assert_eq!(
                field_hashes(&found[0]),
                field_hashes(&expected),
                "{origin:?} on {target} differs"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_interleaving_converges_without_loops_or_duplicates(
        shape in 0u8..5,
        actions in proptest::collection::vec(action(), 1..40),
    ) {
        let mut world = world(shape);
        let mut serial = 0;
        for action in &actions {
            apply(&mut world, action, &mut serial);
        }
        // No loop: quiescence within a few passes (a 412 re-read may take one more).
        let passes = world.settle_down(4);
        prop_assert!(passes <= 3, "took {} passes", passes);
        assert_converged(&world);
        // Idempotence: a converged link plans nothing, even when re-examining everything.
        let again = world.plan_now(true);
        prop_assert!(again.ops.is_empty(), "a converged link planned {:?}", again.ops);
    }
}
