//! Calendars: their description, their sync state and their item index.

use super::SqliteStore;
use super::codec::{
    count_from_sql, count_to_sql, enum_from_text, enum_to_text, from_json, id_from_text,
    optional_time_from_text, time_to_text, to_json,
};
use super::error::During;
use crate::domain::{CalendarId, CalendarInfo, Etag, RemoteId, SyncCursor, TenantId};
use crate::ports::{
    CalendarCommit, CalendarStore, CalendarSyncState, IndexChange, ItemIndex, StoreError,
};
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::collections::BTreeMap;

const SELECT_CALENDAR: &str = "SELECT id, account, name, url, color, owner_emails, read_only, \
                               capabilities FROM calendars WHERE tenant = ?1";

fn calendar_from_row(row: &Row<'_>) -> Result<CalendarInfo, StoreError> {
    Ok(CalendarInfo {
        id: id_from_text("calendar id", row.get(0)?)?,
        account: id_from_text("calendar account", row.get(1)?)?,
        name: row.get(2)?,
        url: row.get(3)?,
        color: row.get(4)?,
        owner_emails: from_json("calendar owner addresses", &row.get::<_, String>(5)?)?,
        read_only: row.get(6)?,
        capabilities: from_json("calendar capabilities", &row.get::<_, String>(7)?)?,
    })
}

fn state_from_row(row: &Row<'_>) -> Result<CalendarSyncState, StoreError> {
    Ok(CalendarSyncState {
        cursor: SyncCursor {
            token: row.get(0)?,
            ctag: row.get(1)?,
            modified_gate: row
                .get::<_, Option<String>>(8)?
                .map(|gate| from_json("CalDAV modified gate", &gate))
                .transpose()?,
        },
        method: enum_from_text("detection method", row.get(2)?)?,
        last_checked: optional_time_from_text("last check time", row.get(3)?)?,
        last_success: optional_time_from_text("last success time", row.get(4)?)?,
        last_error: row.get(5)?,
        item_count: count_from_sql("item count", row.get(6)?)?,
        last_changed: optional_time_from_text("last change time", row.get(7)?)?,
    })
}

#[async_trait]
impl CalendarStore for SqliteStore {
    async fn put_calendar(
        &self,
        tenant: &TenantId,
        calendar: &CalendarInfo,
    ) -> Result<(), StoreError> {
        let (tenant, calendar) = (tenant.clone(), calendar.clone());
        self.call(move |conn| {
            // Only the description columns are updated: the sync state (cursor, counts)
            // belongs to the passes and survives re-discovery.
            conn.prepare_cached(
                "INSERT INTO calendars \
                 (tenant, id, account, name, url, color, owner_emails, read_only, capabilities) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
                 ON CONFLICT (tenant, id) DO UPDATE SET account = excluded.account, \
                 name = excluded.name, url = excluded.url, color = excluded.color, \
                 owner_emails = excluded.owner_emails, read_only = excluded.read_only, \
                 capabilities = excluded.capabilities",
            )
            .during("preparing the calendar upsert")?
            .execute(params![
                tenant.as_str(),
                calendar.id.as_str(),
                calendar.account.as_str(),
                calendar.name,
                calendar.url,
                calendar.color,
                to_json("calendar owner addresses", &calendar.owner_emails)?,
                calendar.read_only,
                to_json("calendar capabilities", &calendar.capabilities)?,
            ])
            .during("saving a calendar")?;
            Ok(())
        })
        .await
    }

    async fn get_calendar(
        &self,
        tenant: &TenantId,
        id: &CalendarId,
    ) -> Result<Option<CalendarInfo>, StoreError> {
        let (tenant, id) = (tenant.clone(), id.clone());
        self.call(move |conn| {
            conn.prepare_cached(&format!("{SELECT_CALENDAR} AND id = ?2"))
                .during("preparing the calendar query")?
                .query_row(params![tenant.as_str(), id.as_str()], |row| {
                    Ok(calendar_from_row(row))
                })
                .optional()
                .during("reading a calendar")?
                .transpose()
        })
        .await
    }

    async fn list_calendars(&self, tenant: &TenantId) -> Result<Vec<CalendarInfo>, StoreError> {
        let tenant = tenant.clone();
        self.call(move |conn| {
            let mut statement = conn
                .prepare_cached(&format!("{SELECT_CALENDAR} ORDER BY account, name, id"))
                .during("preparing the calendar listing")?;
            statement
                .query_and_then(params![tenant.as_str()], calendar_from_row)?
                .collect()
        })
        .await
    }

    async fn calendar_state(
        &self,
        tenant: &TenantId,
        id: &CalendarId,
    ) -> Result<CalendarSyncState, StoreError> {
        let (tenant, id) = (tenant.clone(), id.clone());
        self.call(move |conn| {
            let state = conn
                .prepare_cached(
                    "SELECT sync_token, sync_ctag, sync_method, last_checked, last_success, \
                     last_error, item_count, last_changed, sync_modified_gate FROM calendars \
                     WHERE tenant = ?1 AND id = ?2",
                )
                .during("preparing the sync state query")?
                .query_row(params![tenant.as_str(), id.as_str()], |row| {
                    Ok(state_from_row(row))
                })
                .optional()
                .during("reading a calendar's sync state")?
                .transpose()?;
            Ok(state.unwrap_or_default())
        })
        .await
    }

    async fn calendar_states(
        &self,
        tenant: &TenantId,
    ) -> Result<BTreeMap<CalendarId, CalendarSyncState>, StoreError> {
        let tenant = tenant.clone();
        self.call(move |conn| {
            let mut statement = conn
                .prepare_cached(
                    "SELECT sync_token, sync_ctag, sync_method, last_checked, last_success, \
                     last_error, item_count, last_changed, sync_modified_gate, id FROM calendars \
                     WHERE tenant = ?1",
                )
                .during("preparing the sync state listing")?;
            statement
                .query_and_then(params![tenant.as_str()], |row| {
                    Ok((
                        id_from_text("calendar id", row.get(9)?)?,
                        state_from_row(row)?,
                    ))
                })
                .during("listing sync states")?
                .collect()
        })
        .await
    }

    async fn item_index(
        &self,
        tenant: &TenantId,
        id: &CalendarId,
    ) -> Result<ItemIndex, StoreError> {
        let (tenant, id) = (tenant.clone(), id.clone());
        self.call(move |conn| read_index(conn, &tenant, &id)).await
    }
}

fn read_index(
    conn: &Connection,
    tenant: &TenantId,
    id: &CalendarId,
) -> Result<ItemIndex, StoreError> {
    let mut statement = conn
        .prepare_cached(
            "SELECT remote_id, etag FROM calendar_items WHERE tenant = ?1 AND calendar = ?2",
        )
        .during("preparing the item index query")?;
    let index = statement
        .query_map(params![tenant.as_str(), id.as_str()], |row| {
            Ok((
                RemoteId(row.get(0)?),
                row.get::<_, Option<String>>(1)?.map(Etag),
            ))
        })
        .during("reading an item index")?
        .collect::<Result<ItemIndex, _>>()
        .during("reading an item index")?;
    Ok(index)
}

/// Writes one calendar's part of a commit. Runs inside the commit's transaction.
pub(super) fn apply_calendar_commit(
    conn: &Connection,
    tenant: &TenantId,
    commit: &CalendarCommit,
) -> Result<(), StoreError> {
    let state = &commit.state;
    let updated = conn
        .prepare_cached(
            "UPDATE calendars SET sync_token = ?3, sync_ctag = ?4, sync_method = ?5, \
             last_checked = ?6, last_success = ?7, last_error = ?8, item_count = ?9, \
             last_changed = ?10, sync_modified_gate = ?11 WHERE tenant = ?1 AND id = ?2",
        )
        .during("preparing the sync state update")?
        .execute(params![
            tenant.as_str(),
            commit.calendar.as_str(),
            state.cursor.token,
            state.cursor.ctag,
            enum_to_text("detection method", &state.method)?,
            state.last_checked.as_ref().map(time_to_text),
            state.last_success.as_ref().map(time_to_text),
            state.last_error,
            count_to_sql(state.item_count),
            state.last_changed.as_ref().map(time_to_text),
            state
                .cursor
                .modified_gate
                .as_ref()
                .map(|gate| to_json("CalDAV modified gate", gate))
                .transpose()?,
        ])
        .during("saving a calendar's sync state")?;
    if updated == 0 {
        return Err(StoreError::NotFound(format!(
            "calendar {}",
            commit.calendar
        )));
    }
    if commit.replace_index {
        replace_index(conn, tenant, commit)
    } else {
        let changes = commit.index.iter().map(|(id, change)| (id, Some(change)));
        write_index_changes(conn, tenant, &commit.calendar, changes)
    }
}

/// A complete listing: only rows that differ are written, so re-listing 10,000 unchanged
/// items (a CTag change on a CTag/ETag-scan server) costs a read, not 10,000 writes.
fn replace_index(
    conn: &Connection,
    tenant: &TenantId,
    commit: &CalendarCommit,
) -> Result<(), StoreError> {
    let stored = read_index(conn, tenant, &commit.calendar)?;
    let gone = stored
        .keys()
        .filter(|id| !matches!(commit.index.get(*id), Some(IndexChange::Upsert(_))))
        .map(|id| (id, None));
    let changed = commit.index.iter().filter_map(|(id, change)| match change {
        IndexChange::Upsert(etag) if stored.get(id) == Some(etag) => None,
        IndexChange::Upsert(_) => Some((id, Some(change))),
        IndexChange::Remove => None,
    });
    write_index_changes(conn, tenant, &commit.calendar, gone.chain(changed))
}

/// `None` and `Some(Remove)` both delete the row.
fn write_index_changes<'a>(
    conn: &Connection,
    tenant: &TenantId,
    calendar: &CalendarId,
    changes: impl Iterator<Item = (&'a RemoteId, Option<&'a IndexChange>)>,
) -> Result<(), StoreError> {
    let mut upsert = conn
        .prepare_cached(
            "INSERT INTO calendar_items (tenant, calendar, remote_id, etag) \
             VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (tenant, calendar, remote_id) DO UPDATE SET etag = excluded.etag",
        )
        .during("preparing the item index upsert")?;
    let mut remove = conn
        .prepare_cached(
            "DELETE FROM calendar_items WHERE tenant = ?1 AND calendar = ?2 AND remote_id = ?3",
        )
        .during("preparing the item index removal")?;
    for (remote_id, change) in changes {
        match change {
            Some(IndexChange::Upsert(etag)) => upsert.execute(params![
                tenant.as_str(),
                calendar.as_str(),
                remote_id.0,
                etag.as_ref().map(|etag| etag.0.as_str()),
            ]),
            Some(IndexChange::Remove) | None => {
                remove.execute(params![tenant.as_str(), calendar.as_str(), remote_id.0])
            }
        }
        .during("writing the item index")?;
    }
    Ok(())
}
