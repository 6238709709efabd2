//! The serverless store: every tenant's data in one DynamoDB table, implementing
//! [`crate::ports::Store`].
//!
//! # Table schema (the CDK app must create exactly this)
//!
//! - partition key `pk` (string), sort key `sk` (string), no secondary index;
//! - billing mode PAY_PER_REQUEST;
//! - time to live on the attribute `ttl` (number, epoch seconds).
//!
//! # Items
//!
//! | entity            | `pk`                       | `sk`                         | other attributes                       |
//! |-------------------|----------------------------|------------------------------|----------------------------------------|
//! | account           | `T#{tenant}`               | `ACCOUNT#{id}`               | `name`, `body` (JSON)                  |
//! | account name      | `T#{tenant}`               | `ACCOUNT_NAME#{name}`        | `owner` (account id)                   |
//! | calendar          | `T#{tenant}`               | `CALENDAR#{id}`              | `account`, `body`, `state` (JSON)      |
//! | item index entry  | `T#{tenant}#CAL#{id}`      | `ITEM#{remote id}`           | `remote_id`, `etag`                    |
//! | link              | `T#{tenant}`               | `LINK#{id}`                  | `name`, `body`, `version` (N), `status`, `claim`, `claim_until` (N) |
//! | link name         | `T#{tenant}`               | `LINK_NAME#{name}`           | `owner` (link id)                      |
//! | shadow            | `T#{tenant}#LINK#{id}`     | `SHADOW#{calendar}#{uid}`    | `body`                                 |
//! | item binding      | `T#{tenant}#LINK#{id}`     | `BINDING#{calendar}#{remote id}` | `calendar`, `remote_id`, `body`    |
//! | push channel      | `T#{tenant}`               | `CHANNEL#{id}`               | `body`                                 |
//! | channel by id     | `CHANNEL#{id}`             | `CHANNEL`                    | `tenant`, `body`                       |
//! | idempotency key   | `T#{tenant}`               | `IDEMPOTENCY#{key}`          | `expires_at` (N), `ttl` (N)            |
//! | parked job        | `T#{tenant}`               | `DEAD_JOB#{id}`              | `body`                                 |
//! | link lease        | `T#{tenant}`               | `LEASE#{link}`               | `owner`, `until` (N, ms), `ttl` (N)    |
//! | tenant directory  | `TENANTS`                  | `T#{tenant}`                 | `tenant`, `created_at`                 |
//! | API key           | `T#{tenant}`               | `APIKEY#{id}`                | `body` (JSON: hash of the secret, never the key) |
//! | API key by id     | `APIKEY#{id}`              | `APIKEY`                     | `tenant`, `body`                       |
//! | pending OAuth authorization | `OAUTH#{sha256(state)}` | `OAUTH`             | `tenant`, `body` (sealed PKCE verifier), `expires_at` (N), `ttl` (N) |
//!
//! Every key starts with the tenant, except the tenant directory and three lookups by a
//! global id: a notification names only its channel, a request only its API key, an OAuth
//! callback only its state. The channel and API key lookups are written in one transaction
//! with the tenant's copy; a pending authorization has no copy (it lives ten minutes and is
//! taken once). Ids are `[A-Za-z0-9_-]`, so `#` never occurs inside one; free-form parts
//! (names, UIDs, remote ids) come last in their key. Item indexes and link state get
//! partitions of their own so a large calendar's index is read without touching the rest.
//! Values are read back from attributes, never parsed out of keys.
//!
//! Names are unique per tenant through the `*_NAME#` items, written in the same transaction as
//! their owner with `attribute_not_exists(pk) OR owner = :id`.
//!
//! # Consistency
//!
//! Reads are strongly consistent, except through [`DynamoStore::eventually_consistent`]
//! (the scheduler's, which plans from links and channels and tolerates a second of lag). A link's `version` is the optimistic lock of every pass;
//! see [`commit`] for what is atomic when a commit exceeds one transaction.

mod accounts;
mod api_keys;
mod calendars;
mod chunks;
mod codec;
mod commit;
mod links;
mod push;
mod table;
mod tenants;

pub use commit::CLAIM_LEASE_SECONDS;
pub use table::{TTL_ATTRIBUTE, create_table};

use crate::ports::StoreError;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem, Update,
};
use chunks::chunks;
use codec::Item;
use std::collections::HashMap;

/// DynamoDB's limit of actions in one TransactWriteItems call.
const MAX_TRANSACTION_ITEMS: usize = 100;

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    /// Strongly consistent unless a reader opted out ([`DynamoStore::eventually_consistent`]).
    consistent_reads: bool,
    /// How long a chunked commit's claim holds its link ([`CLAIM_LEASE_SECONDS`]).
    claim_lease: chrono::TimeDelta,
}

impl std::fmt::Debug for DynamoStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamoStore")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

/// A condition on one write: expression plus its `#name` and `:value` placeholders.
#[derive(Default)]
pub(super) struct Condition {
    expression: String,
    names: Vec<(&'static str, &'static str)>,
    values: Vec<(&'static str, AttributeValue)>,
}

impl Condition {
    pub(super) fn new(expression: impl Into<String>) -> Self {
        Self {
            expression: expression.into(),
            ..Self::default()
        }
    }
    pub(super) fn name(mut self, placeholder: &'static str, name: &'static str) -> Self {
        self.names.push((placeholder, name));
        self
    }
    pub(super) fn value(mut self, placeholder: &'static str, value: AttributeValue) -> Self {
        self.values.push((placeholder, value));
        self
    }
    fn names_map(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| {
            self.names
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect()
        })
    }
    fn values_map(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| {
            self.values
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.clone()))
                .collect()
        })
    }
}

/// Why a transaction did not commit.
pub(super) enum TransactionFailure {
    /// A condition failed (or a concurrent transaction touched an item): nothing was written.
    Rejected,
    Store(StoreError),
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            consistent_reads: true,
            claim_lease: chrono::TimeDelta::seconds(commit::CLAIM_LEASE_SECONDS),
        }
    }

    /// The same table with chunked commits' claims lapsing after `lease`: as long as the
    /// link lease of the workers that commit (tests that shorten that lease shorten this).
    pub fn with_claim_lease(self, lease: chrono::TimeDelta) -> Self {
        Self {
            claim_lease: lease,
            ..self
        }
    }

    /// The same table read with eventually consistent reads: half the read units, and a read
    /// may miss writes of the last second or so. Only for readers that tolerate that (the
    /// scheduler: a plan a second old checks a new link from the next tick).
    pub fn eventually_consistent(&self) -> Self {
        Self {
            consistent_reads: false,
            ..self.clone()
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    fn key(pk: String, sk: String) -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("pk".to_string(), AttributeValue::S(pk)),
            ("sk".to_string(), AttributeValue::S(sk)),
        ])
    }

    pub(super) async fn get(&self, pk: String, sk: String) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(pk, sk)))
            .consistent_read(self.consistent_reads)
            .send()
            .await
            .map_err(|e| unavailable("reading an item", e))?;
        Ok(out.item)
    }

    /// Every item of a partition whose sort key starts with `prefix`, all pages.
    pub(super) async fn query(&self, pk: String, prefix: &str) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                .expression_attribute_values(":pk", AttributeValue::S(pk.clone()))
                .expression_attribute_values(":prefix", AttributeValue::S(prefix.to_string()))
                .consistent_read(self.consistent_reads)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| unavailable("querying items", e))?;
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(items),
            }
        }
    }

    pub(super) fn put(
        &self,
        item: Item,
        condition: Option<Condition>,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut put = Put::builder().table_name(&self.table).set_item(Some(item));
        if let Some(c) = condition {
            put = put
                .condition_expression(&c.expression)
                .set_expression_attribute_names(c.names_map())
                .set_expression_attribute_values(c.values_map());
        }
        let put = put.build().map_err(build_error)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    pub(super) fn delete(
        &self,
        pk: String,
        sk: String,
        condition: Option<Condition>,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(Self::key(pk, sk)));
        if let Some(c) = condition {
            delete = delete
                .condition_expression(&c.expression)
                .set_expression_attribute_names(c.names_map())
                .set_expression_attribute_values(c.values_map());
        }
        let delete = delete.build().map_err(build_error)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// `update` is an update expression whose placeholders live in `condition` (whose
    /// expression may be empty for an unconditional update).
    pub(super) fn update(
        &self,
        pk: String,
        sk: String,
        update: &str,
        condition: Condition,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut builder = Update::builder()
            .table_name(&self.table)
            .set_key(Some(Self::key(pk, sk)))
            .update_expression(update)
            .set_expression_attribute_names(condition.names_map())
            .set_expression_attribute_values(condition.values_map());
        if !condition.expression.is_empty() {
            builder = builder.condition_expression(&condition.expression);
        }
        let update = builder.build().map_err(build_error)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    pub(super) fn check(
        &self,
        pk: String,
        sk: String,
        condition: Condition,
    ) -> Result<TransactWriteItem, StoreError> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(Self::key(pk, sk)))
            .condition_expression(&condition.expression)
            .set_expression_attribute_names(condition.names_map())
            .set_expression_attribute_values(condition.values_map())
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    /// One TransactWriteItems call: all of `items` or none.
    pub(super) async fn transact(
        &self,
        items: Vec<TransactWriteItem>,
    ) -> Result<(), TransactionFailure> {
        if items.is_empty() {
            return Ok(());
        }
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) => match err.as_service_error() {
                // Conditions that failed and conflicts with concurrent transactions alike
                // arrive as cancellation reasons.
                Some(TransactWriteItemsError::TransactionCanceledException(_)) => {
                    Err(TransactionFailure::Rejected)
                }
                _ => Err(TransactionFailure::Store(unavailable(
                    "writing a transaction",
                    err,
                ))),
            },
        }
    }

    /// A single transaction whose only expected failure is a condition: `rejected` names it.
    /// Deletes an item and the claim on its unique name (`<kind>_NAME#<name>`, held by
    /// `owner`) in one transaction; `what` names it in the conflict error.
    pub(super) async fn delete_named(
        &self,
        pk: String,
        item_sk: String,
        name_sk: String,
        owner: &str,
        what: &str,
    ) -> Result<(), StoreError> {
        let writes = vec![
            self.delete(pk.clone(), item_sk, None)?,
            self.delete(
                pk,
                name_sk,
                Some(
                    Condition::new("attribute_not_exists(pk) OR #owner = :owner")
                        .name("#owner", "owner")
                        .value(":owner", codec::s(owner)),
                ),
            )?,
        ];
        self.transact_or(writes, || {
            StoreError::Conflict(format!("{what} changed while being deleted"))
        })
        .await
    }

    pub(super) async fn transact_or(
        &self,
        items: Vec<TransactWriteItem>,
        rejected: impl FnOnce() -> StoreError,
    ) -> Result<(), StoreError> {
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactionFailure::Rejected) => Err(rejected()),
            Err(TransactionFailure::Store(e)) => Err(e),
        }
    }

    /// Deletes every listed item, up to a transaction's worth at a time (not atomic as a
    /// whole: callers delete the owning item first, so a half-done removal is invisible).
    pub(super) async fn delete_all(&self, items: Vec<Item>) -> Result<(), StoreError> {
        let mut deletes = Vec::with_capacity(items.len());
        for item in items {
            let pk = codec::string(&item, "pk")?.to_string();
            let sk = codec::string(&item, "sk")?.to_string();
            deletes.push(self.delete(pk, sk, None)?);
        }
        for chunk in chunks(deletes, MAX_TRANSACTION_ITEMS) {
            self.transact_or(chunk, || {
                StoreError::Conflict("a concurrent write interrupted a removal".into())
            })
            .await?;
        }
        Ok(())
    }
}

/// A request the SDK could not even build: a bug in this adapter, reported like an outage.
fn build_error(err: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Unavailable(format!("building a DynamoDB request: {err}"))
}

pub(super) fn unavailable<E>(what: &str, err: E) -> StoreError
where
    E: std::error::Error,
{
    StoreError::Unavailable(format!("{what}: {}", DisplayErrorContext(&err)))
}
