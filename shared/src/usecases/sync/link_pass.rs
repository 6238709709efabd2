//! One link within a pass: observe its calendars, then plan -> write -> settle in rounds (a
//! round re-reads calendars where a write raced or created items), then commit it all at once.

use super::writes::IndexWrites;
use super::{LinkProviders, LinkReport, PassOptions, Progress, Session, SyncService};
use crate::domain::{CalendarId, Link, LinkId, SyncCursor};
use crate::engine::{
    self, CalendarFacts, LinkState, LinkStateDelta, Observation, OpOutcome, Operation, PlanInput,
    PlannedOp,
};
use crate::ports::{CalendarCommit, IndexChange, LinkCommit, LinkStatus, SyncCommit};
use crate::usecases::UseCaseError;
use crate::usecases::check::{CalendarChecker, CheckError};
use crate::usecases::observe::observe_calendar;
use std::collections::{BTreeMap, BTreeSet};

/// How many plan/write rounds one link gets in one pass.
const MAX_ROUNDS: usize = 4;

/// What a link pass needs from the pass around it.
pub(super) struct PassScope<'a> {
    pub link_ids: &'a BTreeSet<LinkId>,
    pub checker: &'a CalendarChecker<'a>,
    pub options: &'a PassOptions,
    pub progress: &'a dyn Progress,
}

struct LinkPass<'a> {
    service: &'a SyncService,
    scope: &'a PassScope<'a>,
    link: &'a Link,
    session: &'a mut Session,
    providers: LinkProviders,
    state: LinkState,
    status: LinkStatus,
    index_writes: IndexWrites,
    report: &'a mut LinkReport,
}

impl SyncService {
    /// Syncs one link; `report` says how it went. An `Err` is an error of the pass (store,
    /// provider) that left nothing committed for the link: it comes before any write. A
    /// failure after writes is committed with them and reported in `report.errors`.
    pub(super) async fn sync_checked_link(
        &self,
        link: &Link,
        session: &mut Session,
        scope: &PassScope<'_>,
        report: &mut LinkReport,
    ) -> Result<(), UseCaseError> {
        let status = self.store.link_status(&self.tenant, &link.id).await?;
        if let Some(reason) = &status.halted {
            report.ok = false;
            report.halted = Some(reason.clone());
            return Ok(());
        }
        if is_quiet(link, session, &status) && !scope.options.full_reconcile {
            // Nothing changed anywhere and the last pass finished cleanly: nothing to plan.
            report.skipped = true;
            return Ok(());
        }
        let stored = self.store.load_link_state(&self.tenant, &link.id).await?;
        let providers = self.link_providers(link, session)?;
        let mut pass = LinkPass {
            service: self,
            scope,
            link,
            session,
            providers,
            state: stored.state,
            status: stored.status,
            index_writes: IndexWrites::new(),
            report,
        };
        let mut observations = Vec::new();
        for calendar in &link.calendars {
            observations.extend(pass.observe(calendar).await?);
        }
        let (delta, halted) = pass.rounds(observations).await?;
        pass.commit(delta, halted).await
    }
}

/// Every calendar reported no change and the last pass ended cleanly.
fn is_quiet(link: &Link, session: &Session, status: &LinkStatus) -> bool {
    let unchanged = link.calendars.iter().all(|c| {
        session
            .checked
            .get(c)
            .is_some_and(|checked| checked.unchanged)
    });
    unchanged
        && status.version > 0
        && status.last_success == status.last_run
        && !status.allow_mass_delete_once
}

impl LinkPass<'_> {
    /// Plans and writes until a round needs no re-read; returns the accumulated state changes
    /// and, when the deletion guard stopped the link, why.
    async fn rounds(
        &mut self,
        mut observations: Vec<Observation>,
    ) -> Result<(LinkStateDelta, Option<String>), UseCaseError> {
        let other_links: BTreeSet<LinkId> = self
            .scope
            .link_ids
            .iter()
            .filter(|id| *id != &self.link.id)
            .cloned()
            .collect();
        let mut total = LinkStateDelta::default();
        for round in 0..MAX_ROUNDS {
            let facts = calendar_facts(self.link, self.session);
            let plan = engine::plan(&PlanInput {
                tenant: &self.service.tenant,
                link: self.link,
                other_links: &other_links,
                calendars: &facts,
                observations: &observations,
                state: &self.state,
                now: self.scope.checker.now,
                full_reconcile: self.scope.options.full_reconcile && round == 0,
                allow_mass_delete: self.status.allow_mass_delete_once,
            });
            self.report
                .notices
                .extend(plan.notices.iter().map(ToString::to_string));
            self.report.conflicts.extend(
                plan.conflicts
                    .iter()
                    .map(|c| format!("{}: {} kept from {}", c.origin.uid, c.field, c.winner)),
            );
            if let Some(trip) = &plan.halt {
                tracing::warn!(%trip, "deletion guard tripped");
                return Ok((total, Some(trip.to_string())));
            }
            self.scope.progress.planned(&self.link.name, plan.ops.len());
            if let Err(error) = self.record_intent(&plan).await {
                if round == 0 {
                    return Err(error);
                }
                // Earlier rounds wrote: commit them with the error, as after a failed re-read.
                self.report.errors.push(error.to_string());
                return Ok((total, None));
            }
            let outcomes = self
                .service
                .execute(
                    &self.providers,
                    &plan.ops,
                    self.scope.progress,
                    self.report,
                    &mut self.index_writes,
                )
                .await;
            let settlement = engine::settle(&plan, &outcomes);
            self.state.apply(&settlement.delta);
            total.extend(settlement.delta);
            let mut recheck = settlement.recheck;
            recheck.extend(created_on_incremental_feeds(
                &plan.ops,
                &outcomes,
                self.session,
            ));
            if recheck.is_empty() {
                break;
            }
            // Read those calendars again and re-plan: what the new listing shows beyond our own
            // writes (a racing edit, a copy deleted right after we made it) is handled now.
            observations.clear();
            for (done, calendar) in recheck.iter().enumerate() {
                if let Err(error) = self.reread(calendar, &mut observations).await {
                    // The writes so far happened: commit them with the error (the job is
                    // retried and reads again). Dropping them would leave copies unknown and
                    // make our own writes look like users' edits on the next pass, stamped
                    // with the provider's write time and so newer than the edits they carried.
                    self.report.errors.push(error.to_string());
                    let unread: BTreeSet<CalendarId> = recheck.iter().skip(done).cloned().collect();
                    self.relist_unread(&unread);
                    return Ok((total, None));
                }
            }
        }
        Ok((total, None))
    }

    /// Commits what `plan` is about to write before writing it (see [`engine::intent`]): a
    /// worker killed between its writes and their commit would otherwise leave them unknown,
    /// and the next pass would take them for users' edits stamped with the providers' write
    /// times, newer than the edits they carried (chaos run with kills). One more store write
    /// per round that writes; none for a pass with nothing to write.
    async fn record_intent(&mut self, plan: &engine::Plan) -> Result<(), UseCaseError> {
        if plan.ops.is_empty() {
            return Ok(());
        }
        // A pass under way, not yet a success: should its worker be killed, the next pass
        // over the link is not skipped as quiet (the checks this intent commits found
        // nothing new then) and looks at what this one left unconfirmed.
        let status = LinkStatus {
            version: self.status.version + 1,
            last_run: Some(self.scope.checker.now),
            ..self.status.clone()
        };
        // The intent binds the items this pass's checks found and the copies earlier rounds
        // made: those checks and writes go with it. A worker killed before the final commit
        // would otherwise leave bindings to items the stored index lacks, and a later job
        // taking the calendar as stored would see them as deleted (chaos run: every calendar's
        // events "deleted" at once).
        let pending: Vec<CalendarId> = self
            .link
            .calendars
            .iter()
            .filter(|c| {
                self.session.uncommitted.contains_key(*c) || self.index_writes.contains_key(*c)
            })
            .cloned()
            .collect();
        let calendars = pending
            .iter()
            .map(|c| calendar_commit(self.session, &self.index_writes, c))
            .collect();
        let commit = SyncCommit {
            calendars,
            link: Some(LinkCommit {
                link: self.link.id.clone(),
                expected_version: self.status.version,
                delta: engine::intent(plan),
                status: status.clone(),
            }),
        };
        self.service
            .store
            .commit(&self.service.tenant, &commit)
            .await?;
        // Stored: the final commit carries only what comes after. Refused, they stay for it.
        forget_committed(self.session, &mut self.index_writes, &pending);
        self.status = status;
        Ok(())
    }

    /// Makes the next check list in full the calendars that were to be read again after this
    /// pass's writes but were not: their cursor is still the one from before the writes, and a
    /// feed from there may omit an item we created that someone deleted since (Xandikos's
    /// tokens name content states), which the index would then hold for ever. Dropping the
    /// writes from the index instead would make a check that takes the calendar as stored see
    /// our own copies as deleted.
    fn relist_unread(&mut self, unread: &BTreeSet<CalendarId>) {
        for calendar in unread {
            if let Some(commit) = self.session.uncommitted.get_mut(calendar) {
                commit.state.cursor = SyncCursor::default();
            }
            if let Some(checked) = self.session.checked.get_mut(calendar) {
                checked.commit.state.cursor = SyncCursor::default();
            }
        }
    }

    /// Checks `calendar` again after this pass's writes and adds what it shows.
    async fn reread(
        &mut self,
        calendar: &CalendarId,
        observations: &mut Vec<Observation>,
    ) -> Result<(), UseCaseError> {
        self.recheck(calendar).await?;
        // The listing was taken after this pass's writes: it supersedes their ETags.
        self.index_writes.remove(calendar);
        observations.extend(self.observe(calendar).await?);
        Ok(())
    }

    /// The observations of one calendar, reading the bodies it needs; index corrections found
    /// while reading are kept for the commit.
    async fn observe(&mut self, calendar: &CalendarId) -> Result<Vec<Observation>, UseCaseError> {
        let (provider, _) = &self.providers[calendar];
        let checked = self
            .session
            .checked
            .get_mut(calendar)
            .ok_or_else(|| UseCaseError::NotFound(format!("calendar {calendar}")))?;
        let reader = provider.as_ref();
        let state = &self.state;
        let ((observations, fixes), updated) = self
            .service
            .retry
            .run(|| {
                let mut attempt = checked.calendar.clone();
                async move {
                    let observed = observe_calendar(reader, state, &mut attempt).await?;
                    Ok((observed, attempt))
                }
            })
            .await?;
        checked.calendar = updated;
        self.index_writes
            .entry(calendar.clone())
            .or_default()
            .extend(fixes);
        Ok(observations)
    }

    /// Checks a calendar again (from its stored cursor, so the changes include the first
    /// check's) and makes that the calendar's state for the rest of the pass.
    async fn recheck(&mut self, calendar: &CalendarId) -> Result<(), UseCaseError> {
        let (provider, info) = &self.providers[calendar];
        let fresh = self
            .scope
            .checker
            .check(provider.as_ref(), info.clone())
            .await
            .map_err(|e| match e {
                CheckError::Provider(p) => UseCaseError::Provider(p),
                CheckError::Store(s) => UseCaseError::Store(s),
            })?;
        // The fresh check ran from the stored cursor against the stored index, so its changes
        // already cover the first check's: it replaces that commit rather than adding to it.
        // Added, an item the first check saw that was deleted since would stay in the index:
        // a feed that omits items created and deleted after its cursor (Radicale, Xandikos)
        // would never report it gone (chaos run: a copy deleted right after we made it came
        // back as half deleted).
        self.session
            .uncommitted
            .insert(calendar.clone(), fresh.commit.clone());
        self.session.checked.insert(calendar.clone(), fresh);
        Ok(())
    }

    /// One transaction: the member calendars' cursors and index changes not yet committed by
    /// another link, this pass's index changes, the link's state changes and its new status.
    async fn commit(
        mut self,
        delta: LinkStateDelta,
        halted: Option<String>,
    ) -> Result<(), UseCaseError> {
        let now = self.scope.checker.now;
        let report = &mut *self.report;
        report.halted.clone_from(&halted);
        report.ok = halted.is_none()
            && report.errors.is_empty()
            && report.operations.values().all(|ops| ops.failed == 0);
        let status = LinkStatus {
            halted,
            allow_mass_delete_once: false,
            last_run: Some(now),
            last_success: if report.ok {
                Some(now)
            } else {
                self.status.last_success
            },
            last_error: report.halted.clone().or_else(|| {
                let writes_failed = report.operations.values().any(|ops| ops.failed > 0);
                (!report.ok).then(|| {
                    if writes_failed {
                        "some writes failed; they are retried on the next pass".into()
                    } else {
                        "a re-read after this pass's writes failed; the pass is retried".into()
                    }
                })
            }),
            event_count: self.state.shadows.len(),
            version: self.status.version + 1,
        };
        // Failed writes are retried by the next pass over the link: the calendars' checks
        // carry the error so that their next checks take the normal path (see
        // `flag_for_retry`).
        let retry = report.halted.is_none() && !report.ok;
        let calendars = self
            .link
            .calendars
            .iter()
            .map(|calendar| {
                let mut commit = calendar_commit(self.session, &self.index_writes, calendar);
                if retry && commit.state.last_error.is_none() {
                    commit.state.last_error.clone_from(&status.last_error);
                }
                commit
            })
            .collect();
        forget_committed(self.session, &mut self.index_writes, &self.link.calendars);
        let commit = SyncCommit {
            calendars,
            link: Some(LinkCommit {
                link: self.link.id.clone(),
                expected_version: self.status.version,
                delta,
                status,
            }),
        };
        self.service
            .store
            .commit(&self.service.tenant, &commit)
            .await?;
        Ok(())
    }
}

/// The commit of one member calendar: its check (unless another link committed it already)
/// plus this link's writes, which also update the index the rest of the pass sees.
fn calendar_commit(
    session: &mut Session,
    index_writes: &IndexWrites,
    calendar: &CalendarId,
) -> CalendarCommit {
    let writes = index_writes.get(calendar).cloned().unwrap_or_default();
    let mut commit = session
        .uncommitted
        .get(calendar)
        .cloned()
        .unwrap_or_else(|| CalendarCommit {
            calendar: calendar.clone(),
            state: session.checked[calendar].commit.state.clone(),
            index: BTreeMap::new(),
            replace_index: false,
        });
    if let Some(checked) = session.checked.get_mut(calendar) {
        // The pass's own view of the index after its writes, committed or not.
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
}

/// Drops the checks and writes of `calendars` from what the pass still has to commit.
fn forget_committed(
    session: &mut Session,
    index_writes: &mut IndexWrites,
    calendars: &[CalendarId],
) {
    for calendar in calendars {
        session.uncommitted.remove(calendar);
        index_writes.remove(calendar);
    }
}

/// The calendars with an incremental change feed (a sync token) where `ops` created items.
/// Their feed must be read again after the writes: Xandikos's sync-collection omits a member
/// created and deleted since the token (its tokens name content states), so from the cursor of
/// the check before our writes, a copy deleted right after we made it would never show as gone.
fn created_on_incremental_feeds(
    ops: &[PlannedOp],
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
