//! An in-memory pair of calendars linked two ways, and the passes the real use case runs over
//! it (observe what differs from the link's bindings, plan, execute, settle, commit), so the
//! engine can be timed alone: no I/O, no store, no clock but the `now` given at the start.

use crate::caldav::events::{BenchEvent, events};
use anyhow::{Context, ensure};
use calsync_core::domain::{
    CalendarId, Etag, Event, Link, LinkId, LinkRules, RemoteId, TenantId, Topology,
};
use calsync_core::engine::{
    CalendarFacts, ItemRef, LinkState, Observation, OpOutcome, Operation, Plan, PlanInput, plan,
    settle,
};
use calsync_core::ical::parse_event;
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::{BTreeMap, BTreeSet};

type Items = BTreeMap<RemoteId, (Etag, Event)>;

pub struct Pair {
    tenant: TenantId,
    link: Link,
    facts: BTreeMap<CalendarId, CalendarFacts>,
    other_links: BTreeSet<LinkId>,
    calendars: BTreeMap<CalendarId, Items>,
    /// The source of every original, to edit it as a user would (from its iCalendar text).
    sources: BTreeMap<ItemRef, BenchEvent>,
    state: LinkState,
    now: DateTime<Utc>,
    etags: u64,
}

impl Pair {
    /// Two calendars `a` and `b` holding `per_side` originals each (the bench's realistic
    /// mix: timed, all-day, weekly series in Europe/Berlin), not synced yet.
    pub fn new(per_side: usize, now: DateTime<Utc>) -> anyhow::Result<Self> {
        let ids = [calendar("a")?, calendar("b")?];
        let link = Link::new(
            LinkId::parse("bench")?,
            "bench".into(),
            Topology::Pair,
            ids.to_vec(),
            LinkRules::default(),
        )?;
        let facts = ids
            .iter()
            .map(|id| {
                let facts = CalendarFacts {
                    recurrence_ok: true,
                    ..CalendarFacts::default()
                };
                (id.clone(), facts)
            })
            .collect();
        let mut pair = Self {
            tenant: TenantId::parse("bench")?,
            link,
            facts,
            other_links: BTreeSet::new(),
            calendars: ids.iter().map(|id| (id.clone(), Items::new())).collect(),
            sources: BTreeMap::new(),
            state: LinkState::default(),
            now,
            etags: 0,
        };
        for (side, id) in ['a', 'b'].into_iter().zip(ids) {
            for source in events(side, per_side, now.date_naive()) {
                let event = parse_event(&source.ics("", 0, now))
                    .with_context(|| format!("parsing {}", source.name))?;
                let remote_id = RemoteId(source.name.clone());
                let etag = pair.next_etag();
                pair.items_mut(&id)?
                    .insert(remote_id.clone(), (etag, event));
                pair.sources
                    .insert(ItemRef::new(id.clone(), remote_id), source);
            }
        }
        Ok(pair)
    }

    pub fn calendar_ids(&self) -> Vec<CalendarId> {
        self.calendars.keys().cloned().collect()
    }

    pub fn item_count(&self) -> usize {
        self.calendars.values().map(BTreeMap::len).sum()
    }

    /// What the real use case hands the planner: every item whose ETag differs from the
    /// link's binding (with its data), every bound item that is gone.
    pub fn observations(&self) -> Vec<Observation> {
        let mut observations = Vec::new();
        for (calendar, items) in &self.calendars {
            for (id, (etag, event)) in items {
                let item = ItemRef::new(calendar.clone(), id.clone());
                let bound = self.state.items.get(&item).and_then(|b| b.etag.as_ref());
                if bound != Some(etag) {
                    observations.push(Observation::Present {
                        item,
                        etag: Some(etag.clone()),
                        body: Ok(event.clone()),
                    });
                }
            }
        }
        for item in self.state.items.keys() {
            let gone = self
                .calendars
                .get(&item.calendar)
                .is_none_or(|items| !items.contains_key(&item.remote_id));
            if gone {
                observations.push(Observation::Deleted { item: item.clone() });
            }
        }
        observations
    }

    /// The engine's entry point, as the sync use case calls it.
    pub fn plan(&self, observations: &[Observation], full_reconcile: bool) -> Plan {
        plan(&PlanInput {
            tenant: &self.tenant,
            link: &self.link,
            other_links: &self.other_links,
            calendars: &self.facts,
            observations,
            state: &self.state,
            now: self.now,
            full_reconcile,
            allow_mass_delete: false,
        })
    }

    /// One whole pass: observe, plan, execute in memory, settle, commit. Returns the writes.
    pub fn pass(&mut self) -> anyhow::Result<usize> {
        self.refresh_counts();
        let plan = self.plan(&self.observations(), false);
        ensure!(plan.halt.is_none(), "the deletion guard stopped the pass");
        let mut outcomes = Vec::with_capacity(plan.ops.len());
        for planned in &plan.ops {
            outcomes.push(self.execute(&planned.op)?);
        }
        let settlement = settle(&plan, &outcomes);
        ensure!(
            settlement.failed == 0,
            "{} writes failed",
            settlement.failed
        );
        self.state.apply(&settlement.delta);
        self.refresh_counts();
        Ok(plan.ops.len())
    }

    /// A user edits `count` of the originals on `calendar`, spread evenly over them: a new
    /// summary, a later SEQUENCE and LAST-MODIFIED, a new ETag.
    pub fn edit_originals(&mut self, calendar: &CalendarId, count: usize) -> anyhow::Result<()> {
        let originals: Vec<(ItemRef, BenchEvent)> = self
            .sources
            .iter()
            .filter(|(item, _)| &item.calendar == calendar)
            .map(|(item, source)| (item.clone(), source.clone()))
            .collect();
        ensure!(
            count <= originals.len(),
            "only {} originals",
            originals.len()
        );
        let stride = originals.len() / count.max(1);
        let stamp = self.now + TimeDelta::minutes(5);
        for (item, source) in originals.into_iter().step_by(stride.max(1)).take(count) {
            let event = parse_event(&source.ics(" (moved)", 1, stamp))
                .with_context(|| format!("parsing the edit of {}", source.name))?;
            let etag = self.next_etag();
            self.items_mut(&item.calendar)?
                .insert(item.remote_id, (etag, event));
        }
        Ok(())
    }

    fn execute(&mut self, op: &Operation) -> anyhow::Result<OpOutcome> {
        let etag = self.next_etag();
        Ok(match op {
            Operation::Create {
                calendar,
                key,
                event,
            } => {
                let remote_id = RemoteId(format!("{key}.ics"));
                self.items_mut(calendar)?
                    .insert(remote_id.clone(), (etag.clone(), event.clone()));
                OpOutcome::Written {
                    remote_id,
                    etag: Some(etag),
                }
            }
            Operation::Update { item, event, .. } => {
                self.items_mut(&item.calendar)?
                    .insert(item.remote_id.clone(), (etag.clone(), event.clone()));
                OpOutcome::Written {
                    remote_id: item.remote_id.clone(),
                    etag: Some(etag),
                }
            }
            Operation::Delete { item, .. } => {
                self.items_mut(&item.calendar)?.remove(&item.remote_id);
                OpOutcome::Deleted
            }
        })
    }

    fn refresh_counts(&mut self) {
        for (calendar, facts) in &mut self.facts {
            facts.item_count = self.calendars.get(calendar).map_or(0, BTreeMap::len);
        }
    }

    fn items_mut(&mut self, calendar: &CalendarId) -> anyhow::Result<&mut Items> {
        self.calendars
            .get_mut(calendar)
            .with_context(|| format!("calendar {calendar} is not in the pair"))
    }

    fn next_etag(&mut self) -> Etag {
        self.etags += 1;
        Etag(format!("\"bench-{}\"", self.etags))
    }
}

fn calendar(name: &str) -> anyhow::Result<CalendarId> {
    Ok(CalendarId::parse(name)?)
}
