//! Checking one calendar for changes: the cheap gate, then the changes since the cursor,
//! folded into the calendar's index.

use super::RetryPolicy;
use super::observe::CheckedCalendar;
use crate::domain::{CalendarInfo, RecurrenceSupport, SyncCursor, TenantId};
use crate::ports::{
    CalendarCommit, CalendarProvider, CalendarSyncState, IndexChange, ItemChange, Listing,
    ProviderError, Store, StoreError,
};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug)]
pub(crate) struct Checked {
    pub calendar: CheckedCalendar,
    pub commit: CalendarCommit,
    pub unchanged: bool,
    /// The commit says something the store does not know yet. A check that found nothing
    /// new is recorded only now and then: on DynamoDB every recorded check is a
    /// transactional write, and with checks every 15 s those writes would be most of the bill.
    pub worth_recording: bool,
}

/// How stale `last_checked` may get in `status` for a calendar that keeps not changing.
const RECORD_UNCHANGED_CHECKS_EVERY: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

#[derive(Debug, thiserror::Error)]
pub(crate) enum CheckError {
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub(crate) struct CalendarChecker<'a> {
    pub tenant: &'a TenantId,
    pub store: &'a dyn Store,
    pub retry: RetryPolicy,
    pub now: DateTime<Utc>,
    pub window: (DateTime<Utc>, DateTime<Utc>),
}

impl CalendarChecker<'_> {
    pub async fn check(
        &self,
        provider: &dyn CalendarProvider,
        mut info: CalendarInfo,
    ) -> Result<Checked, CheckError> {
        if info.capabilities.recurrence == RecurrenceSupport::Unknown && !info.read_only {
            // Once per calendar: does its server keep RRULE/EXDATE/overrides intact?
            let probed = self.retry.run(|| provider.probe(&info)).await?;
            if probed != info.capabilities {
                info.capabilities = probed;
                self.store.put_calendar(self.tenant, &info).await?;
            }
        }
        let prior = self.store.calendar_state(self.tenant, &info.id).await?;
        let mut batch = self
            .retry
            .run(|| provider.changes(&info, &prior.cursor, self.window))
            .await;
        if matches!(batch, Err(ProviderError::Gone)) {
            // The sync token expired: list everything again; bindings keep copies linked.
            tracing::info!(calendar = %info.id, "sync state expired, listing the calendar again");
            let fresh = SyncCursor::default();
            batch = self
                .retry
                .run(|| provider.changes(&info, &fresh, self.window))
                .await;
        }
        let batch = batch?;
        let mut index = self.store.item_index(self.tenant, &info.id).await?;
        let mut changes = BTreeMap::new();
        let mut bodies = BTreeMap::new();
        let (unchanged, windowed) = match batch.listing {
            Listing::Unchanged => (true, false),
            Listing::Delta(items) => {
                for item in items {
                    fold_change(item, &mut index, &mut changes, &mut bodies);
                }
                (false, false)
            }
            Listing::Complete { items, windowed } => {
                let listed: BTreeSet<_> = items
                    .iter()
                    .filter_map(|item| match item {
                        ItemChange::Upserted { remote_id, .. } => Some(remote_id.clone()),
                        ItemChange::Removed { .. } => None,
                    })
                    .collect();
                let gone: Vec<_> = index
                    .keys()
                    .filter(|id| !listed.contains(*id))
                    .cloned()
                    .collect();
                for remote_id in gone {
                    index.remove(&remote_id);
                    changes.insert(remote_id, IndexChange::Remove);
                }
                for item in items {
                    fold_change(item, &mut index, &mut changes, &mut bodies);
                }
                (false, windowed)
            }
        };
        // Reports of our own writes (already in the index) are not changes.
        let unchanged = unchanged || changes.is_empty();
        let state = CalendarSyncState {
            cursor: batch.cursor,
            method: batch.method,
            last_checked: Some(self.now),
            last_success: Some(self.now),
            last_error: None,
            item_count: index.len(),
            // A calendar seen for the first time was just linked: someone is at work on it.
            last_changed: if unchanged && prior.last_checked.is_some() {
                prior.last_changed
            } else {
                Some(self.now)
            },
        };
        let same_as_stored = state.cursor == prior.cursor
            && state.method == prior.method
            && state.item_count == prior.item_count
            && prior.last_error.is_none()
            && prior
                .last_checked
                .is_some_and(|at| self.now - at < RECORD_UNCHANGED_CHECKS_EVERY);
        let worth_recording = !unchanged || !same_as_stored;
        Ok(Checked {
            commit: CalendarCommit {
                calendar: info.id.clone(),
                state,
                index: changes,
                replace_index: false,
            },
            calendar: CheckedCalendar {
                info,
                index,
                bodies,
                windowed,
            },
            unchanged,
            worth_recording,
        })
    }

    /// A calendar this pass does not ask its provider about: unchanged, as stored.
    pub async fn as_stored(&self, info: CalendarInfo) -> Result<Checked, CheckError> {
        let state = self.store.calendar_state(self.tenant, &info.id).await?;
        let index = self.store.item_index(self.tenant, &info.id).await?;
        Ok(Checked {
            commit: CalendarCommit {
                calendar: info.id.clone(),
                state,
                index: BTreeMap::new(),
                replace_index: false,
            },
            calendar: CheckedCalendar {
                info,
                index,
                bodies: BTreeMap::new(),
                windowed: false,
            },
            unchanged: true,
            worth_recording: false,
        })
    }

    /// The commit recording a failed check: the cursor stays, the error shows in `status`.
    pub async fn failure(&self, info: &CalendarInfo, error: &CheckError) -> CalendarCommit {
        let prior = self
            .store
            .calendar_state(self.tenant, &info.id)
            .await
            .unwrap_or_default();
        CalendarCommit {
            calendar: info.id.clone(),
            state: CalendarSyncState {
                last_checked: Some(self.now),
                last_error: Some(error.to_string()),
                ..prior
            },
            index: BTreeMap::new(),
            replace_index: false,
        }
    }
}

fn fold_change(
    item: ItemChange,
    index: &mut crate::ports::ItemIndex,
    changes: &mut BTreeMap<crate::domain::RemoteId, IndexChange>,
    bodies: &mut BTreeMap<
        crate::domain::RemoteId,
        (Option<crate::domain::Etag>, crate::ports::ItemBody),
    >,
) {
    match item {
        ItemChange::Upserted {
            remote_id,
            etag,
            body,
        } => {
            // Servers may report unchanged members (DAViCal): only a new ETag is a change.
            let known = index.get(&remote_id);
            if known != Some(&etag) || etag.is_none() {
                index.insert(remote_id.clone(), etag.clone());
                changes.insert(remote_id.clone(), IndexChange::Upsert(etag.clone()));
            }
            if let Some(body) = body {
                bodies.insert(remote_id, (etag, body));
            }
        }
        ItemChange::Removed { remote_id } => {
            if index.remove(&remote_id).is_some() {
                changes.insert(remote_id, IndexChange::Remove);
            }
        }
    }
}
