//! One sync pass over the tenant's links: check each member calendar once, then for each
//! link observe -> plan -> write -> settle -> commit (re-reading and re-planning after a 412).

mod link_pass;
mod report;
mod writes;

pub use report::{CalendarOps, LinkReport, NoProgress, Progress};

use super::check::{CalendarChecker, CheckError, Checked};
use super::{AccountService, Connector, RetryPolicy, UseCaseError};
use crate::domain::{AccountId, CalendarId, CalendarInfo, Link, LinkId, TenantId};
use crate::ports::{CalendarCommit, CalendarProvider, LinkStatus, Store, SyncCommit};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use link_pass::PassScope;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;

/// Calendars checked at once at the start of a pass.
const CHECK_CONCURRENCY: usize = 8;

#[derive(Debug, Clone, Default)]
pub struct PassOptions {
    /// Re-examine every event, not only the changed ones (daily, and after rule changes).
    pub full_reconcile: bool,
    /// Only these links (all when `None`).
    pub links: Option<Vec<LinkId>>,
    /// Ask the providers about these calendars only (all when `None`); the links' other
    /// calendars are taken as stored. A job names the calendars that are due or were
    /// notified: the others have checks of their own, and asking about them too would spend
    /// the polling budget of every calendar of a link on its busiest member.
    pub check_only: Option<BTreeSet<CalendarId>>,
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
        let all_links = self.store.list_links(&self.tenant).await?;
        self.run_pass_over(all_links, options, progress).await
    }

    /// [`Self::run_pass`] with every link of the tenant already listed by the caller (a job
    /// lists them to pick and lease its links): on DynamoDB a second listing is one more
    /// Query per job, and jobs run every 15 s per calendar.
    pub async fn run_pass_over(
        &self,
        all_links: Vec<Link>,
        options: &PassOptions,
        progress: &dyn Progress,
    ) -> Result<Vec<LinkReport>, UseCaseError> {
        let now = (self.clock)();
        let link_ids: BTreeSet<LinkId> = all_links.iter().map(|l| l.id.clone()).collect();
        let links: Vec<Link> = match &options.links {
            Some(only) => all_links
                .into_iter()
                .filter(|l| only.contains(&l.id))
                .collect(),
            None => all_links,
        };
        let checker = CalendarChecker {
            tenant: &self.tenant,
            store: self.store.as_ref(),
            retry: self.retry,
            now,
            window: widest_window(&links, now),
        };
        let mut session = Session::default();
        self.check_calendars(&links, &checker, options.check_only.as_ref(), &mut session)
            .await?;
        let scope = PassScope {
            link_ids: &link_ids,
            checker: &checker,
            options,
            progress,
        };
        let mut reports = Vec::new();
        for link in &links {
            let span = tracing::info_span!("link", link = %link.id);
            let report = self
                .sync_link(link, &mut session, &scope)
                .instrument(span)
                .await;
            reports.push(report);
        }
        // Checks of calendars whose links did not commit them (skipped, failed, unlinked).
        if !session.uncommitted.is_empty() {
            let calendars = std::mem::take(&mut session.uncommitted)
                .into_values()
                .collect();
            let commit = SyncCommit {
                calendars,
                link: None,
            };
            self.store.commit(&self.tenant, &commit).await?;
        }
        Ok(reports)
    }

    /// Connects each account once and checks every member calendar of `links`, a few at once.
    async fn check_calendars(
        &self,
        links: &[Link],
        checker: &CalendarChecker<'_>,
        check_only: Option<&BTreeSet<CalendarId>>,
        session: &mut Session,
    ) -> Result<(), UseCaseError> {
        let calendars: BTreeMap<CalendarId, CalendarInfo> = self
            .store
            .list_calendars(&self.tenant)
            .await?
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        let members: BTreeSet<&CalendarId> = links.iter().flat_map(|l| &l.calendars).collect();
        for calendar in &members {
            let Some(info) = calendars.get(*calendar) else {
                session
                    .failed
                    .insert((*calendar).clone(), "calendar no longer known".into());
                continue;
            };
            if let Err(error) = self.provider(session, &info.account).await {
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
                let ask = check_only.is_none_or(|only| only.contains(*calendar));
                Some(async move {
                    let result = if ask {
                        checker.check(provider.as_ref(), info.clone()).await
                    } else {
                        checker.as_stored(info.clone()).await
                    };
                    (info, result)
                })
            })
            .collect();
        let results: Vec<(CalendarInfo, Result<Checked, CheckError>)> =
            futures::stream::iter(checks)
                .buffer_unordered(CHECK_CONCURRENCY)
                .collect()
                .await;
        for (info, result) in results {
            match result {
                Ok(checked) => {
                    if checked.worth_recording {
                        session
                            .uncommitted
                            .insert(info.id.clone(), checked.commit.clone());
                    }
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
        Ok(())
    }

    async fn sync_link(
        &self,
        link: &Link,
        session: &mut Session,
        scope: &PassScope<'_>,
    ) -> LinkReport {
        let started = Instant::now();
        let mut report = LinkReport::new(link);
        let failed: Vec<String> = link
            .calendars
            .iter()
            .filter_map(|c| session.failed.get(c).map(|e| format!("{c}: {e}")))
            .collect();
        if !failed.is_empty() {
            report.ok = false;
            report.errors = failed;
            flag_for_retry(link, session);
            self.record_failure(link, scope.checker.now).await;
        } else if let Err(error) = self
            .sync_checked_link(link, session, scope, &mut report)
            .await
        {
            report.ok = false;
            report.errors.push(error.to_string());
            flag_for_retry(link, session);
            self.record_failure(link, scope.checker.now).await;
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

    /// Marks a link whose pass failed before committing anything as run without success.
    /// Its calendars' checks are committed without it (see `run_pass`), so the next checks may
    /// report no change: without this mark the link would look quiet and be skipped, and the
    /// changes those checks consumed would wait for the next unrelated change (found by the
    /// chaos run: deletions under API errors never reached the other calendars).
    async fn record_failure(&self, link: &Link, now: DateTime<Utc>) {
        let recorded = async {
            let current = self.store.link_status(&self.tenant, &link.id).await?;
            let status = LinkStatus {
                last_run: Some(now),
                last_error: Some("the pass failed; it is retried".into()),
                version: current.version + 1,
                ..current.clone()
            };
            self.store
                .put_link_status(&self.tenant, &link.id, current.version, &status)
                .await
        };
        if let Err(error) = recorded.await {
            tracing::warn!(%error, "could not record the failed pass");
        }
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
}

/// Records an error on the checks of a failed link's calendars (committed at the end of the
/// pass). Their cursors move on without the link; with the error the scheduler gives their
/// next checks no cursor, so those take the normal path, which retries the link, instead of
/// confirming "unchanged" without looking at it.
fn flag_for_retry(link: &Link, session: &mut Session) {
    for calendar in &link.calendars {
        let Some(checked) = session.checked.get(calendar) else {
            continue;
        };
        let commit = session
            .uncommitted
            .entry(calendar.clone())
            .or_insert_with(|| checked.commit.clone());
        commit
            .state
            .last_error
            .get_or_insert_with(|| format!("link {}: the pass failed; it is retried", link.id));
    }
}

/// Windowed providers list the union of every link's window.
pub(crate) fn widest_window(links: &[Link], now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
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
