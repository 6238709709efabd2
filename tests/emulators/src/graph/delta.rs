//! calendarView delta: an initial round lists every instance in the window (single
//! instances, occurrences, exceptions; never series masters), later rounds what changed
//! since the round's delta token, deletions as `@removed`. Rounds are cut into pages of
//! `page_size` items (`@odata.nextLink`); the last page carries `@odata.deltaLink`.

use super::state::{DeltaToken, Inner};
use chrono::{DateTime, Utc};
use rand::Rng;
use serde_json::{Value, json};

const PREFER_UTC: &str = "UTC";

fn token() -> String {
    let bytes: [u8; 12] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn in_window(
    inner: &Inner,
    calendar: &str,
    id_filter: Option<&dyn Fn(&str) -> bool>,
    window: (DateTime<Utc>, DateTime<Utc>),
) -> Vec<Value> {
    let mut items = Vec::new();
    for event in inner.events.values().filter(|e| e.calendar == calendar) {
        if id_filter.is_some_and(|keep| !keep(&event.id)) {
            continue;
        }
        if event.recurrence.is_some() {
            for instance in event.instances(window.0, window.1) {
                items.push(event.render_instance(&instance, PREFER_UTC));
            }
        } else if event.start.instant() < window.1 && event.end.instant() > window.0 {
            items.push(event.render(PREFER_UTC, None));
        }
    }
    items
}

/// The items of a new round: everything in the window.
pub fn initial(
    inner: &Inner,
    calendar: &str,
    window: (DateTime<Utc>, DateTime<Utc>),
) -> Vec<Value> {
    in_window(inner, calendar, None, window)
}

/// The items changed since the token was handed out, deletions as `@removed`.
pub fn since(inner: &Inner, token: &DeltaToken) -> Vec<Value> {
    let changed = |id: &str| inner.changed.get(id).is_some_and(|seq| *seq > token.seq);
    let mut items = in_window(inner, &token.calendar, Some(&changed), token.window);
    items.extend(
        inner
            .tombstones
            .iter()
            .filter(|t| t.calendar == token.calendar && t.seq > token.seq)
            .map(|t| json!({"id": t.id, "@removed": {"reason": "deleted"}})),
    );
    items
}

/// Cuts a round into pages; returns the first. `link_base`: the delta URL without query.
pub fn first_page(
    inner: &mut Inner,
    items: Vec<Value>,
    next: DeltaToken,
    link_base: &str,
) -> Value {
    let delta = token();
    inner.delta_tokens.insert(delta.clone(), next);
    page(inner, items, delta, link_base)
}

pub fn page(inner: &mut Inner, mut items: Vec<Value>, delta: String, link_base: &str) -> Value {
    let size = inner.page_size.max(1);
    if items.len() > size {
        let rest = items.split_off(size);
        let skip = token();
        inner.pages.insert(skip.clone(), (rest, delta));
        return json!({"value": items, "@odata.nextLink": format!("{link_base}?$skiptoken={skip}")});
    }
    json!({"value": items, "@odata.deltaLink": format!("{link_base}?$deltatoken={delta}")})
}
