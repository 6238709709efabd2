//! The emulator's own rules, without HTTP.

use super::listing::{ListQuery, list};
use super::state::State;
use chrono::Utc;
use serde_json::json;

const CAL: &str = "me@example.org";

fn state() -> State {
    let mut state = State::default();
    state.add_calendar(CAL, "Me", "owner");
    state
}

fn body(id: &str) -> serde_json::Value {
    json!({"id": id, "summary": "s",
           "start": {"dateTime": "2026-01-05T09:00:00Z", "timeZone": "UTC"},
           "end": {"dateTime": "2026-01-05T10:00:00Z", "timeZone": "UTC"}})
}

#[test]
fn ids_are_validated_and_never_reused_even_after_deletion() {
    let mut state = state();
    let now = Utc::now();
    assert_eq!(
        state.insert(CAL, body("UPPER"), now).unwrap_err().status,
        400
    );
    assert_eq!(
        state.insert(CAL, body("abcw1"), now).unwrap_err().status,
        400
    );
    state.insert(CAL, body("abcde"), now).unwrap();
    assert_eq!(
        state.insert(CAL, body("abcde"), now).unwrap_err().status,
        409
    );
    state.delete(CAL, "abcde", None, now).unwrap();
    assert_eq!(
        state.insert(CAL, body("abcde"), now).unwrap_err().status,
        409
    );
    assert_eq!(
        state.delete(CAL, "abcde", None, now).unwrap_err().status,
        410
    );
    assert_eq!(
        state.delete(CAL, "nosuch", None, now).unwrap_err().status,
        404
    );
}

#[test]
fn writes_under_a_stale_if_match_get_412() {
    let mut state = state();
    let now = Utc::now();
    let created = state.insert(CAL, body("abcde"), now).unwrap();
    let etag = created["etag"].as_str().unwrap().to_string();
    state
        .patch(CAL, "abcde", json!({"summary": "t"}), Some(&etag), now)
        .unwrap();
    let stale = state.patch(CAL, "abcde", json!({"summary": "u"}), Some(&etag), now);
    assert_eq!(stale.unwrap_err().status, 412);
    let stale = state.update(CAL, "abcde", body("abcde"), Some(&etag), now);
    assert_eq!(stale.unwrap_err().status, 412);
    assert_eq!(
        state
            .delete(CAL, "abcde", Some(&etag), now)
            .unwrap_err()
            .status,
        412
    );
    assert_eq!(state.get(CAL, "abcde").unwrap()["summary"], "t");
}

#[test]
fn listings_keep_cancelled_instances_drop_deleted_events_and_expire_tokens() {
    let mut state = state();
    let now = Utc::now();
    let mut series = body("serie");
    series["recurrence"] = json!(["RRULE:FREQ=DAILY;COUNT=3"]);
    state.insert(CAL, series, now).unwrap();
    state
        .delete(CAL, "serie_20260106T090000Z", None, now)
        .unwrap();
    state.insert(CAL, body("gone1"), now).unwrap();
    state.delete(CAL, "gone1", None, now).unwrap();
    let full = list(&state, CAL, &ListQuery::default()).unwrap();
    let ids: Vec<&str> = full["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["serie", "serie_20260106T090000Z"]);
    let token = full["nextSyncToken"].as_str().unwrap().to_string();
    state
        .patch(CAL, "serie", json!({"summary": "x"}), None, now)
        .unwrap();
    let delta = ListQuery {
        sync_token: Some(token.clone()),
        ..ListQuery::default()
    };
    assert_eq!(
        list(&state, CAL, &delta).unwrap()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    state.calendars.get_mut(CAL).unwrap().generation += 1;
    assert_eq!(list(&state, CAL, &delta).unwrap_err().status, 410);
}

#[tokio::test]
async fn live_summaries_show_current_titles_and_leave_out_deleted_events() {
    let emulator = super::GoogleEmulator::start().await;
    emulator.add_calendar(CAL, "Me");
    let kept = emulator.insert_event(CAL, body("kept1")).unwrap();
    emulator.insert_event(CAL, body("gone1")).unwrap();
    emulator
        .patch_event(
            CAL,
            kept["id"].as_str().unwrap(),
            json!({"summary": "renamed"}),
        )
        .unwrap();
    emulator.delete_event(CAL, "gone1").unwrap();
    assert_eq!(emulator.live_summaries(CAL), vec!["renamed".to_string()]);
    assert!(emulator.live_summaries("nobody@example.org").is_empty());
}
