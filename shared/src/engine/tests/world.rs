//! An in-memory world: calendars holding events under remote ids with ETags, one link, its
//! state, and a `pass` that runs the engine against them like the real use case does.

use crate::domain::{
    CalendarId, Component, Etag, Event, EventTime, Link, LinkId, LinkRules, OriginTag, RemoteId,
    TenantId, Topology,
};
use crate::engine::{
    CalendarFacts, ItemRef, LinkState, Observation, OpOutcome, Operation, Plan, PlanInput, intent,
    plan, settle,
};
use chrono::{DateTime, TimeZone, Utc};
use std::collections::{BTreeMap, BTreeSet};

pub struct World {
    pub tenant: TenantId,
    pub link: Link,
    pub calendars: BTreeMap<CalendarId, BTreeMap<RemoteId, (Etag, Event)>>,
    pub facts: BTreeMap<CalendarId, CalendarFacts>,
    pub state: LinkState,
    pub now: DateTime<Utc>,
    etag_counter: u64,
    /// Items whose next write fails with 412 (someone else wrote first).
    pub race_next_write: BTreeSet<ItemRef>,
    /// Items whose stored data is unreadable (until a user or a write replaces it).
    pub malformed: BTreeSet<ItemRef>,
    /// Items whose next create or update is stored and then answered with an error (a 5xx
    /// after the commit); an update is stamped with the provider's own write time, as Google
    /// and Graph do.
    pub lose_next_answer: BTreeMap<ItemRef, DateTime<Utc>>,
    /// Items whose next create gets only its first request through, as a Graph series
    /// create failing after it: the master stored without exclusions and overrides, then an
    /// error.
    pub half_create_next: BTreeSet<ItemRef>,
}

pub fn cal(name: &str) -> CalendarId {
    CalendarId::parse(name).unwrap()
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap()
}

pub fn event(uid: &str, summary: &str, day: u32) -> Event {
    let start = Utc.with_ymd_and_hms(2026, 3, day, 9, 0, 0).unwrap();
    Event {
        uid: uid.into(),
        master: Some(Component {
            summary: Some(summary.into()),
            start: Some(EventTime::utc(start)),
            end: Some(EventTime::utc(start + chrono::TimeDelta::hours(1))),
            last_modified: Some(now()),
            ..Component::default()
        }),
        overrides: BTreeMap::new(),
        origin: None,
        owner_link: None,
        timezones: vec![],
    }
}

/// What one pass did.
#[derive(Debug, Default)]
pub struct PassReport {
    pub plan: Plan,
    pub creates: usize,
    pub updates: usize,
    pub deletes: usize,
}

impl PassReport {
    pub fn writes(&self) -> usize {
        self.creates + self.updates + self.deletes
    }
}

impl World {
    pub fn new(topology: Topology, names: &[&str], rules: LinkRules) -> Self {
        let ids: Vec<CalendarId> = names.iter().map(|n| cal(n)).collect();
        let link = Link::new(
            LinkId::parse("l1").unwrap(),
            "test".into(),
            topology,
            ids.clone(),
            rules,
        )
        .unwrap();
        Self {
            tenant: TenantId::parse("t1").unwrap(),
            link,
            calendars: ids.iter().map(|id| (id.clone(), BTreeMap::new())).collect(),
            facts: ids
                .iter()
                .map(|id| {
                    (
                        id.clone(),
                        CalendarFacts {
                            recurrence_ok: true,
                            ..CalendarFacts::default()
                        },
                    )
                })
                .collect(),
            state: LinkState::default(),
            now: now(),
            etag_counter: 0,
            race_next_write: BTreeSet::new(),
            malformed: BTreeSet::new(),
            lose_next_answer: BTreeMap::new(),
            half_create_next: BTreeSet::new(),
        }
    }

    pub fn pair(rules: LinkRules) -> Self {
        Self::new(Topology::Pair, &["ca", "cb"], rules)
    }

    /// A default pair where `a1.ics` ("Dentist", UID u1) on `ca` has been copied to `cb`;
    /// with the copy's remote id.
    pub fn synced_pair() -> (Self, RemoteId) {
        let mut world = Self::pair(LinkRules::default());
        world.user_put("ca", "a1.ics", event("u1", "Dentist", 10));
        world.pass();
        let copy = world.copy_id("cb", "ca", "u1").unwrap();
        (world, copy)
    }

    fn next_etag(&mut self) -> Etag {
        self.etag_counter += 1;
        Etag(format!("\"e{}\"", self.etag_counter))
    }

    /// A user (or another client) stores `event` on `calendar` under `name`.
    pub fn user_put(&mut self, calendar: &str, name: &str, event: Event) {
        let etag = self.next_etag();
        self.calendars
            .get_mut(&cal(calendar))
            .unwrap()
            .insert(RemoteId(name.into()), (etag, event));
    }

    pub fn user_delete(&mut self, calendar: &str, name: &str) {
        self.calendars
            .get_mut(&cal(calendar))
            .unwrap()
            .remove(&RemoteId(name.into()));
    }

    /// Edits the item through `f`, bumping LAST-MODIFIED by `minutes` past `now`.
    pub fn user_edit(
        &mut self,
        calendar: &str,
        name: &RemoteId,
        minutes: i64,
        f: impl FnOnce(&mut Component),
    ) {
        let etag = self.next_etag();
        let now = self.now;
        let entry = self
            .calendars
            .get_mut(&cal(calendar))
            .unwrap()
            .get_mut(name)
            .unwrap();
        let master = entry.1.master.as_mut().unwrap();
        f(master);
        master.last_modified = Some(now + chrono::TimeDelta::minutes(minutes));
        entry.0 = etag;
    }

    /// Another client stores something unreadable in place of the item.
    pub fn user_spoil(&mut self, calendar: &str, name: &RemoteId) {
        self.user_touch(calendar, name);
        self.malformed
            .insert(ItemRef::new(cal(calendar), name.clone()));
    }

    /// The item reads again, edited through `f`.
    pub fn user_repair(
        &mut self,
        calendar: &str,
        name: &RemoteId,
        minutes: i64,
        f: impl FnOnce(&mut Component),
    ) {
        self.malformed
            .remove(&ItemRef::new(cal(calendar), name.clone()));
        self.user_edit(calendar, name, minutes, f);
    }

    /// The server rewrites the item without changing it: only its ETag changes.
    pub fn user_touch(&mut self, calendar: &str, name: &RemoteId) {
        let etag = self.next_etag();
        if let Some(entry) = self
            .calendars
            .get_mut(&cal(calendar))
            .unwrap()
            .get_mut(name)
        {
            entry.0 = etag;
        }
    }

    /// The remote id of the copy of `uid` (original on `origin`) held by `calendar`.
    pub fn copy_id(&self, calendar: &str, origin: &str, uid: &str) -> Option<RemoteId> {
        self.calendars[&cal(calendar)]
            .iter()
            .find(|(_, (_, e))| {
                e.origin
                    .as_ref()
                    .is_some_and(|t| t.origin.calendar == cal(origin) && t.origin.uid == uid)
            })
            .map(|(id, _)| id.clone())
    }

    pub fn events(&self, calendar: &str) -> Vec<&Event> {
        self.calendars[&cal(calendar)]
            .values()
            .map(|(_, e)| e)
            .collect()
    }

    /// What the real use case does: everything whose ETag differs from the link's binding
    /// is observed (with its data), every bound item that is gone is observed as deleted.
    pub fn observations(&self) -> Vec<Observation> {
        let mut observations = Vec::new();
        for (calendar, items) in &self.calendars {
            for (id, (etag, event)) in items {
                let item = ItemRef::new(calendar.clone(), id.clone());
                let bound = self.state.items.get(&item).and_then(|b| b.etag.as_ref());
                if bound != Some(etag) {
                    let body = if self.malformed.contains(&item) {
                        Err(crate::domain::MalformedEvent {
                            reason: "no DTSTART".into(),
                        })
                    } else {
                        Ok(event.clone())
                    };
                    observations.push(Observation::Present {
                        item,
                        etag: Some(etag.clone()),
                        body,
                    });
                }
            }
        }
        for item in self.state.items.keys() {
            if !self.calendars[&item.calendar].contains_key(&item.remote_id) {
                observations.push(Observation::Deleted { item: item.clone() });
            }
        }
        observations
    }

    pub fn plan_now(&mut self, full: bool) -> Plan {
        for (calendar, facts) in &mut self.facts {
            facts.item_count = self.calendars[calendar].len();
        }
        let observations = self.observations();
        let other_links = BTreeSet::new();
        plan(&PlanInput {
            tenant: &self.tenant,
            link: &self.link,
            other_links: &other_links,
            calendars: &self.facts,
            observations: &observations,
            state: &self.state,
            now: self.now,
            full_reconcile: full,
            allow_mass_delete: false,
        })
    }

    /// Plans from the given observations instead of the world's own.
    pub fn plan_observed(
        &self,
        observations: &[Observation],
        other_links: &BTreeSet<crate::domain::LinkId>,
        full: bool,
    ) -> Plan {
        plan(&PlanInput {
            tenant: &self.tenant,
            link: &self.link,
            other_links,
            calendars: &self.facts,
            observations,
            state: &self.state,
            now: self.now,
            full_reconcile: full,
            allow_mass_delete: false,
        })
    }

    pub fn pass(&mut self) -> PassReport {
        let plan = self.plan_now(false);
        self.execute(plan)
    }

    /// A pass that does not read `calendar` (a job about the others): its writes there meet
    /// whatever the calendar holds now.
    pub fn pass_without(&mut self, calendar: &str) -> PassReport {
        let observations: Vec<Observation> = self
            .observations()
            .into_iter()
            .filter(|o| o.item().calendar != cal(calendar))
            .collect();
        let plan = self.plan_observed(&observations, &BTreeSet::new(), false);
        self.execute(plan)
    }

    pub fn execute(&mut self, plan: Plan) -> PassReport {
        let mut report = PassReport::default();
        let mut outcomes = Vec::new();
        for planned in &plan.ops {
            outcomes.push(self.apply(&planned.op, &mut report));
        }
        let settlement = settle(&plan, &outcomes);
        self.state.apply(&settlement.delta);
        report.plan = plan;
        report
    }

    /// A pass whose worker records its intent, writes (or not), and is killed before
    /// committing.
    pub fn pass_killed(&mut self, after_writes: bool) {
        let plan = self.plan_now(false);
        self.state.apply(&intent(&plan));
        let mut report = PassReport::default();
        for planned in plan.ops.iter().filter(|_| after_writes) {
            self.apply(&planned.op, &mut report);
        }
    }

    fn apply(&mut self, op: &Operation, report: &mut PassReport) -> OpOutcome {
        let etag = self.next_etag();
        match op {
            Operation::Create {
                calendar,
                key,
                event,
            } => {
                let id = RemoteId(format!("{key}.ics"));
                let items = self.calendars.get_mut(calendar).unwrap();
                if items.contains_key(&id) {
                    return OpOutcome::Raced;
                }
                let item = ItemRef::new(calendar.clone(), id.clone());
                if self.half_create_next.remove(&item) {
                    let mut first_step = event.clone();
                    first_step.overrides.clear();
                    if let Some(master) = first_step.master.as_mut() {
                        master.recurrence.exdates.clear();
                    }
                    items.insert(id, (etag, first_step));
                    return OpOutcome::Failed {
                        reason: "503 on the series' second request".into(),
                    };
                }
                items.insert(id.clone(), (etag.clone(), event.clone()));
                report.creates += 1;
                if let Some(stamp) = self
                    .lose_next_answer
                    .remove(&ItemRef::new(calendar.clone(), id.clone()))
                {
                    // The provider stamps what it stored with its own write time.
                    if let Some(master) = items.get_mut(&id).and_then(|(_, e)| e.master.as_mut()) {
                        master.last_modified = Some(stamp);
                    }
                    return OpOutcome::Failed {
                        reason: "503 after the create was stored".into(),
                    };
                }
                OpOutcome::Written {
                    remote_id: id,
                    etag: Some(etag),
                }
            }
            Operation::Update {
                item,
                etag: expected,
                event,
            } => {
                if self.race_next_write.remove(item) {
                    return OpOutcome::Raced;
                }
                let items = self.calendars.get_mut(&item.calendar).unwrap();
                match items.get_mut(&item.remote_id) {
                    None => OpOutcome::Missing,
                    Some((current, _)) if expected.as_ref().is_some_and(|e| e != current) => {
                        OpOutcome::Raced
                    }
                    Some(stored) => {
                        *stored = (etag.clone(), event.clone());
                        self.malformed.remove(item);
                        if let Some(stamp) = self.lose_next_answer.remove(item) {
                            if let Some(master) = stored.1.master.as_mut() {
                                master.last_modified = Some(stamp);
                            }
                            return OpOutcome::Failed {
                                reason: "503 after the write was stored".into(),
                            };
                        }
                        report.updates += 1;
                        OpOutcome::Written {
                            remote_id: item.remote_id.clone(),
                            etag: Some(etag),
                        }
                    }
                }
            }
            Operation::Delete {
                item,
                etag: expected,
            } => {
                let items = self.calendars.get_mut(&item.calendar).unwrap();
                match items.get(&item.remote_id) {
                    None => OpOutcome::Missing,
                    Some((current, _)) if expected.as_ref().is_some_and(|e| e != current) => {
                        OpOutcome::Raced
                    }
                    Some(_) => {
                        items.remove(&item.remote_id);
                        self.malformed.remove(item);
                        report.deletes += 1;
                        OpOutcome::Deleted
                    }
                }
            }
        }
    }

    /// Passes until one writes nothing; panics if that takes more than `max` passes (a loop).
    pub fn settle_down(&mut self, max: usize) -> usize {
        for n in 1..=max {
            if self.pass().writes() == 0 {
                return n;
            }
        }
        panic!("no quiescence after {max} passes: the sync loops");
    }

    pub fn tag(&self, origin: &str, uid: &str) -> OriginTag {
        OriginTag::parse(&format!("{}:{origin}:{uid}", self.tenant)).unwrap()
    }
}
