//! What the scheduler function does each minute: plan every tenant's checks for the coming
//! minute and queue them, many calendars per message, spread over the minute with SQS delays.
//!
//! The plan is a pure function of the tenant's links and channels and the tick's time: no
//! "last checked" bookkeeping to write, so a tick costs reads only, and a tick delivered twice
//! costs one extra round of cheap checks. Each calendar gets a stable phase (from a hash of
//! its id), so checks spread evenly instead of all landing on the minute.

use crate::domain::{CalendarId, Link, SyncCursor, TenantId};
use crate::ports::{Job, JobQueue, PushChannel, Store, StoreError, SyncReason, TenantDirectory};
use crate::usecases::cadence::CadencePolicy;
use chrono::{DateTime, TimeDelta, Utc};
use futures::StreamExt;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use phases::{offset, phase, ticks_in};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulePolicy {
    /// How often the scheduler runs (the EventBridge rule's rate).
    pub tick: Duration,
    /// How often calendars without push are checked: adaptive by default (recently changed
    /// ones every ~4 s, idle ones every 60 s, one check per 15 s per calendar on average,
    /// shared within each tenant at every tick).
    pub cadence: CadencePolicy,
    /// How often a calendar with a live push channel is checked anyway (push is a hint).
    pub push_fallback: Duration,
    /// How often each tenant's channels are brought in line with its links even when none is
    /// due for renewal (subscribes newly linked calendars the API did not announce).
    pub push_upkeep: Duration,
    /// How often every linked calendar gets a full reconciliation.
    pub reconcile_every: Duration,
    /// Checks start on whole multiples of this into a tick. Each distinct delay is at least
    /// one SQS message and one sync invocation (SQS delays are per message): on every second,
    /// a message carried ~3.6 checks at 40 calendars; on 5-s steps the calendars of a step
    /// share them. A calendar's checks stay exactly their interval apart, so the step moves
    /// when they happen, not how long a change waits for one; a longer step costs less and
    /// makes each step's burst of checks larger (docs/AWS.md).
    pub phase_step: Duration,
    /// The step for checks made at most once a tick (idle calendars, pushed calendars' fallback
    /// checks). Where in the minute such a check falls changes nothing for its calendar, so
    /// a coarser step costs no latency: at 40 calendars, all idle, four messages and sync
    /// invocations a minute instead of twelve. Calendars checked several times a tick keep
    /// `phase_step`, which spaces them exactly.
    pub sparse_step: Duration,
}

impl Default for SchedulePolicy {
    fn default() -> Self {
        Self {
            tick: Duration::from_secs(60),
            cadence: CadencePolicy::default(),
            push_fallback: Duration::from_secs(15 * 60),
            push_upkeep: Duration::from_secs(60 * 60),
            reconcile_every: Duration::from_secs(24 * 3600),
            phase_step: Duration::from_secs(5),
            sparse_step: Duration::from_secs(15),
        }
    }
}

/// One tenant's work during one tick.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TenantPlan {
    /// Seconds into the tick -> why -> calendars to check then.
    pub checks: BTreeMap<u64, BTreeMap<SyncReason, BTreeSet<CalendarId>>>,
    /// Queue a push maintenance job (a channel is due for renewal, or the periodic upkeep).
    pub maintain_push: bool,
    /// The stored cursors the checks carry (see [`cursors::job_cursors`]).
    pub cursors: BTreeMap<CalendarId, SyncCursor>,
}

impl TenantPlan {
    pub fn check_count(&self) -> usize {
        self.checks
            .values()
            .flat_map(|by_reason| by_reason.values())
            .map(BTreeSet::len)
            .sum()
    }

    fn add(&mut self, delay: u64, reason: SyncReason, calendar: &CalendarId) {
        self.checks
            .entry(delay)
            .or_default()
            .entry(reason)
            .or_default()
            .insert(calendar.clone());
    }
}

/// The checks and upkeep `tenant` needs during the tick starting at `tick_start`; `activity`
/// holds when each calendar last changed (missing: never, or unknown).
pub fn plan_tenant(
    tenant: &TenantId,
    links: &[Link],
    channels: &[PushChannel],
    activity: &BTreeMap<CalendarId, DateTime<Utc>>,
    tick_start: DateTime<Utc>,
    policy: &SchedulePolicy,
    push_enabled: bool,
) -> TenantPlan {
    let tick_secs = policy.tick.as_secs().max(1);
    let step = policy.phase_step.as_secs().max(1);
    let sparse_step = policy.sparse_step.as_secs().max(step);
    let tick_index = u64::try_from(tick_start.timestamp()).unwrap_or(0) / tick_secs;
    let tick_end = tick_start + TimeDelta::seconds(i64::try_from(tick_secs).unwrap_or(60));
    let linked: BTreeSet<&CalendarId> = links.iter().flat_map(|l| &l.calendars).collect();
    let pushed: BTreeSet<&CalendarId> = channels
        .iter()
        .filter(|c| c.expires_at > tick_start)
        .map(|c| &c.calendar)
        .collect();
    // A job checks every calendar of the links it syncs, so the calendars of one link share
    // the link's phase: checked in the same second they make one job, not one job each that
    // checks them all. A calendar in several links follows the first of them by id.
    let mut phase_keys: BTreeMap<&CalendarId, &str> = BTreeMap::new();
    for link in links {
        for calendar in &link.calendars {
            let key = phase_keys.entry(calendar).or_insert(link.id.as_str());
            if link.id.as_str() < *key {
                *key = link.id.as_str();
            }
        }
    }
    let mut plan = TenantPlan::default();

    let tenant_phase = phase(tenant.as_str());
    let on_tick = |every: Duration, phase: u64| {
        let ticks = ticks_in(every, policy.tick);
        (tick_index + phase % ticks).is_multiple_of(ticks)
    };
    if on_tick(policy.reconcile_every, tenant_phase) {
        for calendar in &linked {
            plan.add(0, SyncReason::Reconcile, calendar);
        }
    } else {
        let polled: Vec<(CalendarId, Option<DateTime<Utc>>)> = linked
            .iter()
            .filter(|calendar| !pushed.contains(*calendar))
            .map(|calendar| ((*calendar).clone(), activity.get(*calendar).copied()))
            .collect();
        let intervals = policy.cadence.intervals(tick_start, &polled, 0.0);
        for calendar in &linked {
            let calendar_phase = phase(phase_keys.get(calendar).unwrap_or(&calendar.as_str()));
            let Some((_, every)) = intervals.get(*calendar) else {
                if on_tick(policy.push_fallback, calendar_phase) {
                    plan.add(
                        offset(calendar_phase, tick_secs, sparse_step),
                        SyncReason::Poll,
                        calendar,
                    );
                }
                continue;
            };
            // Whole seconds (SQS delays are), rounded up so the budget holds.
            let interval = every.as_secs_f64().ceil().max(1.0) as u64;
            if interval < tick_secs {
                let mut delay = offset(calendar_phase, interval, step);
                while delay < tick_secs {
                    plan.add(delay, SyncReason::Poll, calendar);
                    delay += interval;
                }
            } else if on_tick(Duration::from_secs(interval), calendar_phase) {
                plan.add(
                    offset(calendar_phase, tick_secs, sparse_step),
                    SyncReason::Poll,
                    calendar,
                );
            }
        }
    }
    plan.maintain_push = push_enabled
        && !linked.is_empty()
        && (channels.iter().any(|c| c.renew_at() <= tick_end)
            || on_tick(policy.push_upkeep, tenant_phase));
    plan
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TickReport {
    pub tenants: usize,
    pub checks: usize,
    pub push_upkeeps: usize,
    /// Tenants whose plan could not be read (their checks wait for the next tick).
    pub failed_tenants: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error("listing tenants: {0}")]
    Directory(StoreError),
    #[error("queueing checks: {0}")]
    Queue(#[from] crate::ports::QueueError),
}

pub struct CloudScheduler {
    pub directory: Arc<dyn TenantDirectory>,
    pub store: Arc<dyn Store>,
    pub queue: Arc<dyn JobQueue>,
    pub policy: SchedulePolicy,
    /// Push channels exist only with a public URL for providers to call.
    pub push_enabled: bool,
}

/// Tenants listed per directory page, and planned at once.
const TENANT_PAGE: usize = 100;
const PLAN_CONCURRENCY: usize = 16;

impl CloudScheduler {
    /// The scheduler over `runtime`'s table, queueing on `queue`. It reads with eventually
    /// consistent reads (half the price of the default): a plan made from links and channels
    /// a second old only checks a new link, or polls a newly pushed calendar, one tick late.
    pub fn new(runtime: &super::CloudRuntime, queue: Arc<dyn JobQueue>) -> Self {
        let store = Arc::new(runtime.store.eventually_consistent());
        Self {
            directory: store.clone(),
            store,
            queue,
            policy: SchedulePolicy::default(),
            push_enabled: runtime.config.public_url.is_some(),
        }
    }

    /// Plans and queues the tick starting at `tick_start` for every tenant.
    pub async fn tick(&self, tick_start: DateTime<Utc>) -> Result<TickReport, ScheduleError> {
        let mut report = TickReport::default();
        let mut by_delay: BTreeMap<u64, Vec<Job>> = BTreeMap::new();
        let mut after: Option<TenantId> = None;
        loop {
            let page = self
                .directory
                .list_tenants(after.as_ref(), TENANT_PAGE)
                .await
                .map_err(ScheduleError::Directory)?;
            let complete = page.len() < TENANT_PAGE;
            after = page.last().cloned();
            let plans: Vec<(TenantId, Result<TenantPlan, StoreError>)> =
                futures::stream::iter(page)
                    .map(|tenant| async move {
                        let plan = self.plan(&tenant, tick_start).await;
                        (tenant, plan)
                    })
                    .buffer_unordered(PLAN_CONCURRENCY)
                    .collect()
                    .await;
            for (tenant, plan) in plans {
                report.tenants += 1;
                match plan {
                    Ok(plan) => add_jobs(&tenant, plan, &mut by_delay, &mut report),
                    Err(error) => {
                        tracing::warn!(%tenant, %error, "could not plan a tenant's checks");
                        report.failed_tenants += 1;
                    }
                }
            }
            if complete {
                break;
            }
        }
        let spread = by_delay
            .into_iter()
            .map(|(delay, jobs)| (Duration::from_secs(delay), jobs))
            .collect();
        self.queue.enqueue_spread(spread).await?;
        Ok(report)
    }

    async fn plan(
        &self,
        tenant: &TenantId,
        tick_start: DateTime<Utc>,
    ) -> Result<TenantPlan, StoreError> {
        let links = self.store.list_links(tenant).await?;
        if links.is_empty() {
            return Ok(TenantPlan::default());
        }
        let channels = self.store.list_channels(tenant).await?;
        // Read every tick, adaptive or not: the cursors let unchanged checks skip the store.
        let states = self.store.calendar_states(tenant).await?;
        let activity: BTreeMap<CalendarId, DateTime<Utc>> = if self.policy.cadence.adaptive {
            states
                .iter()
                .filter_map(|(id, state)| Some((id.clone(), state.last_changed?)))
                .collect()
        } else {
            BTreeMap::new()
        };
        let mut plan = plan_tenant(
            tenant,
            &links,
            &channels,
            &activity,
            tick_start,
            &self.policy,
            self.push_enabled,
        );
        plan.cursors = cursors::job_cursors(&states, tick_start);
        Ok(plan)
    }
}

fn add_jobs(
    tenant: &TenantId,
    plan: TenantPlan,
    by_delay: &mut BTreeMap<u64, Vec<Job>>,
    report: &mut TickReport,
) {
    report.checks += plan.check_count();
    if plan.maintain_push {
        report.push_upkeeps += 1;
        by_delay.entry(0).or_default().push(Job::MaintainPush {
            tenant: tenant.clone(),
        });
    }
    for (delay, by_reason) in plan.checks {
        for (reason, calendars) in by_reason {
            // A reconciliation looks at every event whatever the cursor says.
            let cursors = match reason {
                SyncReason::Reconcile => BTreeMap::new(),
                _ => calendars
                    .iter()
                    .filter_map(|c| Some((c.clone(), plan.cursors.get(c)?.clone())))
                    .collect(),
            };
            by_delay.entry(delay).or_default().push(Job::Sync {
                tenant: tenant.clone(),
                calendars: calendars.into_iter().collect(),
                reason,
                cursors,
            });
        }
    }
}

pub mod cursors;
mod phases;
#[cfg(test)]
mod tests;
