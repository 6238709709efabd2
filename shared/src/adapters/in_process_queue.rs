//! The embedded job queue: an unbounded in-process channel to the worker of `calsync serve`.
//! (On AWS the same port is served by SQS.)

use crate::ports::{Job, JobQueue, QueueError};
use async_trait::async_trait;
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

#[async_trait]
impl JobQueue for InProcessQueue {
    async fn enqueue(&self, jobs: Vec<Job>) -> Result<(), QueueError> {
        for job in jobs {
            self.sender
                .send(job)
                .map_err(|_| QueueError::Unavailable("the sync worker has stopped".into()))?;
        }
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
}
