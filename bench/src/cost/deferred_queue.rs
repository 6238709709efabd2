//! The scheduler's queue in the bench. The scheduler spreads a minute's checks with SQS
//! delays (0-59 s); moto_server honours them in real time, which an hour simulated in minutes
//! cannot wait for. This queue holds each call; the bench then sends it as it was made (the
//! same SendMessageBatch calls, with their delays) to a sink queue nobody reads, which the
//! proxy counts, and replays the jobs into the work queue, uncounted and without the delay, at
//! the simulated second each was due: the sync worker receives them grouped as Lambda's event
//! source would (a second's messages together).

use async_trait::async_trait;
use calsync_core::ports::{Job, JobQueue, QueueError};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// One `enqueue_spread` (or `enqueue_after`) call: each delay with its jobs.
pub type Spread = Vec<(Duration, Vec<Job>)>;

#[derive(Default)]
pub struct DeferredQueue {
    held: Mutex<Vec<Spread>>,
}

impl DeferredQueue {
    /// Every call held, and the queue is empty again.
    pub fn take(&self) -> Vec<Spread> {
        self.held
            .lock()
            .map(|mut held| std::mem::take(&mut *held))
            .unwrap_or_default()
    }
}

/// The jobs of `calls` by delay, each call's jobs of a delay together.
pub fn by_delay(calls: &[Spread]) -> BTreeMap<Duration, Vec<Vec<Job>>> {
    let mut due: BTreeMap<Duration, Vec<Vec<Job>>> = BTreeMap::new();
    for (delay, jobs) in calls.iter().flatten() {
        due.entry(*delay).or_default().push(jobs.clone());
    }
    due
}

#[async_trait]
impl JobQueue for DeferredQueue {
    async fn enqueue_after(&self, delay: Duration, jobs: Vec<Job>) -> Result<(), QueueError> {
        self.enqueue_spread(vec![(delay, jobs)]).await
    }

    async fn enqueue_spread(&self, groups: Spread) -> Result<(), QueueError> {
        self.held
            .lock()
            .map_err(|_| QueueError::Unavailable("the bench's queue lock is poisoned".into()))?
            .push(groups);
        Ok(())
    }
}
