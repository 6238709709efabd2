//! Accounts, with their per-tenant unique names; deleting one takes its calendars along.

use super::codec::{Item, from_json, item, json, s, string, tenant_pk};
use super::{Condition, DynamoStore};
use crate::domain::{Account, AccountId, TenantId};
use crate::ports::{AccountStore, CalendarStore, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::TransactWriteItem;

fn account_sk(id: &AccountId) -> String {
    format!("ACCOUNT#{id}")
}

impl DynamoStore {
    /// The writes that move a name reservation (`ACCOUNT_NAME#`, `LINK_NAME#`) to `name` for
    /// `owner`: taking a name someone else holds fails the transaction.
    pub(super) fn name_writes(
        &self,
        tenant: &TenantId,
        kind: &str,
        owner: &str,
        name: &str,
        old_name: Option<&str>,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let pk = tenant_pk(tenant);
        let mut writes = vec![
            self.put(
                item(
                    pk.clone(),
                    format!("{kind}_NAME#{name}"),
                    vec![("owner", s(owner))],
                ),
                Some(
                    Condition::new("attribute_not_exists(pk) OR #owner = :owner")
                        .name("#owner", "owner")
                        .value(":owner", s(owner)),
                ),
            )?,
        ];
        if let Some(old) = old_name.filter(|old| *old != name) {
            writes.push(self.delete(pk, format!("{kind}_NAME#{old}"), None)?);
        }
        Ok(writes)
    }
}

fn account_from(item: &Item) -> Result<Account, StoreError> {
    from_json("account", item, "body")
}

#[async_trait]
impl AccountStore for DynamoStore {
    async fn put_account(&self, tenant: &TenantId, account: &Account) -> Result<(), StoreError> {
        let pk = tenant_pk(tenant);
        let sk = account_sk(&account.id);
        let old = self.get(pk.clone(), sk.clone()).await?;
        let old_name = old.as_ref().map(|i| string(i, "name")).transpose()?;
        let mut writes = self.name_writes(
            tenant,
            "ACCOUNT",
            account.id.as_str(),
            &account.name,
            old_name,
        )?;
        writes.push(self.put(
            item(
                pk,
                sk,
                vec![
                    ("name", s(&account.name)),
                    ("body", json("account", account)?),
                ],
            ),
            None,
        )?);
        self.transact_or(writes, || {
            StoreError::Conflict(format!(
                "an account named {:?} already exists",
                account.name
            ))
        })
        .await
    }

    async fn get_account(
        &self,
        tenant: &TenantId,
        id: &AccountId,
    ) -> Result<Option<Account>, StoreError> {
        self.get(tenant_pk(tenant), account_sk(id))
            .await?
            .map(|item| account_from(&item))
            .transpose()
    }

    async fn list_accounts(&self, tenant: &TenantId) -> Result<Vec<Account>, StoreError> {
        let mut accounts = self
            .query(tenant_pk(tenant), "ACCOUNT#")
            .await?
            .iter()
            .map(account_from)
            .collect::<Result<Vec<_>, _>>()?;
        accounts.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(accounts)
    }

    async fn delete_account(&self, tenant: &TenantId, id: &AccountId) -> Result<(), StoreError> {
        // Calendars first: should this stop halfway, the account is still there to retry on.
        for calendar in self.list_calendars(tenant).await? {
            if calendar.account == *id {
                self.delete_calendar(tenant, &calendar.id).await?;
            }
        }
        let pk = tenant_pk(tenant);
        let Some(old) = self.get(pk.clone(), account_sk(id)).await? else {
            return Ok(());
        };
        let name = string(&old, "name")?;
        self.delete_named(
            pk,
            account_sk(id),
            format!("ACCOUNT_NAME#{name}"),
            id.as_str(),
            &format!("account {id}"),
        )
        .await
    }
}
