//! Links and their status row, whose version is the optimistic lock of every pass.

use super::SqliteStore;
use super::codec::{from_json, to_json, version_from_sql, version_to_sql};
use super::error::{During, name_taken};
use crate::domain::{Link, LinkId, TenantId};
use crate::ports::{LinkStatus, LinkStore, StoreError};
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

#[async_trait]
impl LinkStore for SqliteStore {
    async fn put_link(&self, tenant: &TenantId, link: &Link) -> Result<(), StoreError> {
        let (tenant, link) = (tenant.clone(), link.clone());
        self.call(move |conn| {
            // An upsert, not a replace: replacing the row would cascade-delete the shadows.
            conn.prepare_cached(
                "INSERT INTO links (tenant, id, name, body) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (tenant, id) DO UPDATE SET name = excluded.name, body = excluded.body",
            )
            .during("preparing the link upsert")?
            .execute(params![
                tenant.as_str(),
                link.id.as_str(),
                link.name,
                to_json("link", &link)?,
            ])
            .map_err(|e| name_taken(e, "link", &link.name))?;
            Ok(())
        })
        .await
    }

    async fn get_link(&self, tenant: &TenantId, id: &LinkId) -> Result<Option<Link>, StoreError> {
        let (tenant, id) = (tenant.clone(), id.clone());
        self.call(move |conn| {
            let body: Option<String> = conn
                .prepare_cached("SELECT body FROM links WHERE tenant = ?1 AND id = ?2")
                .during("preparing the link query")?
                .query_row(params![tenant.as_str(), id.as_str()], |row| row.get(0))
                .optional()
                .during("reading a link")?;
            body.map(|body| from_json("link", &body)).transpose()
        })
        .await
    }

    async fn list_links(&self, tenant: &TenantId) -> Result<Vec<Link>, StoreError> {
        let tenant = tenant.clone();
        self.call(move |conn| {
            let mut statement = conn
                .prepare_cached("SELECT body FROM links WHERE tenant = ?1 ORDER BY name")
                .during("preparing the link listing")?;
            statement
                .query_and_then(params![tenant.as_str()], |row| {
                    from_json::<Link>("link", &row.get::<_, String>(0)?)
                })?
                .collect()
        })
        .await
    }

    async fn delete_link(&self, tenant: &TenantId, id: &LinkId) -> Result<(), StoreError> {
        let (tenant, id) = (tenant.clone(), id.clone());
        self.call(move |conn| {
            // Status, shadows and bindings go with it (ON DELETE CASCADE), in this statement's
            // implicit transaction.
            conn.prepare_cached("DELETE FROM links WHERE tenant = ?1 AND id = ?2")
                .during("preparing the link deletion")?
                .execute(params![tenant.as_str(), id.as_str()])
                .during("deleting a link")?;
            Ok(())
        })
        .await
    }

    async fn link_status(&self, tenant: &TenantId, id: &LinkId) -> Result<LinkStatus, StoreError> {
        let (tenant, id) = (tenant.clone(), id.clone());
        self.call(move |conn| read_status(conn, &tenant, &id)).await
    }

    async fn put_link_status(
        &self,
        tenant: &TenantId,
        id: &LinkId,
        expected_version: u64,
        status: &LinkStatus,
    ) -> Result<(), StoreError> {
        let (tenant, id, status) = (tenant.clone(), id.clone(), status.clone());
        self.call(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .during("starting the link status update")?;
            check_version(&tx, &tenant, &id, expected_version)?;
            write_status(&tx, &tenant, &id, expected_version, &status)?;
            tx.commit().during("committing the link status")
        })
        .await
    }
}

/// The stored status; the default (version 0) for a link that never had one.
pub(super) fn read_status(
    conn: &Connection,
    tenant: &TenantId,
    id: &LinkId,
) -> Result<LinkStatus, StoreError> {
    let row: Option<(i64, String)> = conn
        .prepare_cached("SELECT version, body FROM link_status WHERE tenant = ?1 AND link = ?2")
        .during("preparing the link status query")?
        .query_row(params![tenant.as_str(), id.as_str()], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()
        .during("reading a link status")?;
    let Some((version, body)) = row else {
        return Ok(LinkStatus::default());
    };
    let mut status: LinkStatus = from_json("link status", &body)?;
    // The column is what the version checks compare; the copy in the body is informational.
    status.version = version_from_sql(version)?;
    Ok(status)
}

/// Fails with `NotFound` for an unknown link (deleted while a pass ran: its state must not
/// be resurrected) and `Conflict` when another writer committed since `expected`.
pub(super) fn check_version(
    conn: &Connection,
    tenant: &TenantId,
    id: &LinkId,
    expected: u64,
) -> Result<(), StoreError> {
    let found: Option<Option<i64>> = conn
        .prepare_cached(
            "SELECT s.version FROM links l LEFT JOIN link_status s \
             ON s.tenant = l.tenant AND s.link = l.id WHERE l.tenant = ?1 AND l.id = ?2",
        )
        .during("preparing the link version check")?
        .query_row(params![tenant.as_str(), id.as_str()], |row| row.get(0))
        .optional()
        .during("checking a link's version")?;
    let stored = match found {
        None => return Err(StoreError::NotFound(format!("link {id}"))),
        Some(None) => 0,
        Some(Some(version)) => version_from_sql(version)?,
    };
    if stored == expected {
        Ok(())
    } else {
        Err(StoreError::Conflict(format!(
            "link {id} is at version {stored}, not {expected}: another pass committed first"
        )))
    }
}

/// Stores `status` as version `expected + 1`. Call after [`check_version`].
pub(super) fn write_status(
    conn: &Connection,
    tenant: &TenantId,
    id: &LinkId,
    expected: u64,
    status: &LinkStatus,
) -> Result<(), StoreError> {
    let version = expected
        .checked_add(1)
        .ok_or_else(|| StoreError::Conflict(format!("link {id} version overflow")))?;
    let status = LinkStatus {
        version,
        ..status.clone()
    };
    conn.prepare_cached(
        "INSERT INTO link_status (tenant, link, version, body) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (tenant, link) DO UPDATE SET version = excluded.version, body = excluded.body",
    )
    .during("preparing the link status upsert")?
    .execute(params![
        tenant.as_str(),
        id.as_str(),
        version_to_sql(version)?,
        to_json("link status", &status)?,
    ])
    .during("saving a link status")?;
    Ok(())
}
