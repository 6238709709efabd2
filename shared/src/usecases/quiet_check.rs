//! Checks that cost no store access: a job carries the cursor the store held for each of its
//! calendars when the tick planned it, and a warm worker remembers for a few minutes what it
//! needs to ask the providers (the calendars, their accounts' connected providers, the links'
//! windows). A provider answering with the job's cursor and no change means there is nothing
//! to do; any other answer, or anything not remembered, sends the job down the normal path,
//! which reads the real stored state. A stale cursor therefore only costs reads.

use super::SyncService;
use super::sync::widest_window;
use crate::domain::TenantId;
use crate::domain::{AccountId, CalendarId, CalendarInfo, Link, RecurrenceSupport, SyncCursor};
use crate::ports::{CalendarProvider, ChangeBatch, Listing};
use chrono::{DateTime, TimeDelta, Utc};
use futures::StreamExt;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

/// How long a warm worker trusts what it remembers of a tenant: a calendar moved or an
/// account's secret replaced in the meantime only sends checks down the normal path.
const REMEMBER_FOR: TimeDelta = TimeDelta::minutes(5);
/// Tenants remembered at once by one worker.
const MAX_TENANTS: usize = 1000;
/// Calendars asked at once.
const CHECK_CONCURRENCY: usize = 8;

/// What one warm worker remembers of the tenants whose jobs it ran.
#[derive(Default)]
pub struct WarmTenants {
    tenants: Mutex<HashMap<TenantId, Arc<WarmTenant>>>,
}

struct WarmTenant {
    loaded_at: DateTime<Utc>,
    links: Vec<Link>,
    calendars: BTreeMap<CalendarId, (CalendarInfo, Arc<dyn CalendarProvider>)>,
}

impl WarmTenants {
    /// `true` when every one of `calendars` has a cursor in `cursors` and its provider
    /// confirms it unchanged since: the job has nothing to do. `false` says nothing (the
    /// normal path finds out).
    pub async fn all_unchanged(
        &self,
        sync: &SyncService,
        calendars: &[CalendarId],
        cursors: &BTreeMap<CalendarId, SyncCursor>,
    ) -> bool {
        if calendars.is_empty() || !calendars.iter().all(|c| cursors.contains_key(c)) {
            return false;
        }
        let now = (sync.clock)();
        let Some(tenant) = self.tenant(sync, now).await else {
            return false;
        };
        let window = widest_window(&tenant.links, now);
        let mut asks = Vec::new();
        for calendar in calendars {
            let (Some((info, provider)), Some(cursor)) =
                (tenant.calendars.get(calendar), cursors.get(calendar))
            else {
                return false;
            };
            if info.capabilities.recurrence == RecurrenceSupport::Unknown && !info.read_only {
                // Not probed yet: the normal path probes it.
                return false;
            }
            asks.push(async move {
                match provider.changes(info, cursor, window).await {
                    Ok(batch) => Ok(confirms(&batch, cursor)),
                    Err(error) => Err(error),
                }
            });
        }
        let answers: Vec<_> = futures::stream::iter(asks)
            .buffer_unordered(CHECK_CONCURRENCY)
            .collect()
            .await;
        if answers.iter().any(Result::is_err) {
            // A secret may have been replaced: connect afresh next time.
            self.forget(&sync.tenant);
            return false;
        }
        answers.into_iter().all(|answer| answer.unwrap_or(false))
    }

    async fn tenant(&self, sync: &SyncService, now: DateTime<Utc>) -> Option<Arc<WarmTenant>> {
        if let Some(known) = self.lock().get(&sync.tenant)
            && now - known.loaded_at < REMEMBER_FOR
        {
            return Some(known.clone());
        }
        let loaded = Arc::new(load(sync, now).await?);
        let mut tenants = self.lock();
        if tenants.len() >= MAX_TENANTS {
            tenants.retain(|_, t| now - t.loaded_at < REMEMBER_FOR);
            if tenants.len() >= MAX_TENANTS {
                tenants.clear();
            }
        }
        tenants.insert(sync.tenant.clone(), loaded.clone());
        Some(loaded)
    }

    fn forget(&self, tenant: &TenantId) {
        self.lock().remove(tenant);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TenantId, Arc<WarmTenant>>> {
        // A panic while holding it leaves only a cache behind: keep using it.
        self.tenants
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The provider's answer says nothing changed since `cursor`.
fn confirms(batch: &ChangeBatch, cursor: &SyncCursor) -> bool {
    batch.cursor == *cursor
        && match &batch.listing {
            Listing::Unchanged => true,
            Listing::Delta(items) => items.is_empty(),
            Listing::Complete { .. } => false,
        }
}

/// Reads the tenant's links, calendars and accounts and connects each account once; `None`
/// when the store cannot be read (the normal path reports it).
async fn load(sync: &SyncService, now: DateTime<Utc>) -> Option<WarmTenant> {
    let links = sync.store.list_links(&sync.tenant).await.ok()?;
    let linked: BTreeSet<&CalendarId> = links.iter().flat_map(|l| &l.calendars).collect();
    let infos: Vec<CalendarInfo> = sync
        .store
        .list_calendars(&sync.tenant)
        .await
        .ok()?
        .into_iter()
        .filter(|info| linked.contains(&info.id))
        .collect();
    let mut providers: BTreeMap<AccountId, Option<Arc<dyn CalendarProvider>>> = BTreeMap::new();
    let mut calendars = BTreeMap::new();
    for info in infos {
        if !providers.contains_key(&info.account) {
            let connected = connect(sync, &info.account).await;
            providers.insert(info.account.clone(), connected);
        }
        // An account that cannot be connected: its calendars take the normal path.
        if let Some(Some(provider)) = providers.get(&info.account) {
            calendars.insert(info.id.clone(), (info, provider.clone()));
        }
    }
    Some(WarmTenant {
        loaded_at: now,
        links,
        calendars,
    })
}

async fn connect(sync: &SyncService, account: &AccountId) -> Option<Arc<dyn CalendarProvider>> {
    let stored = sync.store.get_account(&sync.tenant, account).await.ok()??;
    let credentials = sync.accounts.credentials(&stored).await.ok()?;
    sync.connector.connect(&credentials).await.ok()
}
