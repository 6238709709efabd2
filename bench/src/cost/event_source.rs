//! Lambda's SQS event source, played by the bench: receive up to the stack's batch size,
//! run the sync worker on the batch (`SyncWorker::run_batch`, timed as the invocation), delete
//! what it did not report as failed with one DeleteMessageBatch. These SQS calls go through
//! the counting proxy: Lambda's pollers make them on the deployment's bill.

use super::ledger::Ledger;
use anyhow::Context;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName};
use calsync_core::cloud::metrics::Metrics;
use calsync_core::cloud::sync_worker::{QueuedMessage, SyncWorker};
use std::time::Instant;

/// infra/lib/calsync-stack.ts `SYNC_BATCH_SIZE`.
pub const BATCH_SIZE: i32 = 5;

pub struct EventSource<'a> {
    pub sqs: &'a aws_sdk_sqs::Client,
    pub queue_url: &'a str,
    pub worker: &'a SyncWorker,
}

impl EventSource<'_> {
    /// Invokes the worker until no message is visible; returns the messages it failed.
    pub async fn drain(&self, ledger: &mut Ledger) -> anyhow::Result<usize> {
        let mut failures = 0;
        loop {
            let received = self
                .sqs
                .receive_message()
                .queue_url(self.queue_url)
                .max_number_of_messages(BATCH_SIZE)
                .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
                .send()
                .await
                .context("receiving jobs")?;
            let messages = received.messages.unwrap_or_default();
            if messages.is_empty() {
                ledger.empty_receives += 1;
                return Ok(failures);
            }
            let batch: Vec<QueuedMessage> = messages
                .iter()
                .map(|m| QueuedMessage {
                    id: m.message_id.clone().unwrap_or_default(),
                    body: m.body.clone().unwrap_or_default(),
                    receive_count: m
                        .attributes
                        .as_ref()
                        .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(1),
                })
                .collect();
            let mut metrics = Metrics::new(&self.worker.runtime.config, "sync");
            let started = Instant::now();
            let failed = self.worker.run_batch(batch, "bench", &mut metrics).await;
            ledger.invocation("sync", started.elapsed().as_secs_f64(), &metrics);
            failures += failed.len();
            let done: Vec<DeleteMessageBatchRequestEntry> = messages
                .iter()
                .filter(|m| !failed.contains(&m.message_id.clone().unwrap_or_default()))
                .enumerate()
                .filter_map(|(n, m)| {
                    DeleteMessageBatchRequestEntry::builder()
                        .id(n.to_string())
                        .receipt_handle(m.receipt_handle.clone()?)
                        .build()
                        .ok()
                })
                .collect();
            if !done.is_empty() {
                self.sqs
                    .delete_message_batch()
                    .queue_url(self.queue_url)
                    .set_entries(Some(done))
                    .send()
                    .await
                    .context("deleting handled jobs")?;
            }
        }
    }
}
