//! Accounts. The credential column holds only what the sealer produced.

use super::SqliteStore;
use super::codec::{enum_from_text, enum_to_text, id_from_text, time_from_text, time_to_text};
use super::error::{During, name_taken};
use crate::domain::{Account, AccountId, TenantId};
use crate::ports::{AccountStore, StoreError};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};

const SELECT_ACCOUNT: &str = "SELECT id, name, kind, url, username, sealed_secret, created_at \
                              FROM accounts WHERE tenant = ?1";

fn account_from_row(row: &Row<'_>) -> Result<Account, StoreError> {
    Ok(Account {
        id: id_from_text("account id", row.get(0)?)?,
        name: row.get(1)?,
        kind: enum_from_text("account kind", row.get(2)?)?,
        url: row.get(3)?,
        username: row.get(4)?,
        sealed_secret: row.get(5)?,
        created_at: time_from_text("account creation time", &row.get::<_, String>(6)?)?,
    })
}

#[async_trait]
impl AccountStore for SqliteStore {
    async fn put_account(&self, tenant: &TenantId, account: &Account) -> Result<(), StoreError> {
        let (tenant, account) = (tenant.clone(), account.clone());
        self.call(move |conn| {
            let kind = enum_to_text("account kind", &account.kind)?;
            // An upsert on the id only: a clash on the name is left to fail as a conflict
            // (INSERT OR REPLACE would silently delete the other account instead).
            conn.prepare_cached(
                "INSERT INTO accounts \
                 (tenant, id, name, kind, url, username, sealed_secret, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                 ON CONFLICT (tenant, id) DO UPDATE SET name = excluded.name, \
                 kind = excluded.kind, url = excluded.url, username = excluded.username, \
                 sealed_secret = excluded.sealed_secret, created_at = excluded.created_at",
            )
            .during("preparing the account upsert")?
            .execute(params![
                tenant.as_str(),
                account.id.as_str(),
                account.name,
                kind,
                account.url,
                account.username,
                account.sealed_secret,
                time_to_text(&account.created_at),
            ])
            .map_err(|e| name_taken(e, "account", &account.name))?;
            Ok(())
        })
        .await
    }

    async fn get_account(
        &self,
        tenant: &TenantId,
        id: &AccountId,
    ) -> Result<Option<Account>, StoreError> {
        let (tenant, id) = (tenant.clone(), id.clone());
        self.call(move |conn| {
            conn.prepare_cached(&format!("{SELECT_ACCOUNT} AND id = ?2"))
                .during("preparing the account query")?
                .query_row(params![tenant.as_str(), id.as_str()], |row| {
                    Ok(account_from_row(row))
                })
                .optional()
                .during("reading an account")?
                .transpose()
        })
        .await
    }

    async fn list_accounts(&self, tenant: &TenantId) -> Result<Vec<Account>, StoreError> {
        let tenant = tenant.clone();
        self.call(move |conn| {
            let mut statement = conn
                .prepare_cached(&format!("{SELECT_ACCOUNT} ORDER BY name"))
                .during("preparing the account listing")?;
            statement
                .query_and_then(params![tenant.as_str()], account_from_row)?
                .collect()
        })
        .await
    }

    async fn delete_account(&self, tenant: &TenantId, id: &AccountId) -> Result<(), StoreError> {
        let (tenant, id) = (tenant.clone(), id.clone());
        self.call(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .during("starting the account deletion")?;
            // Item indexes go with their calendars (ON DELETE CASCADE).
            tx.prepare_cached("DELETE FROM calendars WHERE tenant = ?1 AND account = ?2")
                .during("preparing the calendar deletion")?
                .execute(params![tenant.as_str(), id.as_str()])
                .during("deleting the account's calendars")?;
            tx.prepare_cached("DELETE FROM accounts WHERE tenant = ?1 AND id = ?2")
                .during("preparing the account deletion")?
                .execute(params![tenant.as_str(), id.as_str()])
                .during("deleting the account")?;
            tx.commit().during("committing the account deletion")
        })
        .await
    }
}
