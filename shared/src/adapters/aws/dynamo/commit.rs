//! A link's state (shadows and item bindings) and the commit of a pass.
//!
//! # What is atomic
//!
//! A commit of up to 100 writes and about 3 MB (index entries, shadows, bindings, calendar states and the
//! link status) is one TransactWriteItems call: all or nothing, guarded by the link's
//! `version`, exactly like the SQLite adapter.
//!
//! A larger commit cannot be one transaction (DynamoDB allows 100 actions and 4 MB). It then
//! runs as:
//!
//! 1. **claim**: the link item gets `claim = <random token>` and a lease end, on condition
//!    that its version is still the one the pass started from and no live claim exists.
//!    A stale or racing pass fails here with `Conflict` and has written nothing; an unknown
//!    link or calendar is `NotFound`, also before anything is written.
//! 2. **chunks** of up to 99 index/shadow/binding writes (and about 3 MB), each transaction also checking that
//!    the claim is still ours.
//! 3. **the last transaction** stores the calendar states (cursors) and the link status with
//!    `version + 1`, and removes the claim.
//!
//! The cursors and the version therefore move only once every chunk is in: a commit that
//! stops half-way is never visible *as committed*, and the next pass starts from the old
//! cursors and re-derives the same changes. What a reader can see in that window are the
//! shadows and bindings of the chunks already written, under the old version. A claim left by
//! a crashed writer expires after [`CLAIM_LEASE_SECONDS`]. Without a link (a calendar-only
//! commit) there is nothing to claim: the chunks go first and the calendar states last.

use super::calendars::calendar_sk;
use super::chunks::{chunks, fits_one_transaction};
use super::codec::{
    Item, from_json, item, json, link_state_pk, n, parsed_id, s, string, tenant_pk,
};
use super::links::{link_sk, status_from};
use super::{Condition, DynamoStore, MAX_TRANSACTION_ITEMS, TransactionFailure};
use crate::domain::{LinkId, OriginKey, RemoteId, TenantId};
use crate::engine::{ItemBinding, ItemRef, LinkState, LinkStateDelta, Shadow};
use crate::ports::{StoreError, SyncCommit, SyncStateStore, VersionedLinkState};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::TransactWriteItem;
use rand::RngCore;
use std::collections::BTreeMap;

/// How long a chunked commit may hold its link before another pass may take over: the sync
/// worker's link lease (`WorkerSettings::lease_hold`, longer than the function's timeout), so
/// a claim left by a worker killed mid-commit lapses with that worker's lease. (It was 300 s:
/// the next worker then had the link for three minutes in which every pass failed on the
/// claim, and with a short visibility timeout the jobs went to the DLQ.)
pub const CLAIM_LEASE_SECONDS: i64 = 120;

fn shadow_sk(origin: &OriginKey) -> String {
    format!("SHADOW#{}#{}", origin.calendar, origin.uid)
}

fn binding_sk(item: &ItemRef) -> String {
    format!("BINDING#{}#{}", item.calendar, item.remote_id.0)
}

impl DynamoStore {
    fn delta_writes(
        &self,
        tenant: &TenantId,
        link: &LinkId,
        delta: &LinkStateDelta,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let pk = link_state_pk(tenant, link);
        let mut writes = Vec::with_capacity(delta.shadows.len() + delta.items.len());
        for (origin, shadow) in &delta.shadows {
            writes.push(match shadow {
                Some(shadow) => self.put(
                    item(
                        pk.clone(),
                        shadow_sk(origin),
                        vec![("body", json("shadow", shadow)?)],
                    ),
                    None,
                )?,
                None => self.delete(pk.clone(), shadow_sk(origin), None)?,
            });
        }
        for (item_ref, binding) in &delta.items {
            writes.push(match binding {
                Some(binding) => self.put(
                    item(
                        pk.clone(),
                        binding_sk(item_ref),
                        vec![
                            ("calendar", s(item_ref.calendar.as_str())),
                            ("remote_id", s(&item_ref.remote_id.0)),
                            ("body", json("item binding", binding)?),
                        ],
                    ),
                    None,
                )?,
                None => self.delete(pk.clone(), binding_sk(item_ref), None)?,
            });
        }
        Ok(writes)
    }

    /// Why a commit was refused: the link first (gone, moved on, claimed), then calendars.
    async fn commit_refusal(&self, tenant: &TenantId, commit: &SyncCommit) -> StoreError {
        if let Some(link) = &commit.link {
            match self.get(tenant_pk(tenant), link_sk(&link.link)).await {
                Ok(None) => return StoreError::NotFound(format!("link {}", link.link)),
                Ok(Some(item)) => match status_from(&item) {
                    Ok(status) if status.version != link.expected_version => {
                        return self
                            .version_refusal(tenant, &link.link, link.expected_version)
                            .await;
                    }
                    Ok(_) if item.contains_key("claim") => {
                        return StoreError::Conflict(format!(
                            "link {} is being committed by another pass",
                            link.link
                        ));
                    }
                    Ok(_) => {}
                    Err(e) => return e,
                },
                Err(e) => return e,
            }
        }
        match self.missing_calendar(tenant, commit).await {
            Ok(Some(missing)) => missing,
            Ok(None) => StoreError::Conflict("a concurrent write touched the same items".into()),
            Err(e) => e,
        }
    }

    async fn missing_calendar(
        &self,
        tenant: &TenantId,
        commit: &SyncCommit,
    ) -> Result<Option<StoreError>, StoreError> {
        for calendar in &commit.calendars {
            if self
                .get(tenant_pk(tenant), calendar_sk(&calendar.calendar))
                .await?
                .is_none()
            {
                return Ok(Some(StoreError::NotFound(format!(
                    "calendar {}",
                    calendar.calendar
                ))));
            }
        }
        Ok(None)
    }

    async fn chunked_commit(
        &self,
        tenant: &TenantId,
        commit: &SyncCommit,
        writes: Vec<TransactWriteItem>,
    ) -> Result<(), StoreError> {
        let claim = match &commit.link {
            Some(link) => Some(self.claim(tenant, commit, &link.link).await?),
            None => None,
        };
        if let Some(missing) = self.missing_calendar(tenant, commit).await? {
            return Err(missing);
        }
        let guard = |claim: &str, link: &LinkId| {
            self.check(
                tenant_pk(tenant),
                link_sk(link),
                Condition::new("#claim = :claim")
                    .name("#claim", "claim")
                    .value(":claim", s(claim)),
            )
        };
        let per_chunk = MAX_TRANSACTION_ITEMS - usize::from(claim.is_some());
        for mut chunk in chunks(writes, per_chunk) {
            if let (Some(claim), Some(link)) = (&claim, &commit.link) {
                chunk.push(guard(claim, &link.link)?);
            }
            self.transact(chunk)
                .await
                .map_err(|failure| match failure {
                    TransactionFailure::Rejected => StoreError::Conflict(
                        "the commit lost its claim on the link (lease expired?)".into(),
                    ),
                    TransactionFailure::Store(e) => e,
                })?;
        }
        let last = self.final_writes(tenant, commit, claim.as_deref())?;
        if last.len() > MAX_TRANSACTION_ITEMS {
            return Err(StoreError::Unavailable(format!(
                "a commit may name at most {} calendars",
                MAX_TRANSACTION_ITEMS - 1
            )));
        }
        match self.transact(last).await {
            Ok(()) => Ok(()),
            Err(TransactionFailure::Rejected) => Err(self.commit_refusal(tenant, commit).await),
            Err(TransactionFailure::Store(e)) => Err(e),
        }
    }

    /// Takes the link for a chunked commit; see the module documentation.
    async fn claim(
        &self,
        tenant: &TenantId,
        commit: &SyncCommit,
        link: &LinkId,
    ) -> Result<String, StoreError> {
        let expected = commit.link.as_ref().map_or(0, |l| l.expected_version);
        let mut token = [0u8; 16];
        rand::rng().fill_bytes(&mut token);
        let token = hex::encode(token);
        let now = chrono::Utc::now().timestamp();
        let write = self.update(
            tenant_pk(tenant),
            link_sk(link),
            "SET #claim = :claim, #claim_until = :until",
            Condition::new(
                "#version = :expected AND (attribute_not_exists(#claim) OR #claim_until < :now)",
            )
            .name("#version", "version")
            .name("#claim", "claim")
            .name("#claim_until", "claim_until")
            .value(":expected", n(expected))
            .value(":claim", s(&token))
            .value(":until", n(now + self.claim_lease.num_seconds()))
            .value(":now", n(now)),
        )?;
        match self.transact(vec![write]).await {
            Ok(()) => Ok(token),
            Err(TransactionFailure::Rejected) => Err(self.commit_refusal(tenant, commit).await),
            Err(TransactionFailure::Store(e)) => Err(e),
        }
    }

    /// Calendar states and the link status: the writes that make a commit visible.
    fn final_writes(
        &self,
        tenant: &TenantId,
        commit: &SyncCommit,
        claim: Option<&str>,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut writes = commit
            .calendars
            .iter()
            .map(|calendar| self.state_write(tenant, calendar))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(link) = &commit.link {
            writes.push(self.status_write(
                tenant,
                &link.link,
                link.expected_version,
                &link.status,
                claim,
            )?);
        }
        Ok(writes)
    }
}

#[async_trait]
impl SyncStateStore for DynamoStore {
    async fn load_link_state(
        &self,
        tenant: &TenantId,
        id: &LinkId,
    ) -> Result<VersionedLinkState, StoreError> {
        // The status first: if a commit lands between these reads, the version read is the
        // older one and the pass's own commit fails as stale.
        let Some(link) = self.get(tenant_pk(tenant), link_sk(id)).await? else {
            return Ok(VersionedLinkState::default());
        };
        let status = status_from(&link)?;
        let pk = link_state_pk(tenant, id);
        let shadows = self
            .query(pk.clone(), "SHADOW#")
            .await?
            .iter()
            .map(|item| {
                let shadow: Shadow = from_json("shadow", item, "body")?;
                Ok((shadow.origin.clone(), shadow))
            })
            .collect::<Result<BTreeMap<_, _>, StoreError>>()?;
        let items = self
            .query(pk, "BINDING#")
            .await?
            .iter()
            .map(binding_from)
            .collect::<Result<BTreeMap<_, _>, StoreError>>()?;
        Ok(VersionedLinkState {
            state: LinkState { shadows, items },
            status,
        })
    }

    async fn commit(&self, tenant: &TenantId, commit: &SyncCommit) -> Result<(), StoreError> {
        let mut writes = Vec::new();
        for calendar in &commit.calendars {
            writes.extend(self.index_writes(tenant, calendar).await?);
        }
        if let Some(link) = &commit.link {
            writes.extend(self.delta_writes(tenant, &link.link, &link.delta)?);
        }
        let last = self.final_writes(tenant, commit, None)?;
        if !fits_one_transaction(&[&writes, &last]) {
            return self.chunked_commit(tenant, commit, writes).await;
        }
        writes.extend(last);
        match self.transact(writes).await {
            Ok(()) => Ok(()),
            Err(TransactionFailure::Rejected) => Err(self.commit_refusal(tenant, commit).await),
            Err(TransactionFailure::Store(e)) => Err(e),
        }
    }
}

fn binding_from(item: &Item) -> Result<(ItemRef, ItemBinding), StoreError> {
    let key = ItemRef::new(
        parsed_id("binding calendar", item, "calendar")?,
        RemoteId(string(item, "remote_id")?.to_string()),
    );
    Ok((key, from_json("item binding", item, "body")?))
}
