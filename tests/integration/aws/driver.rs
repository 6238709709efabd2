//! The Lambda SQS event source mapping, played by the test: receive up to a batch of messages
//! (each becomes invisible for the queue's visibility timeout), invoke the sync function's
//! handler with them as an `SqsEvent`, delete the ones it did not report as failed. Failed ones
//! come back after the visibility timeout, and SQS (moto) moves a message to the DLQ once its
//! receive count passes the redrive policy's maximum.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use aws_sdk_sqs::types::MessageSystemAttributeName;
use calsync_fn_sync::SyncFunction;
use lambda_runtime::{Context, LambdaEvent};
use serde_json::json;
use std::time::{Duration, Instant};

/// What one invocation saw and answered.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub received: Vec<(String, String)>,
    pub failed: Vec<String>,
}

pub struct EventSource<'a> {
    pub sqs: &'a aws_sdk_sqs::Client,
    pub queue_url: &'a str,
    pub function: &'a SyncFunction,
    pub batch_size: i32,
    pub log: Vec<Invocation>,
}

impl EventSource<'_> {
    /// One receive + invoke + delete round; `None` when no message was visible.
    pub async fn poll_once(&mut self) -> Option<Invocation> {
        let out = self
            .sqs
            .receive_message()
            .queue_url(self.queue_url)
            .max_number_of_messages(self.batch_size)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .unwrap();
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            return None;
        }
        let records: Vec<_> = messages
            .iter()
            .map(|m| {
                let attributes: serde_json::Map<String, serde_json::Value> = m
                    .attributes
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k.as_str().to_string(), json!(v)))
                    .collect();
                json!({
                    "messageId": m.message_id,
                    "receiptHandle": m.receipt_handle,
                    "body": m.body,
                    "attributes": attributes,
                    "messageAttributes": {},
                    "md5OfBody": m.md5_of_body,
                    "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:jobs",
                    "awsRegion": "us-east-1",
                })
            })
            .collect();
        let event: SqsEvent = serde_json::from_value(json!({ "Records": records })).unwrap();
        let mut context = Context::default();
        context.request_id = format!("invocation-{}", rand::random::<u32>());
        let response: SqsBatchResponse = self
            .function
            .handle(LambdaEvent::new(event, context))
            .await
            .unwrap();
        let failed: Vec<String> = response
            .batch_item_failures
            .into_iter()
            .map(|f| f.item_identifier)
            .collect();
        for message in &messages {
            let id = message.message_id.clone().unwrap_or_default();
            if failed.contains(&id) {
                continue;
            }
            let deleted = self
                .sqs
                .delete_message()
                .queue_url(self.queue_url)
                .receipt_handle(message.receipt_handle.clone().unwrap())
                .send()
                .await;
            // An invocation that outlived the visibility timeout holds a handle superseded by
            // a later receive: SQS accepts it (the message may stay), moto refuses it.
            if let Err(error) = deleted
                && !error
                    .as_service_error()
                    .is_some_and(|e| e.is_receipt_handle_is_invalid())
            {
                panic!("deleting a handled message: {error:?}");
            }
        }
        let invocation = Invocation {
            received: messages
                .iter()
                .map(|m| {
                    (
                        m.message_id.clone().unwrap_or_default(),
                        m.body.clone().unwrap_or_default(),
                    )
                })
                .collect(),
            failed,
        };
        self.log.push(invocation.clone());
        Some(invocation)
    }

    /// Keeps polling until `done` holds (checked after every round) or `within` passed.
    pub async fn run_until<F, Fut>(&mut self, within: Duration, what: &str, mut done: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = Instant::now() + within;
        loop {
            if done().await {
                return;
            }
            assert!(Instant::now() < deadline, "within {within:?}: {what}");
            if self.poll_once().await.is_none() {
                // Nothing visible: delayed or invisible messages are not due yet.
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Every job visible on `queue_url` now, taken off the queue (for tests that look at what a
/// handler queued without running it).
pub async fn take_queued_jobs(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
) -> Vec<calsync_core::ports::Job> {
    let out = sqs
        .receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap();
    let mut jobs = Vec::new();
    for message in out.messages.unwrap_or_default() {
        jobs.extend(
            calsync_core::adapters::aws::sqs::parse_message(message.body().unwrap()).unwrap(),
        );
        sqs.delete_message()
            .queue_url(queue_url)
            .receipt_handle(message.receipt_handle().unwrap())
            .send()
            .await
            .unwrap();
    }
    jobs
}
