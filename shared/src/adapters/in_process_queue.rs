//! The embedded job queue: an unbounded in-process channel to the worker of `calsync serve`.
//! (On AWS the same port is served by SQS.)

use crate::ports::{Job, JobQueue, MAX_QUEUE_DELAY, QueueError};
use async_trait::async_trait;
use std::time::Duration;
use tokio::sync::mpsc;

#[derive(Clone)]
pub struct InProcessQueue {
    sender: mpsc::UnboundedSender<Job>,
}

impl InProcessQueue {
    /// The queue and the receiving end its worker reads.
    pub fn new() -> (Self, mpsc::UnboundedReceiver<Job>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        (Self { sender }, receiver)
    }
}

fn send_all(sender: &mpsc::UnboundedSender<Job>, jobs: Vec<Job>) -> Result<(), QueueError> {
    for job in jobs {
        sender
            .send(job)
            .map_err(|_| QueueError::Unavailable("the sync worker has stopped".into()))?;
    }
    Ok(())
}

#[async_trait]
impl JobQueue for InProcessQueue {
    async fn enqueue_after(&self, delay: Duration, jobs: Vec<Job>) -> Result<(), QueueError> {
        if delay.is_zero() {
            return send_all(&self.sender, jobs);
        }
        if self.sender.is_closed() {
            return Err(QueueError::Unavailable(
                "the sync worker has stopped".into(),
            ));
        }
        let sender = self.sender.clone();
        let delay = delay.min(MAX_QUEUE_DELAY);
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            // The worker stopped meanwhile: the process is shutting down, nothing to run.
            let _ = send_all(&sender, jobs);
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CalendarId, TenantId};
    use crate::ports::SyncReason;

    fn job(calendar: &str) -> Job {
        Job::Sync {
            tenant: TenantId::parse("t").unwrap(),
            calendars: vec![CalendarId::parse(calendar).unwrap()],
            reason: SyncReason::Push,
            cursors: Default::default(),
        }
    }

    #[tokio::test]
    async fn jobs_arrive_in_order_and_a_stopped_worker_is_an_error() {
        let (queue, mut worker) = InProcessQueue::new();
        queue.enqueue(vec![job("ca"), job("cb")]).await.unwrap();
        assert_eq!(worker.recv().await, Some(job("ca")));
        assert_eq!(worker.recv().await, Some(job("cb")));
        drop(worker);
        assert!(matches!(
            queue.enqueue(vec![job("cc")]).await,
            Err(QueueError::Unavailable(_))
        ));
    }

    struct ChannelDrain(mpsc::UnboundedReceiver<Job>);

    #[async_trait]
    impl crate::ports::contract::queue::Drain for ChannelDrain {
        async fn receive_for(&mut self, wait: Duration) -> Vec<Job> {
            let deadline = tokio::time::Instant::now() + wait;
            let mut jobs = Vec::new();
            while let Ok(Some(job)) = tokio::time::timeout_at(deadline, self.0.recv()).await {
                jobs.push(job);
            }
            jobs
        }
    }

    #[tokio::test]
    async fn the_in_process_queue_passes_the_queue_contract() {
        let (queue, worker) = InProcessQueue::new();
        crate::ports::contract::queue::run_all(&queue, &mut ChannelDrain(worker)).await;
    }
}
