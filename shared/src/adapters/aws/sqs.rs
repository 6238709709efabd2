//! The job queue on SQS. Many jobs travel in one message (a JSON array), up to
//! [`MAX_CALENDARS_PER_MESSAGE`] calendar checks: the scheduler queues thousands of checks a
//! minute, and one message per check would make SQS and Lambda the largest part of the bill.
//! The sync Lambda receives the messages through its SQS event source and decodes each record
//! with [`parse_message`], so this side only sends.

use crate::ports::{Job, JobQueue, MAX_QUEUE_DELAY, QueueError};
use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use std::time::Duration;

/// SQS limits: entries per SendMessageBatch, and bytes per batch (256 KiB).
const MAX_BATCH_ENTRIES: usize = 10;
const MAX_BATCH_BYTES: usize = 256 * 1024;
/// SQS bills every 64 KiB of a request as one request: messages stay within one such chunk.
const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// Calendar checks per message: one sync invocation handles a batch of messages, so this
/// bounds the work (and the time to the last check) of one invocation.
pub const MAX_CALENDARS_PER_MESSAGE: usize = 50;

#[derive(Debug, Clone)]
pub struct SqsJobQueue {
    client: Client,
    queue_url: String,
}

/// A message body that is not a job this build knows (a bug, or a newer sender).
#[derive(Debug, thiserror::Error)]
#[error("the message is not a job: {0}")]
pub struct MalformedJob(#[from] serde_json::Error);

/// Decodes one SQS message body written by [`SqsJobQueue::enqueue`]: an array of jobs (or a
/// single job, as an operator may send by hand).
pub fn parse_message(body: &str) -> Result<Vec<Job>, MalformedJob> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Body {
        Many(Vec<Job>),
        One(Job),
    }
    Ok(match serde_json::from_str(body)? {
        Body::Many(jobs) => jobs,
        Body::One(job) => vec![job],
    })
}

/// Message bodies for `jobs`, each within the calendar and byte limits. A sync job over the
/// calendar limit is split (its calendars are checked the same, in several invocations).
pub fn pack_messages(jobs: Vec<Job>) -> Result<Vec<String>, QueueError> {
    let mut bodies = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let (mut weight, mut bytes) = (0, 2);
    for job in jobs.into_iter().flat_map(split_large) {
        let encoded = serde_json::to_string(&job)
            .map_err(|e| QueueError::Unavailable(format!("cannot encode a job: {e}")))?;
        if encoded.len() + 2 > MAX_MESSAGE_BYTES {
            return Err(QueueError::TooLarge(format!(
                "{} bytes, a message takes at most {MAX_MESSAGE_BYTES}",
                encoded.len()
            )));
        }
        let full = weight + job.weight() > MAX_CALENDARS_PER_MESSAGE
            || bytes + encoded.len() + 1 > MAX_MESSAGE_BYTES;
        if full && !current.is_empty() {
            bodies.push(format!("[{}]", current.join(",")));
            current.clear();
            (weight, bytes) = (0, 2);
        }
        weight += job.weight();
        bytes += encoded.len() + 1;
        current.push(encoded);
    }
    if !current.is_empty() {
        bodies.push(format!("[{}]", current.join(",")));
    }
    Ok(bodies)
}

fn split_large(job: Job) -> Vec<Job> {
    match job {
        Job::Sync {
            tenant,
            calendars,
            reason,
            mut cursors,
        } if calendars.len() > MAX_CALENDARS_PER_MESSAGE => calendars
            .chunks(MAX_CALENDARS_PER_MESSAGE)
            .map(|chunk| Job::Sync {
                tenant: tenant.clone(),
                calendars: chunk.to_vec(),
                reason,
                cursors: chunk
                    .iter()
                    .filter_map(|c| Some((c.clone(), cursors.remove(c)?)))
                    .collect(),
            })
            .collect(),
        other => vec![other],
    }
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

    /// Sends one SendMessageBatch of (body, delay) entries.
    async fn send_batch(&self, messages: Vec<(String, Duration)>) -> Result<(), QueueError> {
        let unavailable = |e: &dyn std::fmt::Display| QueueError::Unavailable(e.to_string());
        let entries = messages
            .into_iter()
            .enumerate()
            .map(|(n, (body, delay))| {
                let delay_seconds =
                    i32::try_from(delay.min(MAX_QUEUE_DELAY).as_secs()).unwrap_or(900);
                SendMessageBatchRequestEntry::builder()
                    .id(n.to_string())
                    .message_body(body)
                    .delay_seconds(delay_seconds)
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
                "SQS refused {} of the messages: {} ({})",
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
    async fn enqueue_after(&self, delay: Duration, jobs: Vec<Job>) -> Result<(), QueueError> {
        self.enqueue_spread(vec![(delay, jobs)]).await
    }

    /// Every group's messages share SendMessageBatch calls (ten entries, 256 KiB each), each
    /// entry with its group's delay: a tick's twelve steps cost two calls, not twelve.
    async fn enqueue_spread(&self, groups: Vec<(Duration, Vec<Job>)>) -> Result<(), QueueError> {
        let mut batch: Vec<(String, Duration)> = Vec::new();
        let mut batch_bytes = 0;
        for (delay, jobs) in groups {
            for body in pack_messages(jobs)? {
                if batch.len() == MAX_BATCH_ENTRIES || batch_bytes + body.len() > MAX_BATCH_BYTES {
                    self.send_batch(std::mem::take(&mut batch)).await?;
                    batch_bytes = 0;
                }
                batch_bytes += body.len();
                batch.push((body, delay));
            }
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
    use crate::domain::{CalendarId, TenantId};
    use crate::ports::SyncReason;

    #[test]
    fn a_body_that_is_not_a_job_is_malformed() {
        assert!(parse_message("{\"job\": \"teleport\"}").is_err());
        assert!(parse_message("[{\"job\": \"teleport\"}]").is_err());
        assert!(parse_message("not json").is_err());
    }

    fn sync_job(tenant: &str, calendars: usize) -> Job {
        Job::Sync {
            tenant: TenantId::parse(tenant).unwrap(),
            calendars: (0..calendars)
                .map(|n| CalendarId::parse(format!("c{n}")).unwrap())
                .collect(),
            reason: SyncReason::Poll,
            cursors: Default::default(),
        }
    }

    #[test]
    fn jobs_are_packed_many_calendars_per_message_and_come_back_whole() {
        let jobs: Vec<Job> = (0..30).map(|n| sync_job(&format!("t{n}"), 7)).collect();
        let bodies = pack_messages(jobs.clone()).unwrap();
        // 210 checks at 50 per message, never splitting a job that fits.
        assert_eq!(bodies.len(), 5);
        let back: Vec<Job> = bodies
            .iter()
            .flat_map(|b| parse_message(b).unwrap())
            .collect();
        assert_eq!(back, jobs);
        for body in &bodies {
            let weight: usize = parse_message(body).unwrap().iter().map(Job::weight).sum();
            assert!(weight <= MAX_CALENDARS_PER_MESSAGE);
            assert!(body.len() <= MAX_MESSAGE_BYTES);
        }
    }

    #[test]
    fn a_sync_job_over_the_limit_is_split_without_losing_a_calendar() {
        let bodies = pack_messages(vec![sync_job("t", 120)]).unwrap();
        assert_eq!(bodies.len(), 3);
        let calendars: Vec<CalendarId> = bodies
            .iter()
            .flat_map(|b| parse_message(b).unwrap())
            .flat_map(|job| match job {
                Job::Sync { calendars, .. } => calendars,
                _ => Vec::new(),
            })
            .collect();
        assert_eq!(calendars.len(), 120);
        assert_eq!(
            calendars,
            match sync_job("t", 120) {
                Job::Sync { calendars, .. } => calendars,
                _ => unreachable!(),
            }
        );
    }

    #[test]
    fn a_single_job_body_is_accepted() {
        let job = sync_job("t", 1);
        let body = serde_json::to_string(&job).unwrap();
        assert_eq!(parse_message(&body).unwrap(), vec![job]);
    }
}
