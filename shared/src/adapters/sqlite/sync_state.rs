//! A link's remembered state (shadows and item bindings) and the atomic commit of a pass.

use super::SqliteStore;
use super::calendars::apply_calendar_commit;
use super::codec::{from_json, id_from_text, to_json};
use super::error::During;
use super::links::{check_version, read_status, write_status};
use crate::domain::{LinkId, OriginKey, RemoteId, TenantId};
use crate::engine::{ItemBinding, ItemRef, LinkState, LinkStateDelta, Shadow};
use crate::ports::{StoreError, SyncCommit, SyncStateStore, VersionedLinkState};
use async_trait::async_trait;
use rusqlite::{Connection, TransactionBehavior, params};

#[async_trait]
impl SyncStateStore for SqliteStore {
    async fn load_link_state(
        &self,
        tenant: &TenantId,
        id: &LinkId,
    ) -> Result<VersionedLinkState, StoreError> {
        let (tenant, id) = (tenant.clone(), id.clone());
        self.call(move |conn| {
            // One read transaction: the status version must describe exactly these shadows.
            let tx = conn.transaction().during("starting the link state read")?;
            let loaded = VersionedLinkState {
                status: read_status(&tx, &tenant, &id)?,
                state: LinkState {
                    shadows: read_shadows(&tx, &tenant, &id)?,
                    items: read_bindings(&tx, &tenant, &id)?,
                },
            };
            tx.commit().during("ending the link state read")?;
            Ok(loaded)
        })
        .await
    }

    async fn commit(&self, tenant: &TenantId, commit: &SyncCommit) -> Result<(), StoreError> {
        let (tenant, commit) = (tenant.clone(), commit.clone());
        self.call(move |conn| {
            // IMMEDIATE takes the write lock up front, so the version check below cannot be
            // overtaken by another process between the check and the writes.
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .during("starting the commit")?;
            if let Some(link) = &commit.link {
                check_version(&tx, &tenant, &link.link, link.expected_version)?;
            }
            for calendar in &commit.calendars {
                apply_calendar_commit(&tx, &tenant, calendar)?;
            }
            if let Some(link) = &commit.link {
                apply_delta(&tx, &tenant, &link.link, &link.delta)?;
                write_status(
                    &tx,
                    &tenant,
                    &link.link,
                    link.expected_version,
                    &link.status,
                )?;
            }
            // Dropping `tx` on any error above rolls everything back.
            tx.commit().during("committing a pass")
        })
        .await
    }
}

fn read_shadows(
    conn: &Connection,
    tenant: &TenantId,
    link: &LinkId,
) -> Result<std::collections::BTreeMap<OriginKey, Shadow>, StoreError> {
    let mut statement = conn
        .prepare_cached(
            "SELECT origin_calendar, origin_uid, body FROM shadows \
             WHERE tenant = ?1 AND link = ?2",
        )
        .during("preparing the shadow query")?;
    statement
        .query_and_then(params![tenant.as_str(), link.as_str()], |row| {
            let key = OriginKey {
                calendar: id_from_text("shadow origin calendar", row.get(0)?)?,
                uid: row.get(1)?,
            };
            let shadow: Shadow = from_json("shadow", &row.get::<_, String>(2)?)?;
            Ok::<_, StoreError>((key, shadow))
        })?
        .collect()
}

fn read_bindings(
    conn: &Connection,
    tenant: &TenantId,
    link: &LinkId,
) -> Result<std::collections::BTreeMap<ItemRef, ItemBinding>, StoreError> {
    let mut statement = conn
        .prepare_cached(
            "SELECT calendar, remote_id, body FROM item_bindings WHERE tenant = ?1 AND link = ?2",
        )
        .during("preparing the item binding query")?;
    statement
        .query_and_then(params![tenant.as_str(), link.as_str()], |row| {
            let item = ItemRef::new(
                id_from_text("binding calendar", row.get(0)?)?,
                RemoteId(row.get(1)?),
            );
            let binding: ItemBinding = from_json("item binding", &row.get::<_, String>(2)?)?;
            Ok::<_, StoreError>((item, binding))
        })?
        .collect()
}

fn apply_delta(
    conn: &Connection,
    tenant: &TenantId,
    link: &LinkId,
    delta: &LinkStateDelta,
) -> Result<(), StoreError> {
    let (tenant, link) = (tenant.as_str(), link.as_str());
    let mut upsert_shadow = conn
        .prepare_cached(
            "INSERT INTO shadows (tenant, link, origin_calendar, origin_uid, body) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (tenant, link, origin_calendar, origin_uid) \
             DO UPDATE SET body = excluded.body",
        )
        .during("preparing the shadow upsert")?;
    let mut remove_shadow = conn
        .prepare_cached(
            "DELETE FROM shadows \
             WHERE tenant = ?1 AND link = ?2 AND origin_calendar = ?3 AND origin_uid = ?4",
        )
        .during("preparing the shadow removal")?;
    for (origin, shadow) in &delta.shadows {
        let key = (tenant, link, origin.calendar.as_str(), origin.uid.as_str());
        match shadow {
            Some(shadow) => {
                let body = to_json("shadow", shadow)?;
                upsert_shadow.execute(params![key.0, key.1, key.2, key.3, body])
            }
            None => remove_shadow.execute(params![key.0, key.1, key.2, key.3]),
        }
        .during("writing a shadow")?;
    }

    let mut upsert_binding = conn
        .prepare_cached(
            "INSERT INTO item_bindings (tenant, link, calendar, remote_id, body) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (tenant, link, calendar, remote_id) \
             DO UPDATE SET body = excluded.body",
        )
        .during("preparing the item binding upsert")?;
    let mut remove_binding = conn
        .prepare_cached(
            "DELETE FROM item_bindings \
             WHERE tenant = ?1 AND link = ?2 AND calendar = ?3 AND remote_id = ?4",
        )
        .during("preparing the item binding removal")?;
    for (item, binding) in &delta.items {
        let key = (
            tenant,
            link,
            item.calendar.as_str(),
            item.remote_id.0.as_str(),
        );
        match binding {
            Some(binding) => {
                let body = to_json("item binding", binding)?;
                upsert_binding.execute(params![key.0, key.1, key.2, key.3, body])
            }
            None => remove_binding.execute(params![key.0, key.1, key.2, key.3]),
        }
        .during("writing an item binding")?;
    }
    Ok(())
}
