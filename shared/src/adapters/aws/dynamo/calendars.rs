//! Calendars: their description and sync state on one item, their item index in a
//! partition of its own.

use super::codec::{Item, from_json, index_pk, item, json, optional_string, s, string, tenant_pk};
use super::{Condition, DynamoStore};
use crate::domain::{CalendarId, CalendarInfo, Etag, RemoteId, TenantId};
use crate::ports::{
    CalendarCommit, CalendarStore, CalendarSyncState, IndexChange, ItemIndex, StoreError,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::TransactWriteItem;
use std::collections::BTreeMap;

pub(super) fn calendar_sk(id: &CalendarId) -> String {
    format!("CALENDAR#{id}")
}

fn item_sk(remote_id: &RemoteId) -> String {
    format!("ITEM#{}", remote_id.0)
}

fn calendar_from(item: &Item) -> Result<CalendarInfo, StoreError> {
    from_json("calendar", item, "body")
}

impl DynamoStore {
    async fn read_index(
        &self,
        tenant: &TenantId,
        id: &CalendarId,
    ) -> Result<ItemIndex, StoreError> {
        self.query(index_pk(tenant, id), "ITEM#")
            .await?
            .iter()
            .map(|item| {
                Ok((
                    RemoteId(string(item, "remote_id")?.to_string()),
                    optional_string(item, "etag")?.map(|etag| Etag(etag.to_string())),
                ))
            })
            .collect()
    }

    /// Removes a calendar, then its index (so a retry after a failure finds nothing stale).
    pub(super) async fn delete_calendar(
        &self,
        tenant: &TenantId,
        id: &CalendarId,
    ) -> Result<(), StoreError> {
        self.transact_or(
            vec![self.delete(tenant_pk(tenant), calendar_sk(id), None)?],
            || StoreError::Conflict(format!("calendar {id} changed while being deleted")),
        )
        .await?;
        let index = self.query(index_pk(tenant, id), "ITEM#").await?;
        self.delete_all(index).await
    }

    /// The index writes of one calendar's part of a commit. A complete listing writes only
    /// what differs from the stored index, like the SQLite adapter: re-listing 10,000
    /// unchanged items costs a read, not 10,000 writes.
    pub(super) async fn index_writes(
        &self,
        tenant: &TenantId,
        commit: &CalendarCommit,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let pk = index_pk(tenant, &commit.calendar);
        if !commit.replace_index {
            let changes: Vec<_> = commit
                .index
                .iter()
                .map(|(id, change)| match change {
                    IndexChange::Upsert(etag) => (id, Some(etag)),
                    IndexChange::Remove => (id, None),
                })
                .collect();
            return self.writes_for(&pk, &changes);
        }
        let stored = self.read_index(tenant, &commit.calendar).await?;
        let gone = stored
            .keys()
            .filter(|id| !matches!(commit.index.get(*id), Some(IndexChange::Upsert(_))))
            .map(|id| (id, None));
        let changed = commit.index.iter().filter_map(|(id, change)| match change {
            IndexChange::Upsert(etag) if stored.get(id) == Some(etag) => None,
            IndexChange::Upsert(etag) => Some((id, Some(etag))),
            IndexChange::Remove => None,
        });
        let changes: Vec<_> = gone.chain(changed).collect();
        self.writes_for(&pk, &changes)
    }

    /// `Some(etag)` upserts, `None` removes.
    fn writes_for(
        &self,
        pk: &str,
        changes: &[(&RemoteId, Option<&Option<Etag>>)],
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        changes
            .iter()
            .map(|(id, change)| match change {
                Some(etag) => {
                    let mut attributes = vec![("remote_id", s(&id.0))];
                    if let Some(etag) = etag {
                        attributes.push(("etag", s(&etag.0)));
                    }
                    self.put(item(pk.to_string(), item_sk(id), attributes), None)
                }
                None => self.delete(pk.to_string(), item_sk(id), None),
            })
            .collect()
    }

    /// Stores a calendar's new sync state; the calendar must exist.
    pub(super) fn state_write(
        &self,
        tenant: &TenantId,
        commit: &CalendarCommit,
    ) -> Result<TransactWriteItem, StoreError> {
        self.update(
            tenant_pk(tenant),
            calendar_sk(&commit.calendar),
            "SET #state = :state",
            Condition::new("attribute_exists(pk)")
                .name("#state", "state")
                .value(":state", json("calendar sync state", &commit.state)?),
        )
    }
}

#[async_trait]
impl CalendarStore for DynamoStore {
    async fn put_calendar(
        &self,
        tenant: &TenantId,
        calendar: &CalendarInfo,
    ) -> Result<(), StoreError> {
        // Only the description: the sync state belongs to the passes and survives
        // re-discovery.
        let write = self.update(
            tenant_pk(tenant),
            calendar_sk(&calendar.id),
            "SET #account = :account, #body = :body",
            Condition::new("")
                .name("#account", "account")
                .name("#body", "body")
                .value(":account", s(calendar.account.as_str()))
                .value(":body", json("calendar", calendar)?),
        )?;
        self.transact_or(vec![write], || {
            StoreError::Conflict(format!("calendar {} changed concurrently", calendar.id))
        })
        .await
    }

    async fn get_calendar(
        &self,
        tenant: &TenantId,
        id: &CalendarId,
    ) -> Result<Option<CalendarInfo>, StoreError> {
        self.get(tenant_pk(tenant), calendar_sk(id))
            .await?
            .map(|item| calendar_from(&item))
            .transpose()
    }

    async fn list_calendars(&self, tenant: &TenantId) -> Result<Vec<CalendarInfo>, StoreError> {
        let mut calendars = self
            .query(tenant_pk(tenant), "CALENDAR#")
            .await?
            .iter()
            .map(calendar_from)
            .collect::<Result<Vec<_>, _>>()?;
        calendars.sort_by(|a, b| (&a.account, &a.name, &a.id).cmp(&(&b.account, &b.name, &b.id)));
        Ok(calendars)
    }

    async fn calendar_state(
        &self,
        tenant: &TenantId,
        id: &CalendarId,
    ) -> Result<CalendarSyncState, StoreError> {
        match self.get(tenant_pk(tenant), calendar_sk(id)).await? {
            Some(item) if item.contains_key("state") => {
                from_json("calendar sync state", &item, "state")
            }
            _ => Ok(CalendarSyncState::default()),
        }
    }

    async fn calendar_states(
        &self,
        tenant: &TenantId,
    ) -> Result<BTreeMap<CalendarId, CalendarSyncState>, StoreError> {
        self.query(tenant_pk(tenant), "CALENDAR#")
            .await?
            .iter()
            .filter(|item| item.contains_key("state"))
            .map(|item| {
                let id = calendar_from(item)?.id;
                Ok((id, from_json("calendar sync state", item, "state")?))
            })
            .collect()
    }

    async fn item_index(
        &self,
        tenant: &TenantId,
        id: &CalendarId,
    ) -> Result<ItemIndex, StoreError> {
        self.read_index(tenant, id).await
    }
}
