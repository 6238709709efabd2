//! The AWS adapters against moto_server (started by `scripts/test.sh`, which exports
//! `CALSYNC_TEST_AWS_ENDPOINT`). Every test creates its own table, queue or key.

use super::config;
use super::dynamo::{DynamoStore, create_table};
use super::kms::{CacheLimits, KmsSealer};
use super::sqs::{SqsJobQueue, parse_message};
use crate::domain::{CalendarId, RemoteId};
use crate::engine::LinkStateDelta;
use crate::ports::contract;
use crate::ports::contract::store::fixtures::{
    calendar_id, item, link_id, linked_pair, origin, shadow, synced, tenant,
};
use crate::ports::{
    CalendarCommit, CalendarStore, CalendarSyncState, IndexChange, Job, LinkCommit, LinkStatus,
    SealContext, SecretSealer, StoreError, SyncCommit, SyncStateStore,
};
use aws_config::SdkConfig;
use rand::RngCore;
use std::collections::BTreeMap;

pub(super) async fn moto() -> SdkConfig {
    let endpoint = std::env::var("CALSYNC_TEST_AWS_ENDPOINT")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| {
            panic!(
                "CALSYNC_TEST_AWS_ENDPOINT is not set: run scripts/test.sh, which starts \
                 moto_server (or `eval \"$(scripts/servers.sh start)\"` before cargo test)"
            )
        });
    config::for_emulator(&endpoint).await
}

fn unique(label: &str) -> String {
    format!("calsync-test-{label}-{:08x}", rand::rng().next_u32())
}

pub(super) async fn store() -> DynamoStore {
    let client = aws_sdk_dynamodb::Client::new(&moto().await);
    let table = unique("store");
    create_table(&client, &table).await.unwrap();
    DynamoStore::new(client, table)
}

// Multi-threaded, so the contract's racing commits really run in parallel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamo_store_passes_the_store_contract() {
    let store = store().await;
    contract::store::run_all(&store).await;
}

#[tokio::test]
async fn dynamo_store_passes_the_api_key_and_pending_authorization_contracts() {
    let store = store().await;
    contract::api_keys::run_all(&store).await;
    contract::pending_authorizations::run_all(&store).await;
}

#[tokio::test]
async fn the_table_has_time_to_live_on_ttl() {
    let store = store().await;
    let client = aws_sdk_dynamodb::Client::new(&moto().await);
    let ttl = client
        .describe_time_to_live()
        .table_name(store.table())
        .send()
        .await
        .unwrap();
    let description = ttl.time_to_live_description.unwrap();
    assert_eq!(description.attribute_name.as_deref(), Some("ttl"));
}

fn calendar_commit_of(calendar: &CalendarId, token: &str, items: usize) -> CalendarCommit {
    CalendarCommit {
        calendar: calendar.clone(),
        state: CalendarSyncState {
            cursor: crate::domain::SyncCursor {
                token: Some(token.into()),
                ctag: None,
                modified_gate: None,
            },
            item_count: items,
            ..CalendarSyncState::default()
        },
        index: (0..items)
            .map(|n| {
                (
                    RemoteId(format!("/c1/{n}.ics")),
                    IndexChange::Upsert(Some(crate::domain::Etag(format!("\"{n}\"")))),
                )
            })
            .collect::<BTreeMap<_, _>>(),
        replace_index: true,
    }
}

pub(super) fn big_delta(events: usize) -> LinkStateDelta {
    let mut delta = LinkStateDelta::default();
    for n in 0..events {
        let uid = format!("e{n}");
        delta
            .shadows
            .insert(origin("c1", &uid), Some(shadow("c1", &uid, &uid, &["c2"])));
        delta.items.insert(
            item("c1", &format!("/c1/{n}.ics")),
            Some(synced("c1", &uid, Some("\"1\""))),
        );
    }
    delta
}

/// 150 index entries + 300 shadows and bindings: five transactions behind a claim.
#[tokio::test]
async fn a_commit_larger_than_one_transaction_is_applied_whole() {
    let store = store().await;
    let t = linked_pair(&store, "chunked").await;
    let c1 = calendar_id("c1");
    let commit = SyncCommit {
        calendars: vec![calendar_commit_of(&c1, "s1", 150)],
        link: Some(LinkCommit {
            link: link_id("l1"),
            expected_version: 0,
            delta: big_delta(150),
            status: LinkStatus {
                event_count: 150,
                ..LinkStatus::default()
            },
        }),
    };
    store.commit(&t, &commit).await.unwrap();

    let loaded = store.load_link_state(&t, &link_id("l1")).await.unwrap();
    assert_eq!(loaded.status.version, 1);
    assert_eq!(loaded.status.event_count, 150);
    assert_eq!(loaded.state.shadows.len(), 150);
    assert_eq!(loaded.state.items.len(), 150);
    assert_eq!(store.item_index(&t, &c1).await.unwrap().len(), 150);
    assert_eq!(
        store.calendar_state(&t, &c1).await.unwrap(),
        commit.calendars[0].state
    );
    // The claim is gone: an ordinary small commit goes through.
    let small = SyncCommit {
        calendars: vec![],
        link: Some(LinkCommit {
            link: link_id("l1"),
            expected_version: 1,
            delta: LinkStateDelta::default(),
            status: LinkStatus::default(),
        }),
    };
    store.commit(&t, &small).await.unwrap();

    // A stale large commit is refused before it writes anything.
    let mut stale = commit.clone();
    stale.calendars = vec![calendar_commit_of(&c1, "stale", 120)];
    stale.link = Some(LinkCommit {
        delta: big_delta(140),
        ..commit.link.clone().unwrap()
    });
    let before = store.load_link_state(&t, &link_id("l1")).await.unwrap();
    let result = store.commit(&t, &stale).await;
    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
    assert_eq!(
        store.load_link_state(&t, &link_id("l1")).await.unwrap(),
        before
    );
    assert_eq!(store.item_index(&t, &c1).await.unwrap().len(), 150);
}

#[tokio::test]
async fn a_large_commit_to_an_unknown_calendar_writes_nothing() {
    let store = store().await;
    let t = tenant("chunked-unknown");
    let c9 = calendar_id("c9");
    let commit = SyncCommit {
        calendars: vec![calendar_commit_of(&c9, "s1", 130)],
        link: None,
    };
    let result = store.commit(&t, &commit).await;
    assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
    assert!(store.item_index(&t, &c9).await.unwrap().is_empty());
}

#[tokio::test]
async fn kms_sealer_passes_the_sealer_contract() {
    let config = moto().await;
    let client = aws_sdk_kms::Client::new(&config);
    let key = client.create_key().send().await.unwrap();
    let key_id = key.key_metadata.unwrap().key_id;
    let sealer = KmsSealer::new(client, key_id, CacheLimits::default());
    contract::sealer::run_all(&sealer).await;
}

#[tokio::test]
async fn a_sealer_without_its_cache_still_refuses_the_wrong_context() {
    let config = moto().await;
    let client = aws_sdk_kms::Client::new(&config);
    let key = client.create_key().send().await.unwrap();
    let key_id = key.key_metadata.unwrap().key_id;
    let ctx = |t: &str, a: &str| SealContext {
        tenant: crate::domain::TenantId::parse(t).unwrap(),
        account: crate::domain::AccountId::parse(a).unwrap(),
    };
    let sealed = KmsSealer::new(client.clone(), key_id.clone(), CacheLimits::default())
        .seal(&ctx("t1", "a1"), b"token")
        .await
        .unwrap();
    // A fresh sealer has nothing cached: KMS itself must refuse the other context.
    let fresh = KmsSealer::new(client, key_id, CacheLimits::default());
    let result = fresh.open(&ctx("t1", "a2"), &sealed).await;
    assert!(
        matches!(result, Err(crate::ports::SealError::CannotOpen)),
        "{:?}",
        result.map(|_| "<plaintext>")
    );
    let opened = fresh.open(&ctx("t1", "a1"), &sealed).await.unwrap();
    assert_eq!(opened.as_slice(), b"token");
}

#[tokio::test]
async fn the_sqs_queue_passes_the_queue_contract() {
    let config = moto().await;
    let client = aws_sdk_sqs::Client::new(&config);
    let queue_url = client
        .create_queue()
        .queue_name(unique("jobs"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let queue = SqsJobQueue::new(client.clone(), &queue_url);
    let mut drain = SqsDrain { client, queue_url };
    contract::queue::run_all(&queue, &mut drain).await;
}

/// Receives and deletes, as the sync function's event source does.
struct SqsDrain {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

#[async_trait::async_trait]
impl contract::queue::Drain for SqsDrain {
    async fn receive_for(&mut self, wait: std::time::Duration) -> Vec<Job> {
        let deadline = std::time::Instant::now() + wait;
        let mut jobs = Vec::new();
        while std::time::Instant::now() < deadline {
            let out = self
                .client
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .send()
                .await
                .unwrap();
            let messages = out.messages.unwrap_or_default();
            if messages.is_empty() {
                // Polling an emulator: a short pause between empty receives.
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            for message in messages {
                jobs.extend(parse_message(message.body.as_deref().unwrap()).unwrap());
                self.client
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(message.receipt_handle.unwrap())
                    .send()
                    .await
                    .unwrap();
            }
        }
        jobs
    }
}

/// Two passes from one version with commits too large for one transaction: the claim lets
/// exactly one through, and the loser writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_large_commits_racing_from_one_version_only_one_commits() {
    let store = store().await;
    let t = linked_pair(&store, "chunked-race").await;
    let commit_of = |events: usize| SyncCommit {
        calendars: vec![],
        link: Some(LinkCommit {
            link: link_id("l1"),
            expected_version: 0,
            delta: big_delta(events),
            status: LinkStatus {
                event_count: events,
                ..LinkStatus::default()
            },
        }),
    };
    let (a, b) = (commit_of(120), commit_of(130));

    let (ra, rb) = futures::join!(store.commit(&t, &a), store.commit(&t, &b));

    let (winner, loser) = match (ra, rb) {
        (Ok(()), Err(e)) => (a, e),
        (Err(e), Ok(())) => (b, e),
        other => panic!("exactly one commit must win: {other:?}"),
    };
    assert!(matches!(loser, StoreError::Conflict(_)), "{loser:?}");
    let loaded = store.load_link_state(&t, &link_id("l1")).await.unwrap();
    let events = winner.link.unwrap().status.event_count;
    assert_eq!(loaded.status.version, 1);
    assert_eq!(loaded.status.event_count, events);
    assert_eq!(loaded.state.shadows.len(), events);
    assert_eq!(loaded.state.items.len(), events);
}

#[tokio::test]
async fn the_tenant_directory_pages_through_every_tenant_once() {
    use crate::domain::TenantId;
    use crate::ports::TenantDirectory;
    let store = store().await;
    let now = chrono::Utc::now();
    let mut created: Vec<TenantId> = (0..23)
        .map(|n| TenantId::parse(format!("tenant{n:02}")).unwrap())
        .collect();
    for tenant in &created {
        store.create_tenant(tenant, now).await.unwrap();
    }
    assert!(matches!(
        store.create_tenant(&created[3], now).await,
        Err(StoreError::Conflict(_))
    ));
    let mut listed = Vec::new();
    let mut after = None;
    loop {
        let page = store.list_tenants(after.as_ref(), 10).await.unwrap();
        let done = page.len() < 10;
        after = page.last().cloned();
        listed.extend(page);
        if done {
            break;
        }
    }
    created.sort();
    assert_eq!(listed, created);
}

#[tokio::test]
async fn a_link_lease_has_one_holder_until_it_expires_or_is_released() {
    use crate::ports::LeaseStore;
    let store = store().await;
    let (tenant, link) = (tenant("lease"), link_id("l1"));
    let now = chrono::Utc::now();
    let until = now + chrono::TimeDelta::seconds(90);
    assert!(
        store
            .acquire_lease(&tenant, &link, "worker-a", now, until)
            .await
            .unwrap()
    );
    assert!(
        !store
            .acquire_lease(&tenant, &link, "worker-b", now, until)
            .await
            .unwrap()
    );
    // The holder may extend its own lease.
    assert!(
        store
            .acquire_lease(&tenant, &link, "worker-a", now, until)
            .await
            .unwrap()
    );
    // Another tenant's link of the same id is another lease.
    assert!(
        store
            .acquire_lease(
                &crate::ports::contract::store::fixtures::tenant("other"),
                &link,
                "worker-b",
                now,
                until
            )
            .await
            .unwrap()
    );
    // Releasing someone else's lease does nothing.
    store
        .release_lease(&tenant, &link, "worker-b")
        .await
        .unwrap();
    assert!(
        !store
            .acquire_lease(&tenant, &link, "worker-b", now, until)
            .await
            .unwrap()
    );
    // An expired lease can be taken over.
    let later = until + chrono::TimeDelta::seconds(1);
    assert!(
        store
            .acquire_lease(
                &tenant,
                &link,
                "worker-b",
                later,
                later + chrono::TimeDelta::seconds(90)
            )
            .await
            .unwrap()
    );
    store
        .release_lease(&tenant, &link, "worker-b")
        .await
        .unwrap();
    assert!(
        store
            .acquire_lease(&tenant, &link, "worker-c", now, until)
            .await
            .unwrap()
    );
}
