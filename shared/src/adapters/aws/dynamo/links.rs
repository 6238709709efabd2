//! Links. The link item also carries the status and its `version`, the optimistic lock of
//! every pass, so one condition on one item guards a commit.

use super::codec::{Item, from_json, json, link_state_pk, n, number, s, string, tenant_pk};
use super::{Condition, DynamoStore};
use crate::domain::{Link, LinkId, TenantId};
use crate::ports::{LinkStatus, LinkStore, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::TransactWriteItem;

pub(super) fn link_sk(id: &LinkId) -> String {
    format!("LINK#{id}")
}

/// The stored status; the default (version 0) for a link that never had one.
pub(super) fn status_from(item: &Item) -> Result<LinkStatus, StoreError> {
    let mut status: LinkStatus = if item.contains_key("status") {
        from_json("link status", item, "status")?
    } else {
        LinkStatus::default()
    };
    // The attribute is what the conditions compare; the copy in the JSON is informational.
    let version = number(item, "version")?.unwrap_or(0);
    status.version = u64::try_from(version)
        .map_err(|_| StoreError::Corrupt(format!("stored link version is {version}")))?;
    Ok(status)
}

impl DynamoStore {
    /// Why a write guarded by `version = expected` was refused.
    pub(super) async fn version_refusal(
        &self,
        tenant: &TenantId,
        id: &LinkId,
        expected: u64,
    ) -> StoreError {
        match self.get(tenant_pk(tenant), link_sk(id)).await {
            Ok(None) => StoreError::NotFound(format!("link {id}")),
            Ok(Some(item)) => match status_from(&item) {
                Ok(status) if status.version != expected => StoreError::Conflict(format!(
                    "link {id} is at version {}, not {expected}: another pass committed first",
                    status.version
                )),
                Ok(_) => {
                    StoreError::Conflict(format!("link {id} is being committed by another pass"))
                }
                Err(e) => e,
            },
            Err(e) => e,
        }
    }

    /// Stores `status` as version `expected + 1`, if the link is at `expected` and no
    /// chunked commit holds it (or holds it with `claim`).
    pub(super) fn status_write(
        &self,
        tenant: &TenantId,
        id: &LinkId,
        expected: u64,
        status: &LinkStatus,
        claim: Option<&str>,
    ) -> Result<TransactWriteItem, StoreError> {
        let next = expected
            .checked_add(1)
            .ok_or_else(|| StoreError::Conflict(format!("link {id} version overflow")))?;
        let status = LinkStatus {
            version: next,
            ..status.clone()
        };
        let mut condition = Condition::new(match claim {
            Some(_) => "#version = :expected AND #claim = :claim",
            // A claim whose lease ran out was left by a crashed chunked commit.
            None => {
                "#version = :expected AND (attribute_not_exists(#claim) OR #claim_until < :now)"
            }
        })
        .name("#version", "version")
        .name("#status", "status")
        .name("#claim", "claim")
        .name("#claim_until", "claim_until")
        .value(":expected", n(expected))
        .value(":next", n(next))
        .value(":status", json("link status", &status)?);
        condition = match claim {
            Some(claim) => condition.value(":claim", s(claim)),
            None => condition.value(":now", n(chrono::Utc::now().timestamp())),
        };
        self.update(
            tenant_pk(tenant),
            link_sk(id),
            "SET #version = :next, #status = :status REMOVE #claim, #claim_until",
            condition,
        )
    }
}

#[async_trait]
impl LinkStore for DynamoStore {
    async fn put_link(&self, tenant: &TenantId, link: &Link) -> Result<(), StoreError> {
        let pk = tenant_pk(tenant);
        let sk = link_sk(&link.id);
        let old = self.get(pk.clone(), sk.clone()).await?;
        let old_name = old.as_ref().map(|i| string(i, "name")).transpose()?;
        let mut writes =
            self.name_writes(tenant, "LINK", link.id.as_str(), &link.name, old_name)?;
        // An update, not a put: the status and version on the item stay.
        writes.push(
            self.update(
                pk,
                sk,
                "SET #name = :name, #body = :body, #version = if_not_exists(#version, :zero)",
                Condition::new("")
                    .name("#name", "name")
                    .name("#body", "body")
                    .name("#version", "version")
                    .value(":name", s(&link.name))
                    .value(":body", json("link", link)?)
                    .value(":zero", n(0)),
            )?,
        );
        self.transact_or(writes, || {
            StoreError::Conflict(format!("a link named {:?} already exists", link.name))
        })
        .await
    }

    async fn get_link(&self, tenant: &TenantId, id: &LinkId) -> Result<Option<Link>, StoreError> {
        self.get(tenant_pk(tenant), link_sk(id))
            .await?
            .map(|item| from_json("link", &item, "body"))
            .transpose()
    }

    async fn list_links(&self, tenant: &TenantId) -> Result<Vec<Link>, StoreError> {
        let mut links = self
            .query(tenant_pk(tenant), "LINK#")
            .await?
            .iter()
            .map(|item| from_json::<Link>("link", item, "body"))
            .collect::<Result<Vec<_>, _>>()?;
        links.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(links)
    }

    async fn delete_link(&self, tenant: &TenantId, id: &LinkId) -> Result<(), StoreError> {
        let pk = tenant_pk(tenant);
        if let Some(old) = self.get(pk.clone(), link_sk(id)).await? {
            let name = string(&old, "name")?;
            // The link item goes first: a pass still running fails its commit with NotFound
            // instead of resurrecting state, and a retry finds the leftovers below.
            self.delete_named(
                pk,
                link_sk(id),
                format!("LINK_NAME#{name}"),
                id.as_str(),
                &format!("link {id}"),
            )
            .await?;
        }
        let mut state = self.query(link_state_pk(tenant, id), "SHADOW#").await?;
        state.extend(self.query(link_state_pk(tenant, id), "BINDING#").await?);
        self.delete_all(state).await
    }

    async fn link_status(&self, tenant: &TenantId, id: &LinkId) -> Result<LinkStatus, StoreError> {
        match self.get(tenant_pk(tenant), link_sk(id)).await? {
            Some(item) => status_from(&item),
            None => Ok(LinkStatus::default()),
        }
    }

    async fn put_link_status(
        &self,
        tenant: &TenantId,
        id: &LinkId,
        expected_version: u64,
        status: &LinkStatus,
    ) -> Result<(), StoreError> {
        let write = self.status_write(tenant, id, expected_version, status, None)?;
        match self.transact(vec![write]).await {
            Ok(()) => Ok(()),
            Err(super::TransactionFailure::Rejected) => {
                Err(self.version_refusal(tenant, id, expected_version).await)
            }
            Err(super::TransactionFailure::Store(e)) => Err(e),
        }
    }
}
