//! How a chaos run ends on AWS: with the functions stopped, one more scheduler tick and the
//! queue drained (every job run, the delayed ones when due) must write nothing; or, when the
//! run did not converge, what the store and the queues hold and what one more full
//! reconciliation does.

use super::lambdas::Lambdas;
use crate::aws::driver::take_queued_jobs;
use crate::aws::world::AwsWorld;
use aws_sdk_sqs::types::QueueAttributeName;
use calsync_core::domain::CalendarId;
use calsync_core::ports::{DeadJobStore, Job, LinkStore, SyncReason};
use calsync_core::usecases::{JobDone, merge_jobs};
use chrono::Utc;
use std::time::{Duration, Instant};

/// The wait before asking a queue that still holds delayed or in-flight messages again.
const DRAIN_POLL: Duration = Duration::from_millis(100);

impl Lambdas {
    async fn linked_calendars(&self) -> Vec<CalendarId> {
        let links = self
            .world
            .runtime
            .store
            .list_links(&self.world.tenant)
            .await
            .unwrap();
        links.into_iter().flat_map(|l| l.calendars).collect()
    }

    /// Runs every job the queue holds or will hold (delayed and in-flight ones included),
    /// merged as a sync invocation merges its batch, together with `check`, until the queue
    /// is empty; returns the writes they made.
    async fn drain(&self, check: Job) -> usize {
        let services = self.world.services();
        let mut jobs = vec![(check, ())];
        let mut writes = 0;
        let started = Instant::now();
        loop {
            loop {
                let taken = take_queued_jobs(&self.world.sqs, &self.world.queue_url).await;
                if taken.is_empty() {
                    break;
                }
                jobs.extend(taken.into_iter().map(|job| (job, ())));
            }
            for (job, _) in merge_jobs(std::mem::take(&mut jobs)) {
                writes += job_writes(&services.runner.run(&job).await.unwrap());
            }
            if queued(&self.world).await == 0 {
                return writes;
            }
            assert!(
                started.elapsed() < Duration::from_secs(90),
                "the queue did not drain"
            );
            tokio::time::sleep(DRAIN_POLL).await;
        }
    }

    /// The link's status, the queue, the DLQ and the parked jobs, then one full
    /// reconciliation of every linked calendar with the functions stopped.
    pub(super) async fn report_and_reconcile(&mut self) {
        let world = self.world.clone();
        let store = &world.runtime.store;
        for link in store.list_links(&world.tenant).await.unwrap() {
            let status = store.link_status(&world.tenant, &link.id).await.unwrap();
            eprintln!("chaos: link status after the deadline: {status:?}");
        }
        eprintln!(
            "chaos: {} messages queued, DLQ {:?}, parked {:?}",
            queued(&world).await,
            crate::aws::pipeline::dlq_bodies(&world).await,
            store.dead_jobs(&world.tenant).await.unwrap()
        );
        self.stop().await;
        let job = Job::sync(
            world.tenant.clone(),
            self.linked_calendars().await,
            SyncReason::Reconcile,
        );
        match world.services().runner.run(&job).await {
            Ok(done) => eprintln!(
                "chaos: one more full reconciliation: {} writes, operations {:?}, errors {:?}",
                job_writes(&done),
                done.reports
                    .iter()
                    .map(|r| &r.operations)
                    .collect::<Vec<_>>(),
                done.reports
                    .iter()
                    .flat_map(|r| &r.errors)
                    .collect::<Vec<_>>()
            ),
            Err(error) => eprintln!("chaos: the full reconciliation failed: {error}"),
        }
    }

    /// Stops the functions, then one more tick, the queue drained and one check of every
    /// linked calendar write nothing; the DLQ is empty, nothing parked, the link running.
    pub(super) async fn drain_quietly(&mut self, what: &str) {
        let started = Instant::now();
        self.stop().await;
        eprintln!("chaos: functions stopped in {:?}", started.elapsed());
        let world = self.world.clone();
        world.tick(Utc::now()).await;
        let check = Job::sync(
            world.tenant.clone(),
            self.linked_calendars().await,
            SyncReason::Poll,
        );
        let writes = self.drain(check).await;
        eprintln!("chaos: final tick and drain in {:?}", started.elapsed());
        assert_eq!(writes, 0, "{what}: the final tick and drain wrote");
        assert_eq!(
            crate::aws::pipeline::dlq_bodies(&world).await,
            Vec::<String>::new(),
            "{what}: messages in the DLQ"
        );
        let store = &world.runtime.store;
        let dead = store.dead_jobs(&world.tenant).await.unwrap();
        assert!(dead.is_empty(), "{what}: jobs parked as dead: {dead:?}");
        for link in store.list_links(&world.tenant).await.unwrap() {
            let status = store.link_status(&world.tenant, &link.id).await.unwrap();
            assert!(
                status.halted.is_none(),
                "{what}: the link halted: {status:?}"
            );
        }
    }
}

fn job_writes(done: &JobDone) -> usize {
    done.reports.iter().map(|r| r.writes()).sum()
}

/// Messages visible, in flight or delayed on the job queue.
async fn queued(world: &AwsWorld) -> usize {
    use QueueAttributeName as A;
    world
        .queued_messages(&[
            A::ApproximateNumberOfMessages,
            A::ApproximateNumberOfMessagesNotVisible,
            A::ApproximateNumberOfMessagesDelayed,
        ])
        .await
}
