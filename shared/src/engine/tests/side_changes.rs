//! `Side::changes` on a side whose last write was in flight when its worker stopped.

use crate::domain::{ContentHash, Field, FieldHashes, FieldKey, RecurrenceKey, RemoteId};
use crate::engine::Side;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};

fn attempted() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 5, 18, 0, 0).unwrap()
}

fn hashes(pairs: &[(FieldKey, &str)]) -> FieldHashes {
    pairs
        .iter()
        .map(|(key, hash)| (key.clone(), (*hash).to_string()))
        .collect()
}

fn side(confirmed: FieldHashes, in_flight: FieldHashes) -> Side {
    Side {
        remote_id: RemoteId("copy".into()),
        hash: ContentHash(String::new()),
        fields: confirmed,
        unconfirmed: Some(in_flight),
        unconfirmed_earlier: Vec::new(),
        in_flight: true,
        unconfirmed_at: Some(attempted()),
        modified_at: None,
    }
}

const TIME: FieldKey = FieldKey::Master(Field::Time);
const TITLE: FieldKey = FieldKey::Master(Field::Summary);

fn instance() -> FieldKey {
    FieldKey::Override(RecurrenceKey("20261210T090000Z".into()))
}

#[test]
fn an_old_master_value_in_an_item_modified_after_the_attempt_is_an_edit() {
    let side = side(
        hashes(&[(TIME, "berlin"), (TITLE, "t")]),
        hashes(&[(TIME, "new-york"), (TITLE, "t")]),
    );
    let seen = hashes(&[(TIME, "berlin"), (TITLE, "t")]);
    let later = attempted() + TimeDelta::minutes(1);
    assert_eq!(side.changes(&seen, Some(later)), [TIME].into());
    // Not modified since the attempt: the write did not arrive, nothing was edited.
    assert!(side.changes(&seen, Some(attempted())).is_empty());
    // The write arrived and nobody touched it.
    let arrived = hashes(&[(TIME, "new-york"), (TITLE, "t")]);
    assert!(side.changes(&arrived, Some(later)).is_empty());
}

#[test]
fn an_old_override_after_a_write_cut_short_is_not_an_edit() {
    // The update's first request (the master) bumped the modification time; the override
    // it was to rewrite next still holds the old value.
    let side = side(
        hashes(&[(TITLE, "t"), (instance(), "old")]),
        hashes(&[(TITLE, "t"), (instance(), "new")]),
    );
    let seen = hashes(&[(TITLE, "t"), (instance(), "old")]);
    assert!(
        side.changes(&seen, Some(attempted() + TimeDelta::minutes(1)))
            .is_empty()
    );
}
