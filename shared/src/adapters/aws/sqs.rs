//! The job queue on SQS. Jobs travel as JSON bodies; the sync Lambda receives them through
//! its SQS event source and decodes each record with [`parse_message`], so this side only
//! sends.

use crate::ports::{Job, JobQueue, QueueError};
use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;

/// SQS limits: entries per SendMessageBatch, and bytes per message and per batch (256 KiB).
const MAX_BATCH_ENTRIES: usize = 10;
const MAX_BATCH_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone)]
pub struct SqsJobQueue {
    client: Client,
    queue_url: String,
}

/// A message body that is not a job this build knows (a bug, or a newer sender).
#[derive(Debug, thiserror::Error)]
#[error("the message is not a job: {0}")]
pub struct MalformedJob(#[from] serde_json::Error);

/// Decodes one SQS message body written by [`SqsJobQueue::enqueue`].
pub fn parse_message(body: &str) -> Result<Job, MalformedJob> {
    Ok(serde_json::from_str(body)?)
}

impl SqsJobQueue {
    pub fn new(client: Client, queue_url: impl Into<String>) -> Self {
        Self {
            client,
            queue_url: queue_url.into(),
        }
    }

    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }

    async fn send_batch(&self, bodies: Vec<String>) -> Result<(), QueueError> {
        let unavailable = |e: &dyn std::fmt::Display| QueueError::Unavailable(e.to_string());
        let entries = bodies
            .into_iter()
            .enumerate()
            .map(|(n, body)| {
                SendMessageBatchRequestEntry::builder()
                    .id(n.to_string())
                    .message_body(body)
                    .build()
                    .map_err(|e| unavailable(&e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let out = self
            .client
            .send_message_batch()
            .queue_url(&self.queue_url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| unavailable(&DisplayErrorContext(e)))?;
        // A partial failure fails the whole call: the caller retries everything, and a job
        // delivered twice is harmless (a sync of an unchanged calendar finds nothing to do).
        if let Some(failed) = out.failed.first() {
            return Err(QueueError::Unavailable(format!(
                "SQS refused {} of the jobs: {} ({})",
                out.failed.len(),
                failed.code,
                failed.message.as_deref().unwrap_or("no message"),
            )));
        }
        Ok(())
    }
}

#[async_trait]
impl JobQueue for SqsJobQueue {
    async fn enqueue(&self, jobs: Vec<Job>) -> Result<(), QueueError> {
        let mut batch: Vec<String> = Vec::new();
        let mut batch_bytes = 0;
        for job in &jobs {
            let body = serde_json::to_string(job)
                .map_err(|e| QueueError::Unavailable(format!("cannot encode a job: {e}")))?;
            if body.len() > MAX_BATCH_BYTES {
                return Err(QueueError::TooLarge(format!(
                    "{} bytes, SQS takes at most {MAX_BATCH_BYTES}",
                    body.len()
                )));
            }
            if batch.len() == MAX_BATCH_ENTRIES || batch_bytes + body.len() > MAX_BATCH_BYTES {
                self.send_batch(std::mem::take(&mut batch)).await?;
                batch_bytes = 0;
            }
            batch_bytes += body.len();
            batch.push(body);
        }
        if !batch.is_empty() {
            self.send_batch(batch).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_that_is_not_a_job_is_malformed() {
        assert!(parse_message("{\"job\": \"teleport\"}").is_err());
        assert!(parse_message("not json").is_err());
    }
}
