//! The stored cursors a tick hands to its checks. A worker whose provider answers a check with
//! the cursor the store already holds knows the calendar unchanged without reading the store:
//! with checks every 15 s, those reads would be most of the bill (docs/AWS.md).

use crate::domain::{CalendarId, SyncCursor};
use crate::ports::CalendarSyncState;
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::BTreeMap;

/// How often a calendar that keeps not changing still takes the normal path, which records
/// the check (`status` shows when a calendar was last checked, this much late at most).
pub const CONFIRM_QUIET_EVERY: TimeDelta = TimeDelta::hours(1);

/// Longer cursors (Graph delta links can be kilobytes) are left out: fifty of them must fit a
/// 64 KiB message, and those calendars are pushed, so polled only as a fallback.
pub const MAX_CURSOR_BYTES: usize = 512;

/// The cursors worth putting in this tick's jobs: of calendars whose last check succeeded
/// and was recorded recently. A calendar with an error (its check or its link's pass failed)
/// gets none, so its next check takes the normal path and retries.
pub fn job_cursors(
    states: &BTreeMap<CalendarId, CalendarSyncState>,
    now: DateTime<Utc>,
) -> BTreeMap<CalendarId, SyncCursor> {
    states
        .iter()
        .filter(|(_, state)| {
            state.last_error.is_none()
                && state
                    .last_checked
                    .is_some_and(|at| now - at < CONFIRM_QUIET_EVERY)
                && (state.cursor.token.is_some() || state.cursor.ctag.is_some())
                && cursor_bytes(&state.cursor) <= MAX_CURSOR_BYTES
        })
        .map(|(id, state)| (id.clone(), state.cursor.clone()))
        .collect()
}

/// What a CalDAV `getlastmodified` gate adds to a cursor's JSON, at most (four short fields).
const MODIFIED_GATE_BYTES: usize = 128;

fn cursor_bytes(cursor: &SyncCursor) -> usize {
    cursor.token.as_ref().map_or(0, String::len)
        + cursor.ctag.as_ref().map_or(0, String::len)
        + cursor
            .modified_gate
            .as_ref()
            .map_or(0, |_| MODIFIED_GATE_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::contract::store::fixtures::calendar_id;
    use chrono::TimeZone;

    fn state(ctag: &str, checked_ago: TimeDelta, error: Option<&str>) -> CalendarSyncState {
        let now = now();
        CalendarSyncState {
            cursor: SyncCursor {
                token: None,
                ctag: Some(ctag.to_string()),
                modified_gate: None,
            },
            last_checked: Some(now - checked_ago),
            last_error: error.map(str::to_string),
            ..CalendarSyncState::default()
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn only_recently_confirmed_healthy_calendars_get_their_cursor() {
        let states: BTreeMap<CalendarId, CalendarSyncState> = [
            ("fresh", state("a", TimeDelta::minutes(5), None)),
            ("stale", state("b", CONFIRM_QUIET_EVERY, None)),
            ("failing", state("c", TimeDelta::minutes(1), Some("503"))),
            (
                "huge",
                state(&"x".repeat(MAX_CURSOR_BYTES + 1), TimeDelta::zero(), None),
            ),
            ("new", CalendarSyncState::default()),
        ]
        .into_iter()
        .map(|(id, state)| (calendar_id(id), state))
        .collect();
        let cursors = job_cursors(&states, now());
        assert_eq!(
            cursors.keys().cloned().collect::<Vec<_>>(),
            vec![calendar_id("fresh")]
        );
        assert_eq!(cursors[&calendar_id("fresh")].ctag.as_deref(), Some("a"));
    }

    #[test]
    fn a_modified_gate_counts_towards_the_cursor_size() {
        let bare = state(&"x".repeat(MAX_CURSOR_BYTES - 100), TimeDelta::zero(), None);
        let mut gated = bare.clone();
        gated.cursor.modified_gate = Some(crate::domain::ModifiedGate::default());
        assert!(cursor_bytes(&bare.cursor) <= MAX_CURSOR_BYTES);
        assert!(cursor_bytes(&gated.cursor) > MAX_CURSOR_BYTES);
    }
}
