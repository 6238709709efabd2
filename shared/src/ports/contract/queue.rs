//! The [`JobQueue`] contract: every job queued comes out once, whole (a queue may split a sync
//! job's calendars across messages), and a delayed job stays hidden until its delay passed.

use crate::domain::{CalendarId, TenantId};
use crate::ports::{Job, JobQueue, SyncReason};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The worker's side of a queue under test.
#[async_trait]
pub(crate) trait Drain: Send {
    /// Every job that becomes visible within `wait` (waiting the whole time).
    async fn receive_for(&mut self, wait: Duration) -> Vec<Job>;
}

pub(crate) async fn run_all(queue: &dyn JobQueue, drain: &mut dyn Drain) {
    nothing_queued_nothing_received(queue, drain).await;
    every_job_arrives_once_and_whole(queue, drain).await;
    a_delayed_job_stays_hidden_until_its_delay_passed(queue, drain).await;
    each_group_of_a_spread_keeps_its_own_delay(queue, drain).await;
}

fn tenant(label: &str) -> TenantId {
    TenantId::parse(label).unwrap()
}

fn sync(tenant_label: &str, calendars: usize, reason: SyncReason) -> Job {
    Job::Sync {
        tenant: tenant(tenant_label),
        calendars: (0..calendars)
            .map(|n| CalendarId::parse(format!("cal{n}")).unwrap())
            .collect(),
        reason,
        cursors: Default::default(),
    }
}

/// What a set of jobs asks for, independent of how a queue groups it: each calendar check of a
/// sync job, and each other job, counted.
fn work(jobs: &[Job]) -> BTreeMap<String, usize> {
    let mut atoms = BTreeMap::new();
    for job in jobs {
        match job {
            Job::Sync {
                tenant,
                calendars,
                reason,
                ..
            } => {
                for calendar in calendars {
                    *atoms
                        .entry(format!("sync {tenant} {reason:?} {calendar}"))
                        .or_default() += 1;
                }
            }
            other => {
                *atoms
                    .entry(serde_json::to_string(other).unwrap())
                    .or_default() += 1
            }
        }
    }
    atoms
}

async fn nothing_queued_nothing_received(queue: &dyn JobQueue, drain: &mut dyn Drain) {
    queue.enqueue(Vec::new()).await.unwrap();
    assert!(
        drain
            .receive_for(Duration::from_millis(300))
            .await
            .is_empty()
    );
}

async fn every_job_arrives_once_and_whole(queue: &dyn JobQueue, drain: &mut dyn Drain) {
    let mut jobs: Vec<Job> = (0..23)
        .map(|n| sync(&format!("tenant{n}"), 1 + n % 4, SyncReason::Poll))
        .collect();
    jobs.push(sync("big", 130, SyncReason::Reconcile));
    jobs.push(Job::RenewChannel {
        tenant: tenant("tenant1"),
        channel: "ch-1".into(),
    });
    jobs.push(Job::RecreateChannel {
        tenant: tenant("tenant2"),
        channel: "ch-2".into(),
    });
    jobs.push(Job::MaintainPush {
        tenant: tenant("tenant3"),
    });
    queue.enqueue(jobs.clone()).await.unwrap();
    let want = work(&jobs);
    let mut received = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while work(&received) != want && Instant::now() < deadline {
        received.extend(drain.receive_for(Duration::from_millis(200)).await);
    }
    assert_eq!(work(&received), want);
    // Nothing more comes (no duplicates).
    received.extend(drain.receive_for(Duration::from_millis(300)).await);
    assert_eq!(work(&received), want);
}

async fn a_delayed_job_stays_hidden_until_its_delay_passed(
    queue: &dyn JobQueue,
    drain: &mut dyn Drain,
) {
    let delayed = sync("delayed", 2, SyncReason::Poll);
    let queued_at = Instant::now();
    queue
        .enqueue_after(Duration::from_secs(2), vec![delayed.clone()])
        .await
        .unwrap();
    let early = drain.receive_for(Duration::from_millis(700)).await;
    assert!(early.is_empty(), "visible before its delay: {early:?}");
    let mut received = Vec::new();
    while received.is_empty() && queued_at.elapsed() < Duration::from_secs(10) {
        received = drain.receive_for(Duration::from_millis(200)).await;
    }
    assert!(queued_at.elapsed() >= Duration::from_secs(2));
    assert_eq!(work(&received), work(&[delayed]));
}

async fn each_group_of_a_spread_keeps_its_own_delay(queue: &dyn JobQueue, drain: &mut dyn Drain) {
    let now = sync("now", 3, SyncReason::Poll);
    let later = sync("later", 2, SyncReason::Poll);
    let queued_at = Instant::now();
    queue
        .enqueue_spread(vec![
            (Duration::ZERO, vec![now.clone()]),
            (Duration::from_secs(2), vec![later.clone()]),
        ])
        .await
        .unwrap();
    let mut early = Vec::new();
    while work(&early) != work(std::slice::from_ref(&now))
        && queued_at.elapsed() < Duration::from_millis(1500)
    {
        early.extend(drain.receive_for(Duration::from_millis(200)).await);
    }
    assert_eq!(work(&early), work(&[now]), "before the later group's delay");
    let mut received = Vec::new();
    while received.is_empty() && queued_at.elapsed() < Duration::from_secs(10) {
        received = drain.receive_for(Duration::from_millis(200)).await;
    }
    assert!(queued_at.elapsed() >= Duration::from_secs(2));
    assert_eq!(work(&received), work(&[later]));
}
