//! The schema and its migrations. `PRAGMA user_version` holds how many migrations were
//! applied; each runs once, in order, inside one transaction with the version bump.
//!
//! Every table leads with `tenant` and every key includes it: queries cannot reach another
//! tenant's rows without naming that tenant. Tables are STRICT so a wrongly typed write
//! fails loudly instead of being coerced.

use super::codec::count_to_sql;
use super::error::During;
use crate::ports::StoreError;
use rusqlite::{Connection, TransactionBehavior};

/// Append-only: a released migration is never edited, a change is a new entry.
const MIGRATIONS: &[&str] = &[V1_INITIAL, V2_PUSH, V3_API, V4_ACTIVITY, V5_MODIFIED_GATE];

const V1_INITIAL: &str = "
CREATE TABLE accounts (
    tenant        TEXT NOT NULL,
    id            TEXT NOT NULL,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    url           TEXT,
    username      TEXT,
    sealed_secret BLOB NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (tenant, id),
    UNIQUE (tenant, name)
) STRICT;

CREATE TABLE calendars (
    tenant        TEXT NOT NULL,
    id            TEXT NOT NULL,
    account       TEXT NOT NULL,
    name          TEXT NOT NULL,
    url           TEXT NOT NULL,
    color         TEXT,
    owner_emails  TEXT NOT NULL,
    read_only     INTEGER NOT NULL,
    capabilities  TEXT NOT NULL,
    sync_token    TEXT,
    sync_ctag     TEXT,
    sync_method   TEXT NOT NULL DEFAULT 'unknown',
    last_checked  TEXT,
    last_success  TEXT,
    last_error    TEXT,
    item_count    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, id)
) STRICT;
CREATE INDEX calendars_by_account ON calendars (tenant, account);

CREATE TABLE calendar_items (
    tenant    TEXT NOT NULL,
    calendar  TEXT NOT NULL,
    remote_id TEXT NOT NULL,
    etag      TEXT,
    PRIMARY KEY (tenant, calendar, remote_id),
    FOREIGN KEY (tenant, calendar) REFERENCES calendars (tenant, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE links (
    tenant TEXT NOT NULL,
    id     TEXT NOT NULL,
    name   TEXT NOT NULL,
    body   TEXT NOT NULL,
    PRIMARY KEY (tenant, id),
    UNIQUE (tenant, name)
) STRICT;

CREATE TABLE link_status (
    tenant  TEXT NOT NULL,
    link    TEXT NOT NULL,
    version INTEGER NOT NULL,
    body    TEXT NOT NULL,
    PRIMARY KEY (tenant, link),
    FOREIGN KEY (tenant, link) REFERENCES links (tenant, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- Shadows hold whole events (kilobytes): a rowid table keeps such rows off the key b-tree.
CREATE TABLE shadows (
    tenant          TEXT NOT NULL,
    link            TEXT NOT NULL,
    origin_calendar TEXT NOT NULL,
    origin_uid      TEXT NOT NULL,
    body            TEXT NOT NULL,
    PRIMARY KEY (tenant, link, origin_calendar, origin_uid),
    FOREIGN KEY (tenant, link) REFERENCES links (tenant, id) ON DELETE CASCADE
) STRICT;

CREATE TABLE item_bindings (
    tenant    TEXT NOT NULL,
    link      TEXT NOT NULL,
    calendar  TEXT NOT NULL,
    remote_id TEXT NOT NULL,
    body      TEXT NOT NULL,
    PRIMARY KEY (tenant, link, calendar, remote_id),
    FOREIGN KEY (tenant, link) REFERENCES links (tenant, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
";

/// Push channels, notification idempotency keys and parked jobs.
const V2_PUSH: &str = "
CREATE TABLE push_channels (
    tenant   TEXT NOT NULL,
    id       TEXT NOT NULL,
    calendar TEXT NOT NULL,
    body     TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
) STRICT;
-- A notification names only its channel: channels are also found by id alone.
CREATE UNIQUE INDEX push_channels_by_id ON push_channels (id);

CREATE TABLE idempotency_keys (
    tenant     TEXT NOT NULL,
    key        TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (tenant, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (tenant, expires_at);

CREATE TABLE dead_jobs (
    tenant    TEXT NOT NULL,
    id        TEXT NOT NULL,
    parked_at TEXT NOT NULL,
    body      TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
) STRICT;
";

/// API keys and OAuth authorizations started through the management API (the serverless
/// deployment's ports; kept here too so both adapters pass one contract suite).
const V3_API: &str = "
CREATE TABLE api_keys (
    tenant      TEXT NOT NULL,
    id          TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    label       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
) STRICT;
-- A request names only its key: keys are also found (and unique) by id alone.
CREATE UNIQUE INDEX api_keys_by_id ON api_keys (id);

CREATE TABLE pending_authorizations (
    tenant        TEXT NOT NULL,
    key           TEXT NOT NULL,
    body          TEXT NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant, key)
) STRICT;
-- The OAuth callback names only its state.
CREATE UNIQUE INDEX pending_authorizations_by_key ON pending_authorizations (key);
";

/// When each calendar last changed, for the adaptive poller.
const V4_ACTIVITY: &str = "ALTER TABLE calendars ADD COLUMN last_changed TEXT;";

/// A CalDAV cursor's `getlastmodified` gate, as JSON; NULL where none was learnt yet.
const V5_MODIFIED_GATE: &str = "ALTER TABLE calendars ADD COLUMN sync_modified_gate TEXT;";

/// Brings the database up to the newest schema this build knows.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .during("starting the schema migration")?;
    let applied: i64 = tx
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .during("reading the schema version")?;
    let applied = usize::try_from(applied)
        .map_err(|_| StoreError::Corrupt(format!("schema version is {applied}")))?;
    if applied > MIGRATIONS.len() {
        // Opening it anyway could drop columns a newer calsync relies on.
        return Err(StoreError::Unavailable(format!(
            "the database has schema version {applied}, newer than this calsync knows ({}); \
             upgrade calsync",
            MIGRATIONS.len()
        )));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        tx.execute_batch(sql)
            .during(&format!("applying schema migration {}", index + 1))?;
    }
    tx.pragma_update(None, "user_version", count_to_sql(MIGRATIONS.len()))
        .during("recording the schema version")?;
    tx.commit().during("committing the schema migration")
}

#[cfg(test)]
pub(super) fn known_version() -> usize {
    MIGRATIONS.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user_version(conn: &Connection) -> i64 {
        conn.pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap()
    }

    #[test]
    fn migrating_twice_is_a_no_op() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(user_version(&conn), i64::try_from(known_version()).unwrap());
    }

    #[test]
    fn a_newer_schema_is_refused_rather_than_used() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
        assert!(err.to_string().contains("upgrade calsync"), "{err}");
    }

    #[test]
    fn every_table_is_keyed_by_tenant() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let mut tables = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
            .unwrap();
        let names: Vec<String> = tables
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(names.len(), 12, "{names:?}");
        for name in names {
            let first_pk: String = conn
                .query_row(
                    "SELECT name FROM pragma_table_info(?1) WHERE pk = 1",
                    [&name],
                    |row| row.get(0),
                )
                .unwrap();
            assert_eq!(first_pk, "tenant", "table {name}");
        }
    }
}
