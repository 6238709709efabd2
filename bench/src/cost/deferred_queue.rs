//! The scheduler's queue in the bench. The scheduler spreads a minute's checks with SQS
//! delays (0-59 s); moto_server honours them in real time, which an hour simulated in minutes
//! cannot wait for. This queue holds each `enqueue_after` call and the bench sends it later
//! through the real SQS queue, without the delay, at the simulated second it was due: the same
//! SendMessageBatch calls with the same messages, and the sync worker receives them grouped
//! as Lambda's event source would (a second's messages together).

use async_trait::async_trait;
use calsync_core::ports::{Job, JobQueue, QueueError};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

#[derive(Default)]
pub struct DeferredQueue {
    /// Delay -> the jobs of each `enqueue_after` call with that delay.
    held: Mutex<BTreeMap<Duration, Vec<Vec<Job>>>>,
}

impl DeferredQueue {
    /// Everything held, by delay, and the queue is empty again.
    pub fn take(&self) -> BTreeMap<Duration, Vec<Vec<Job>>> {
        self.held
            .lock()
            .map(|mut held| std::mem::take(&mut *held))
            .unwrap_or_default()
    }
}

#[async_trait]
impl JobQueue for DeferredQueue {
    async fn enqueue_after(&self, delay: Duration, jobs: Vec<Job>) -> Result<(), QueueError> {
        self.held
            .lock()
            .map_err(|_| QueueError::Unavailable("the bench's queue lock is poisoned".into()))?
            .entry(delay)
            .or_default()
            .push(jobs);
        Ok(())
    }
}
