//! Merging waiting jobs: a burst of notifications and checks for one tenant becomes one pass
//! over the union of their calendars, instead of one pass each.

use crate::domain::{CalendarId, TenantId};
use crate::ports::{Job, SyncReason};
use std::collections::{BTreeMap, BTreeSet};

/// Merges the sync jobs of each tenant into one (a reconciliation if any of them was); other
/// jobs pass through, duplicates dropped. Each result carries the tags (message ids, attempt
/// numbers) of every job it stands for, so a failure can be reported against all of them.
pub fn merge_jobs<T: Clone>(jobs: Vec<(Job, T)>) -> Vec<(Job, Vec<T>)> {
    let mut syncs: BTreeMap<TenantId, (BTreeSet<CalendarId>, SyncReason, Vec<T>)> = BTreeMap::new();
    let mut others: Vec<(Job, Vec<T>)> = Vec::new();
    for (job, tag) in jobs {
        match job {
            Job::Sync {
                tenant,
                calendars,
                reason,
            } => {
                let entry = syncs
                    .entry(tenant)
                    .or_insert_with(|| (BTreeSet::new(), reason, Vec::new()));
                entry.0.extend(calendars);
                if reason == SyncReason::Reconcile {
                    entry.1 = SyncReason::Reconcile;
                }
                entry.2.push(tag);
            }
            other => match others.iter_mut().find(|(job, _)| *job == other) {
                Some((_, tags)) => tags.push(tag),
                None => others.push((other, vec![tag])),
            },
        }
    }
    let mut merged: Vec<(Job, Vec<T>)> = syncs
        .into_iter()
        .map(|(tenant, (calendars, reason, tags))| {
            let job = Job::Sync {
                tenant,
                calendars: calendars.into_iter().collect(),
                reason,
            };
            (job, tags)
        })
        .collect();
    merged.extend(others);
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sync(tenant: &str, calendars: &[&str], reason: SyncReason) -> Job {
        Job::Sync {
            tenant: TenantId::parse(tenant).unwrap(),
            calendars: calendars
                .iter()
                .map(|c| CalendarId::parse(*c).unwrap())
                .collect(),
            reason,
        }
    }

    #[test]
    fn sync_jobs_merge_per_tenant_and_keep_every_tag() {
        let renew = Job::RenewChannel {
            tenant: TenantId::parse("ta").unwrap(),
            channel: "ch".into(),
        };
        let merged = merge_jobs(vec![
            (sync("ta", &["c1"], SyncReason::Push), "m1"),
            (sync("tb", &["c9"], SyncReason::Poll), "m2"),
            (renew.clone(), "m3"),
            (sync("ta", &["c2", "c1"], SyncReason::Reconcile), "m4"),
            (renew.clone(), "m5"),
        ]);
        assert_eq!(
            merged,
            vec![
                (
                    sync("ta", &["c1", "c2"], SyncReason::Reconcile),
                    vec!["m1", "m4"]
                ),
                (sync("tb", &["c9"], SyncReason::Poll), vec!["m2"]),
                (renew, vec!["m3", "m5"]),
            ]
        );
    }
}
