//! Merging waiting jobs: a burst of notifications and checks for one tenant becomes one pass
//! over the union of their calendars, instead of one pass each.

use crate::domain::{CalendarId, SyncCursor, TenantId};
use crate::ports::{Job, SyncReason};
use std::collections::{BTreeMap, BTreeSet};

/// Merges the sync jobs of each tenant into one (a reconciliation if any of them was); other
/// jobs pass through, duplicates dropped. Each result carries the tags (message ids, attempt
/// numbers) of every job it stands for, so a failure can be reported against all of them.
pub fn merge_jobs<T: Clone>(jobs: Vec<(Job, T)>) -> Vec<(Job, Vec<T>)> {
    let mut syncs: BTreeMap<TenantId, MergedSync<T>> = BTreeMap::new();
    let mut others: Vec<(Job, Vec<T>)> = Vec::new();
    for (job, tag) in jobs {
        match job {
            Job::Sync {
                tenant,
                calendars,
                reason,
                cursors,
            } => syncs
                .entry(tenant)
                .or_insert_with(|| MergedSync::new(reason))
                .add(calendars, reason, cursors, tag),
            other => match others.iter_mut().find(|(job, _)| *job == other) {
                Some((_, tags)) => tags.push(tag),
                None => others.push((other, vec![tag])),
            },
        }
    }
    let mut merged: Vec<(Job, Vec<T>)> = syncs
        .into_iter()
        .map(|(tenant, sync)| {
            let cursors = sync
                .cursors
                .into_iter()
                .filter_map(|(calendar, cursor)| Some((calendar, cursor?)))
                .collect();
            let job = Job::Sync {
                tenant,
                calendars: sync.calendars.into_iter().collect(),
                reason: sync.reason,
                cursors,
            };
            (job, sync.tags)
        })
        .collect();
    merged.extend(others);
    merged
}

/// The sync jobs of one tenant merged so far.
struct MergedSync<T> {
    calendars: BTreeSet<CalendarId>,
    reason: SyncReason,
    /// A calendar keeps its cursor only while every job naming it carries the same one: a job
    /// without one (a notification, a link change) must take the normal path.
    cursors: BTreeMap<CalendarId, Option<SyncCursor>>,
    tags: Vec<T>,
}

impl<T> MergedSync<T> {
    fn new(reason: SyncReason) -> Self {
        Self {
            calendars: BTreeSet::new(),
            reason,
            cursors: BTreeMap::new(),
            tags: Vec::new(),
        }
    }

    fn add(
        &mut self,
        calendars: Vec<CalendarId>,
        reason: SyncReason,
        mut cursors: BTreeMap<CalendarId, SyncCursor>,
        tag: T,
    ) {
        for calendar in calendars {
            let cursor = cursors.remove(&calendar);
            let seen_before = !self.calendars.insert(calendar.clone());
            let merged = if seen_before {
                let known = self.cursors.get(&calendar).cloned().flatten();
                known.filter(|known| Some(known) == cursor.as_ref())
            } else {
                cursor
            };
            self.cursors.insert(calendar, merged);
        }
        if reason == SyncReason::Reconcile {
            self.reason = SyncReason::Reconcile;
        }
        self.tags.push(tag);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sync(tenant: &str, calendars: &[&str], reason: SyncReason) -> Job {
        Job::sync(
            TenantId::parse(tenant).unwrap(),
            calendars
                .iter()
                .map(|c| CalendarId::parse(*c).unwrap())
                .collect(),
            reason,
        )
    }

    fn with_cursors(job: Job, known: &[(&str, &str)]) -> Job {
        let Job::Sync {
            tenant,
            calendars,
            reason,
            ..
        } = job
        else {
            unreachable!("a sync job")
        };
        let cursors = known
            .iter()
            .map(|(calendar, ctag)| {
                let cursor = SyncCursor {
                    token: None,
                    ctag: Some((*ctag).to_string()),
                    modified_gate: None,
                };
                (CalendarId::parse(*calendar).unwrap(), cursor)
            })
            .collect();
        Job::Sync {
            tenant,
            calendars,
            reason,
            cursors,
        }
    }

    #[test]
    fn a_cursor_survives_merging_only_where_every_job_naming_the_calendar_agrees() {
        let poll = |calendars: &[&str]| sync("ta", calendars, SyncReason::Poll);
        let merged = merge_jobs(vec![
            (
                with_cursors(
                    poll(&["c1", "c2", "c3"]),
                    &[("c1", "a"), ("c2", "b"), ("c3", "c")],
                ),
                1,
            ),
            (
                with_cursors(poll(&["c1", "c2"]), &[("c1", "a"), ("c2", "other")]),
                2,
            ),
            (sync("ta", &["c3"], SyncReason::Push), 3),
            (with_cursors(poll(&["c4"]), &[("c4", "d")]), 4),
        ]);
        let expected = with_cursors(poll(&["c1", "c2", "c3", "c4"]), &[("c1", "a"), ("c4", "d")]);
        assert_eq!(merged, vec![(expected, vec![1, 2, 3, 4])]);
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
