//! The sync function, the SQS job queue's consumer: runs each batch of jobs (see
//! `calsync_core::cloud::sync_worker`) and reports the failed messages so SQS redelivers only
//! those (`ReportBatchItemFailures`); after 5 receives a message goes to the DLQ.

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use calsync_core::cloud::metrics::Metrics;
use calsync_core::cloud::sync_worker::{QueuedMessage, SyncWorker, WorkerSettings};
use calsync_core::cloud::{CloudConfig, CloudRuntime};
use lambda_runtime::{Error, LambdaEvent};

pub struct SyncFunction {
    worker: SyncWorker,
    config: CloudConfig,
}

impl SyncFunction {
    pub fn new(runtime: CloudRuntime, settings: WorkerSettings) -> Self {
        Self {
            config: runtime.config.clone(),
            worker: SyncWorker::new(runtime, settings),
        }
    }

    pub async fn handle(&self, event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, Error> {
        let mut metrics = Metrics::new(&self.config, "sync");
        let messages = event.payload.records.into_iter().map(|record| {
            let receive_count = record
                .attributes
                .get("ApproximateReceiveCount")
                .and_then(|n| n.parse().ok())
                .unwrap_or(1);
            QueuedMessage {
                id: record.message_id.unwrap_or_default(),
                body: record.body.unwrap_or_default(),
                receive_count,
            }
        });
        let failed = self
            .worker
            .run_batch(messages.collect(), &event.context.request_id, &mut metrics)
            .await;
        metrics.flush();
        let mut response = SqsBatchResponse::default();
        response.batch_item_failures = failed
            .into_iter()
            .map(|id| {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                failure
            })
            .collect();
        Ok(response)
    }
}
