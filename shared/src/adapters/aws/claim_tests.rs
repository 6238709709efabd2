//! A chunked commit cut off after it claimed its link (the sync worker killed mid-commit, as
//! the chaos run on AWS does) leaves the claim for no longer than the worker's link lease.

use super::dynamo::DynamoStore;
use super::tests::{big_delta, moto, store};
use crate::cloud::sync_worker::WorkerSettings;
use crate::domain::TenantId;
use crate::ports::contract::store::fixtures::{link_id, linked_pair};
use crate::ports::{LinkCommit, LinkStatus, StoreError, SyncCommit, SyncStateStore};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{TimeDelta, Utc};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn commit_of(events: usize) -> SyncCommit {
    SyncCommit {
        calendars: vec![],
        link: Some(LinkCommit {
            link: link_id("l1"),
            expected_version: 0,
            delta: if events == 0 {
                Default::default()
            } else {
                big_delta(events)
            },
            status: LinkStatus::default(),
        }),
    }
}

/// Starts a commit too large for one transaction and aborts it once the link is claimed;
/// returns the claim's end (seconds since the epoch) as stored.
async fn claim_and_crash(store: &Arc<DynamoStore>, t: &TenantId) -> i64 {
    let client = aws_sdk_dynamodb::Client::new(&moto().await);
    let committing = tokio::spawn({
        let (store, t) = (store.clone(), t.clone());
        async move { store.commit(&t, &commit_of(300)).await }
    });
    let started = Instant::now();
    loop {
        let link = client
            .get_item()
            .table_name(store.table())
            .key("pk", AttributeValue::S(format!("T#{t}")))
            .key("sk", AttributeValue::S("LINK#l1".into()))
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .item
            .unwrap();
        if let Some(AttributeValue::N(until)) = link.get("claim_until") {
            committing.abort();
            return until.parse().unwrap();
        }
        assert!(
            !committing.is_finished() && started.elapsed() < Duration::from_secs(30),
            "the commit ended before it was seen holding its claim"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_left_by_a_worker_killed_mid_commit_lapses_with_its_link_lease() {
    let store = Arc::new(store().await);
    let t = linked_pair(store.as_ref(), "claim-crash").await;
    let lease = WorkerSettings::default().lease_hold.num_seconds();
    let until = claim_and_crash(&store, &t).await;
    assert!(
        until <= Utc::now().timestamp() + lease,
        "the claim holds the link {} s, the worker's lease only {lease} s",
        until - Utc::now().timestamp()
    );
    let blocked = store.commit(&t, &commit_of(0)).await;
    assert!(
        matches!(blocked, Err(StoreError::Conflict(_))),
        "{blocked:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_the_claim_of_a_killed_commit_lapses_the_next_pass_commits() {
    let store = Arc::new(store().await.with_claim_lease(TimeDelta::seconds(1)));
    let t = linked_pair(store.as_ref(), "claim-lapse").await;
    let until = claim_and_crash(&store, &t).await;
    let started = Instant::now();
    loop {
        match store.commit(&t, &commit_of(0)).await {
            Ok(()) => break,
            Err(StoreError::Conflict(_)) => {
                assert!(
                    started.elapsed() < Duration::from_secs(10),
                    "still claimed 10 s after a 1 s claim"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => panic!("{error}"),
        }
    }
    assert!(Utc::now().timestamp() > until);
    let loaded = store.load_link_state(&t, &link_id("l1")).await.unwrap();
    assert_eq!(loaded.status.version, 1);
}
