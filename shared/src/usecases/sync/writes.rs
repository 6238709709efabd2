//! Carrying out a plan's writes against the providers, a bounded number at a time.

use super::{LinkProviders, LinkReport, Progress, SyncService};
use crate::domain::{CalendarId, CalendarInfo, RemoteId};
use crate::engine::{OpOutcome, Operation, PlannedOp};
use crate::ports::{CalendarProvider, IndexChange, ProviderError};
use futures::StreamExt;
use std::collections::BTreeMap;

/// The index changes our own writes made, per calendar.
pub(super) type IndexWrites = BTreeMap<CalendarId, BTreeMap<RemoteId, IndexChange>>;

impl SyncService {
    /// Runs the writes (outcomes in the order of `ops`), tallies them in the report and
    /// records what they did to each calendar's index.
    pub(super) async fn execute(
        &self,
        providers: &LinkProviders,
        ops: &[PlannedOp],
        progress: &dyn Progress,
        report: &mut LinkReport,
        index_writes: &mut IndexWrites,
    ) -> Vec<OpOutcome> {
        let calls: Vec<_> = ops
            .iter()
            .map(|planned| async move {
                let outcome = match providers.get(planned.op.calendar()) {
                    Some((provider, info)) => {
                        self.write(provider.as_ref(), info, &planned.op).await
                    }
                    None => OpOutcome::Failed {
                        reason: "calendar not in this link".into(),
                    },
                };
                progress.advanced(1);
                outcome
            })
            .collect();
        let outcomes: Vec<OpOutcome> = futures::stream::iter(calls)
            .buffered(self.write_parallelism.max(1))
            .collect()
            .await;
        for (planned, outcome) in ops.iter().zip(&outcomes) {
            let calendar = planned.op.calendar().clone();
            let tally = report.operations.entry(calendar.clone()).or_default();
            let writes = index_writes.entry(calendar).or_default();
            match (&planned.op, outcome) {
                (Operation::Create { .. }, OpOutcome::Written { remote_id, etag }) => {
                    tally.created += 1;
                    writes.insert(remote_id.clone(), IndexChange::Upsert(etag.clone()));
                }
                (Operation::Update { .. }, OpOutcome::Written { remote_id, etag }) => {
                    tally.updated += 1;
                    writes.insert(remote_id.clone(), IndexChange::Upsert(etag.clone()));
                }
                (Operation::Delete { item, .. }, OpOutcome::Deleted | OpOutcome::Missing) => {
                    tally.deleted += usize::from(*outcome == OpOutcome::Deleted);
                    writes.insert(item.remote_id.clone(), IndexChange::Remove);
                }
                (_, OpOutcome::Failed { reason }) => {
                    tally.failed += 1;
                    report.errors.push(reason.clone());
                }
                _ => {}
            }
        }
        outcomes
    }

    async fn write(
        &self,
        provider: &dyn CalendarProvider,
        info: &CalendarInfo,
        op: &Operation,
    ) -> OpOutcome {
        let result = match op {
            Operation::Create { key, event, .. } => self
                .retry
                .run(|| provider.create(info, key, event))
                .await
                .map(|w| OpOutcome::Written {
                    remote_id: w.remote_id,
                    etag: w.etag,
                }),
            Operation::Update { item, etag, event } => self
                .retry
                .run(|| provider.update(info, &item.remote_id, etag.as_ref(), event))
                .await
                .map(|w| OpOutcome::Written {
                    remote_id: w.remote_id,
                    etag: w.etag,
                }),
            Operation::Delete { item, etag } => self
                .retry
                .run(|| provider.delete(info, &item.remote_id, etag.as_ref()))
                .await
                .map(|()| OpOutcome::Deleted),
        };
        match result {
            Ok(outcome) => outcome,
            Err(ProviderError::PreconditionFailed) => OpOutcome::Raced,
            Err(ProviderError::NotFound) => OpOutcome::Missing,
            Err(error) => {
                tracing::warn!(calendar = %info.id, %error, "write failed");
                OpOutcome::Failed {
                    reason: format!("{}: {error}", info.id),
                }
            }
        }
    }
}
