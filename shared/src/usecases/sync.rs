//! One sync pass over the tenant's links: check each member calendar once, then for each
//! link observe -> plan -> write -> settle -> commit (re-reading and re-planning after a 412).

use super::check::{CalendarChecker, CheckError, Checked};
use super::observe::observe_calendar;
use super::{AccountService, Connector, RetryPolicy, UseCaseError};
use crate::domain::{AccountId, CalendarId, CalendarInfo, Link, LinkId, TenantId};
use crate::engine::{
    self, CalendarFacts, LinkStateDelta, Observation, OpOutcome, Operation, PlanInput,
};
use crate::ports::{
    CalendarCommit, CalendarProvider, IndexChange, LinkCommit, LinkStatus, ProviderError, Store,
    SyncCommit,
};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

/// How many plan/write rounds one link gets in one pass: a round re-reads the calendars
/// where a write raced (412) or where it created items, and plans again.
const MAX_ROUNDS: usize = 4;

#[derive(Debug, Clone, Default)]
pub struct PassOptions {
    /// Re-examine every event, not only the changed ones (daily, and after rule changes).
    pub full_reconcile: bool,
    /// Only these links (all when `None`).
    pub links: Option<Vec<LinkId>>,
}

/// Progress of the writes of a pass, for a progress bar.
pub trait Progress: Send + Sync {
    fn planned(&self, link: &str, operations: usize);
    fn advanced(&self, operations: usize);
}

pub struct NoProgress;

impl Progress for NoProgress {
    fn planned(&self, _: &str, _: usize) {}
    fn advanced(&self, _: usize) {}
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CalendarOps {
    pub created: usize,
    pub updated: usize,
    pub deleted: usize,
    pub failed: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkReport {
    pub link: LinkId,
    pub name: String,
    pub ok: bool,
    /// Nothing changed on its calendars and nothing was pending: not even loaded.
    pub skipped: bool,
    pub operations: BTreeMap<CalendarId, CalendarOps>,
    pub conflicts: Vec<String>,
    pub notices: Vec<String>,
    pub errors: Vec<String>,
    pub halted: Option<String>,
    pub duration_ms: u64,
}

impl LinkReport {
    fn new(link: &Link) -> Self {
        Self {
            link: link.id.clone(),
            name: link.name.clone(),
            ok: true,
            skipped: false,
            operations: BTreeMap::new(),
            conflicts: Vec::new(),
            notices: Vec::new(),
            errors: Vec::new(),
            halted: None,
            duration_ms: 0,
        }
    }

    pub fn writes(&self) -> usize {
        self.operations
            .values()
            .map(|ops| ops.created + ops.updated + ops.deleted)
            .sum()
    }
}

#[derive(Clone)]
pub struct SyncService {
    pub tenant: TenantId,
    pub store: Arc<dyn Store>,
    pub accounts: AccountService,
    pub connector: Arc<dyn Connector>,
    pub retry: RetryPolicy,
    /// Writes in flight per link.
    pub write_parallelism: usize,
    pub clock: fn() -> DateTime<Utc>,
}

/// The provider and description of each calendar of one link.
type LinkProviders = BTreeMap<CalendarId, (Arc<dyn CalendarProvider>, CalendarInfo)>;

/// What one pass has gathered so far.
#[derive(Default)]
struct Session {
    providers: BTreeMap<AccountId, Arc<dyn CalendarProvider>>,
    checked: BTreeMap<CalendarId, Checked>,
    failed: BTreeMap<CalendarId, String>,
    /// Calendar commits not yet taken by a link's transaction.
    uncommitted: BTreeMap<CalendarId, CalendarCommit>,
}

impl SyncService {
    pub async fn run_pass(
        &self,
        options: &PassOptions,
        progress: &dyn Progress,
    ) -> Result<Vec<LinkReport>, UseCaseError> {
        let now = (self.clock)();
        let all_links = self.store.list_links(&self.tenant).await?;
        let link_ids: BTreeSet<LinkId> = all_links.iter().map(|l| l.id.clone()).collect();
        let links: Vec<Link> = match &options.links {
            Some(only) => all_links
                .into_iter()
                .filter(|l| only.contains(&l.id))
                .collect(),
            None => all_links,
        };
        let calendars: BTreeMap<CalendarId, CalendarInfo> = self
            .store
            .list_calendars(&self.tenant)
            .await?
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        let mut session = Session::default();
        let members: BTreeSet<&CalendarId> = links.iter().flat_map(|l| &l.calendars).collect();
        let window = widest_window(&links, now);
        let checker = CalendarChecker {
            tenant: &self.tenant,
            store: self.store.as_ref(),
            retry: self.retry,
            now,
            window,
        };
        for calendar in &members {
            let Some(info) = calendars.get(*calendar) else {
                session
                    .failed
                    .insert((*calendar).clone(), "calendar no longer known".into());
                continue;
            };
            if let Err(error) = self.provider(&mut session, &info.account).await {
                session.failed.insert(info.id.clone(), error.to_string());
            }
        }
        // Collected before streaming: a lazy iterator of closures in the future's state keeps
        // rustc from proving the pass `Send` (rust-lang/rust#110338), and the AWS functions
        // spawn passes.
        let checks: Vec<_> = members
            .iter()
            .filter_map(|calendar| {
                let info = calendars.get(*calendar)?.clone();
                let provider = session.providers.get(&info.account)?.clone();
                Some((info, provider))
            })
            .map(|(info, provider)| {
                let checker = &checker;
                async move {
                    let result = checker.check(provider.as_ref(), info.clone()).await;
                    (info, result)
                }
            })
            .collect();
        let results: Vec<(CalendarInfo, Result<Checked, CheckError>)> =
            futures::stream::iter(checks)
                .buffer_unordered(8)
                .collect()
                .await;
        for (info, result) in results {
            match result {
                Ok(checked) => {
                    session
                        .uncommitted
                        .insert(info.id.clone(), checked.commit.clone());
                    session.checked.insert(info.id.clone(), checked);
                }
                Err(error) => {
                    tracing::warn!(calendar = %info.id, %error, "calendar check failed");
                    session
                        .uncommitted
                        .insert(info.id.clone(), checker.failure(&info, &error).await);
                    session.failed.insert(info.id.clone(), error.to_string());
                }
            }
        }
        let mut reports = Vec::new();
        for link in &links {
            let report = self
                .sync_link(link, &link_ids, &mut session, &checker, options, progress)
                .await;
            reports.push(report);
        }
        if !session.uncommitted.is_empty() {
            let calendars = std::mem::take(&mut session.uncommitted)
                .into_values()
                .collect();
            self.store
                .commit(
                    &self.tenant,
                    &SyncCommit {
                        calendars,
                        link: None,
                    },
                )
                .await?;
        }
        Ok(reports)
    }

    async fn provider(
        &self,
        session: &mut Session,
        account: &AccountId,
    ) -> Result<Arc<dyn CalendarProvider>, UseCaseError> {
        if let Some(provider) = session.providers.get(account) {
            return Ok(provider.clone());
        }
        let stored = self
            .store
            .get_account(&self.tenant, account)
            .await?
            .ok_or_else(|| UseCaseError::NotFound(format!("account {account}")))?;
        let credentials = self.accounts.credentials(&stored).await?;
        let provider = self.connector.connect(&credentials).await?;
        session.providers.insert(account.clone(), provider.clone());
        Ok(provider)
    }

    async fn sync_link(
        &self,
        link: &Link,
        link_ids: &BTreeSet<LinkId>,
        session: &mut Session,
        checker: &CalendarChecker<'_>,
        options: &PassOptions,
        progress: &dyn Progress,
    ) -> LinkReport {
        let started = Instant::now();
        let mut report = LinkReport::new(link);
        let span = tracing::info_span!("link", link = %link.id);
        let _entered = span.enter();
        let failed: Vec<String> = link
            .calendars
            .iter()
            .filter_map(|c| session.failed.get(c).map(|e| format!("{c}: {e}")))
            .collect();
        if !failed.is_empty() {
            report.ok = false;
            report.errors = failed;
        } else if let Err(error) = self
            .sync_checked_link(
                link,
                link_ids,
                session,
                checker,
                options,
                progress,
                &mut report,
            )
            .await
        {
            report.ok = false;
            report.errors.push(error.to_string());
        }
        report.duration_ms = started.elapsed().as_millis() as u64;
        if report.ok {
            tracing::info!(
                writes = report.writes(),
                ms = report.duration_ms,
                "link synced"
            );
        } else {
            tracing::warn!(errors = ?report.errors, halted = ?report.halted, "link not synced");
        }
        report
    }

    #[allow(clippy::too_many_arguments)]
    async fn sync_checked_link(
        &self,
        link: &Link,
        link_ids: &BTreeSet<LinkId>,
        session: &mut Session,
        checker: &CalendarChecker<'_>,
        options: &PassOptions,
        progress: &dyn Progress,
        report: &mut LinkReport,
    ) -> Result<(), UseCaseError> {
        let status = self.store.link_status(&self.tenant, &link.id).await?;
        if let Some(reason) = &status.halted {
            report.ok = false;
            report.halted = Some(reason.clone());
            return Ok(());
        }
        let quiet = link.calendars.iter().all(|c| {
            session
                .checked
                .get(c)
                .is_some_and(|checked| checked.unchanged)
        });
        let clean = status.version > 0
            && status.last_success == status.last_run
            && !status.allow_mass_delete_once;
        if quiet && clean && !options.full_reconcile {
            // Nothing changed anywhere and the last pass finished cleanly: nothing to plan.
            report.skipped = true;
            return Ok(());
        }
        let stored = self.store.load_link_state(&self.tenant, &link.id).await?;
        let mut state = stored.state;
        let status = stored.status;
        let providers = self.link_providers(link, session)?;
        let mut observations = Vec::new();
        let mut index_writes: BTreeMap<CalendarId, BTreeMap<_, IndexChange>> = BTreeMap::new();
        for calendar in &link.calendars {
            let (found, fixes) = self.observe(session, &providers, &state, calendar).await?;
            observations.extend(found);
            index_writes
                .entry(calendar.clone())
                .or_default()
                .extend(fixes);
        }
        let other_links: BTreeSet<LinkId> = link_ids
            .iter()
            .filter(|id| *id != &link.id)
            .cloned()
            .collect();
        let mut total = LinkStateDelta::default();
        let mut halted = None;
        for round in 0..MAX_ROUNDS {
            let facts = calendar_facts(link, session);
            let plan = engine::plan(&PlanInput {
                tenant: &self.tenant,
                link,
                other_links: &other_links,
                calendars: &facts,
                observations: &observations,
                state: &state,
                now: checker.now,
                full_reconcile: options.full_reconcile && round == 0,
                allow_mass_delete: status.allow_mass_delete_once,
            });
            report
                .notices
                .extend(plan.notices.iter().map(ToString::to_string));
            report.conflicts.extend(
                plan.conflicts
                    .iter()
                    .map(|c| format!("{}: {} kept from {}", c.origin.uid, c.field, c.winner)),
            );
            if let Some(trip) = &plan.halt {
                tracing::warn!(%trip, "deletion guard tripped");
                halted = Some(trip.to_string());
                break;
            }
            progress.planned(&link.name, plan.ops.len());
            let outcomes = self
                .execute(&providers, &plan.ops, progress, report, &mut index_writes)
                .await;
            let settlement = engine::settle(&plan, &outcomes);
            state.apply(&settlement.delta);
            total.extend(settlement.delta);
            let mut recheck = settlement.recheck;
            recheck.extend(created_on_incremental_feeds(&plan.ops, &outcomes, session));
            if recheck.is_empty() {
                break;
            }
            // Read those calendars again and re-plan: what the new listing shows beyond our own
            // writes (a racing edit, a copy deleted right after we made it) is handled now.
            observations.clear();
            for calendar in &recheck {
                self.recheck(session, &providers, checker, calendar).await?;
                // The listing was taken after this pass's writes: it supersedes their ETags.
                index_writes.remove(calendar);
                let (found, fixes) = self.observe(session, &providers, &state, calendar).await?;
                observations.extend(found);
                index_writes
                    .entry(calendar.clone())
                    .or_default()
                    .extend(fixes);
            }
        }
        report.halted.clone_from(&halted);
        report.ok = halted.is_none() && report.operations.values().all(|ops| ops.failed == 0);
        let new_status = LinkStatus {
            halted,
            allow_mass_delete_once: false,
            last_run: Some(checker.now),
            last_success: if report.ok {
                Some(checker.now)
            } else {
                status.last_success
            },
            last_error: report.halted.clone().or_else(|| {
                (!report.ok).then(|| "some writes failed; they are retried on the next pass".into())
            }),
            event_count: state.shadows.len(),
            version: status.version + 1,
        };
        let calendars = link
            .calendars
            .iter()
            .map(|calendar| {
                let writes = index_writes.remove(calendar).unwrap_or_default();
                let mut commit = match session.uncommitted.remove(calendar) {
                    Some(commit) => commit,
                    None => CalendarCommit {
                        calendar: calendar.clone(),
                        state: session.checked[calendar].commit.state.clone(),
                        index: BTreeMap::new(),
                        replace_index: false,
                    },
                };
                if let Some(checked) = session.checked.get_mut(calendar) {
                    for (remote_id, change) in &writes {
                        match change {
                            IndexChange::Upsert(etag) => {
                                checked
                                    .calendar
                                    .index
                                    .insert(remote_id.clone(), etag.clone());
                            }
                            IndexChange::Remove => {
                                checked.calendar.index.remove(remote_id);
                            }
                        }
                    }
                    // What `status` shows: the calendar after our own writes, not before.
                    commit.state.item_count = checked.calendar.index.len();
                }
                commit.index.extend(writes);
                commit
            })
            .collect();
        self.store
            .commit(
                &self.tenant,
                &SyncCommit {
                    calendars,
                    link: Some(LinkCommit {
                        link: link.id.clone(),
                        expected_version: status.version,
                        delta: total,
                        status: new_status,
                    }),
                },
            )
            .await?;
        Ok(())
    }

    fn link_providers(
        &self,
        link: &Link,
        session: &Session,
    ) -> Result<LinkProviders, UseCaseError> {
        link.calendars
            .iter()
            .map(|calendar| {
                let info = &session
                    .checked
                    .get(calendar)
                    .ok_or_else(|| UseCaseError::NotFound(format!("calendar {calendar}")))?
                    .calendar
                    .info;
                let provider = session
                    .providers
                    .get(&info.account)
                    .ok_or_else(|| UseCaseError::NotFound(format!("account {}", info.account)))?;
                Ok((calendar.clone(), (provider.clone(), info.clone())))
            })
            .collect()
    }

    async fn observe(
        &self,
        session: &mut Session,
        providers: &LinkProviders,
        state: &engine::LinkState,
        calendar: &CalendarId,
    ) -> Result<
        (
            Vec<Observation>,
            BTreeMap<crate::domain::RemoteId, IndexChange>,
        ),
        UseCaseError,
    > {
        let (provider, _) = &providers[calendar];
        let checked = session
            .checked
            .get_mut(calendar)
            .ok_or_else(|| UseCaseError::NotFound(format!("calendar {calendar}")))?;
        let reader = provider.as_ref();
        let result = self
            .retry
            .run(|| {
                let mut attempt = checked.calendar.clone();
                async move {
                    let observed = observe_calendar(reader, state, &mut attempt).await?;
                    Ok((observed, attempt))
                }
            })
            .await?;
        let ((observations, fixes), updated) = result;
        checked.calendar = updated;
        Ok((observations, fixes))
    }

    async fn recheck(
        &self,
        session: &mut Session,
        providers: &LinkProviders,
        checker: &CalendarChecker<'_>,
        calendar: &CalendarId,
    ) -> Result<(), UseCaseError> {
        let (provider, info) = &providers[calendar];
        let fresh = checker
            .check(provider.as_ref(), info.clone())
            .await
            .map_err(|e| match e {
                CheckError::Provider(p) => UseCaseError::Provider(p),
                CheckError::Store(s) => UseCaseError::Store(s),
            })?;
        // The re-check starts from the stored cursor, so its changes include the first check's.
        let merged_index = match session.uncommitted.remove(calendar) {
            Some(mut first) => {
                first.index.extend(fresh.commit.index.clone());
                first.state = fresh.commit.state.clone();
                first
            }
            None => fresh.commit.clone(),
        };
        session.uncommitted.insert(calendar.clone(), merged_index);
        session.checked.insert(calendar.clone(), fresh);
        Ok(())
    }

    async fn execute(
        &self,
        providers: &LinkProviders,
        ops: &[engine::PlannedOp],
        progress: &dyn Progress,
        report: &mut LinkReport,
        index_writes: &mut BTreeMap<CalendarId, BTreeMap<crate::domain::RemoteId, IndexChange>>,
    ) -> Vec<OpOutcome> {
        let calls: Vec<_> = ops
            .iter()
            .map(|planned| async move {
                let outcome = match providers.get(planned.op.calendar()) {
                    Some((provider, info)) => {
                        self.write(provider.as_ref(), info, &planned.op).await
                    }
                    None => OpOutcome::Failed {
                        reason: "calendar not in this link".into(),
                    },
                };
                progress.advanced(1);
                outcome
            })
            .collect();
        let outcomes: Vec<OpOutcome> = futures::stream::iter(calls)
            .buffered(self.write_parallelism.max(1))
            .collect()
            .await;
        for (planned, outcome) in ops.iter().zip(&outcomes) {
            let calendar = planned.op.calendar().clone();
            let tally = report.operations.entry(calendar.clone()).or_default();
            let writes = index_writes.entry(calendar).or_default();
            match (&planned.op, outcome) {
                (Operation::Create { .. }, OpOutcome::Written { remote_id, etag }) => {
                    tally.created += 1;
                    writes.insert(remote_id.clone(), IndexChange::Upsert(etag.clone()));
                }
                (Operation::Update { .. }, OpOutcome::Written { remote_id, etag }) => {
                    tally.updated += 1;
                    writes.insert(remote_id.clone(), IndexChange::Upsert(etag.clone()));
                }
                (Operation::Delete { item, .. }, OpOutcome::Deleted | OpOutcome::Missing) => {
                    tally.deleted += usize::from(*outcome == OpOutcome::Deleted);
                    writes.insert(item.remote_id.clone(), IndexChange::Remove);
                }
                (_, OpOutcome::Failed { reason }) => {
                    tally.failed += 1;
                    report.errors.push(reason.clone());
                }
                _ => {}
            }
        }
        outcomes
    }

    async fn write(
        &self,
        provider: &dyn CalendarProvider,
        info: &CalendarInfo,
        op: &Operation,
    ) -> OpOutcome {
        let result = match op {
            Operation::Create { key, event, .. } => self
                .retry
                .run(|| provider.create(info, key, event))
                .await
                .map(|w| OpOutcome::Written {
                    remote_id: w.remote_id,
                    etag: w.etag,
                }),
            Operation::Update { item, etag, event } => self
                .retry
                .run(|| provider.update(info, &item.remote_id, etag.as_ref(), event))
                .await
                .map(|w| OpOutcome::Written {
                    remote_id: w.remote_id,
                    etag: w.etag,
                }),
            Operation::Delete { item, etag } => self
                .retry
                .run(|| provider.delete(info, &item.remote_id, etag.as_ref()))
                .await
                .map(|()| OpOutcome::Deleted),
        };
        match result {
            Ok(outcome) => outcome,
            Err(ProviderError::PreconditionFailed) => OpOutcome::Raced,
            Err(ProviderError::NotFound) => OpOutcome::Missing,
            Err(error) => {
                tracing::warn!(calendar = %info.id, %error, "write failed");
                OpOutcome::Failed {
                    reason: format!("{}: {error}", info.id),
                }
            }
        }
    }
}

/// The calendars with an incremental change feed (a sync token) where `ops` created items.
/// Their feed must be read again after the writes: Xandikos's sync-collection omits a member
/// created and deleted since the token (its tokens name content states), so from the cursor of
/// the check before our writes, a copy deleted right after we made it would never show as gone.
fn created_on_incremental_feeds(
    ops: &[engine::PlannedOp],
    outcomes: &[OpOutcome],
    session: &Session,
) -> BTreeSet<CalendarId> {
    ops.iter()
        .zip(outcomes)
        .filter(|(planned, outcome)| {
            matches!(planned.op, Operation::Create { .. })
                && matches!(outcome, OpOutcome::Written { .. })
        })
        .map(|(planned, _)| planned.op.calendar())
        .filter(|calendar| {
            session
                .checked
                .get(*calendar)
                .is_some_and(|checked| checked.commit.state.cursor.token.is_some())
        })
        .cloned()
        .collect()
}

fn calendar_facts(link: &Link, session: &Session) -> BTreeMap<CalendarId, CalendarFacts> {
    link.calendars
        .iter()
        .filter_map(|calendar| {
            let checked = session.checked.get(calendar)?;
            let info = &checked.calendar.info;
            Some((
                calendar.clone(),
                CalendarFacts {
                    recurrence_ok: info.capabilities.recurrence_ok(),
                    read_only: info.read_only,
                    owner_emails: info.owner_emails.clone(),
                    item_count: checked.calendar.index.len(),
                },
            ))
        })
        .collect()
}

/// Windowed providers list the union of every link's window.
fn widest_window(links: &[Link], now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    links
        .iter()
        .map(|l| l.rules.window.bounds(now))
        .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)))
        .unwrap_or_else(|| crate::domain::SyncWindow::default().bounds(now))
}

/// The AWS functions and the test harness spawn passes, so a pass must be `Send`: this fails
/// to compile when it is not.
#[cfg(test)]
#[allow(dead_code)]
fn a_pass_is_send<'a>(
    service: &'a SyncService,
    options: &'a PassOptions,
) -> impl std::future::Future<Output = Result<Vec<LinkReport>, UseCaseError>> + Send + 'a {
    service.run_pass(options, &NoProgress)
}
