//! The embedded store: one SQLite file holding every tenant's accounts, calendars, links and
//! sync state, implementing [`crate::ports::Store`].
//!
//! One connection serves every call. SQLite serialises writers anyway, and a single
//! connection keeps the prepared-statement cache warm; each call runs on tokio's blocking
//! pool so a slow disk never stalls the async executor.

mod accounts;
mod api_keys;
mod calendars;
mod codec;
mod error;
#[cfg(test)]
mod large_link_tests;
mod links;
mod push;
mod schema;
mod sync_state;
#[cfg(test)]
mod tests;

use crate::ports::StoreError;
use error::During;
use rusqlite::Connection;
use std::fs::OpenOptions;
use std::io::ErrorKind;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// How long a write waits for another process (a `calsync` command next to `calsync serve`)
/// to release the database before giving up with `Unavailable`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Enough for every distinct statement the adapter prepares.
const STATEMENT_CACHE: usize = 64;

#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating it, readable by its owner only) the database at `path` and brings its
    /// schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        create_private_file(path)?;
        let conn =
            Connection::open(path).during(&format!("opening the database {}", path.display()))?;
        Self::with_connection(conn, true)
    }

    /// A private database that lives as long as the store (tests, dry runs).
    pub fn in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().during("opening an in-memory database")?;
        Self::with_connection(conn, false)
    }

    fn with_connection(mut conn: Connection, on_disk: bool) -> Result<Self, StoreError> {
        conn.busy_timeout(BUSY_TIMEOUT)
            .during("setting busy_timeout")?;
        // Off by default in SQLite; the cascades from links to their shadows rely on it.
        conn.pragma_update(None, "foreign_keys", true)
            .during("enabling foreign keys")?;
        let journal: String = conn
            .pragma_update_and_check(None, "journal_mode", "wal", |row| row.get(0))
            .during("enabling WAL")?;
        if on_disk && !journal.eq_ignore_ascii_case("wal") {
            tracing::warn!(
                journal,
                "SQLite refused WAL mode; readers will block writers"
            );
        }
        // With WAL, NORMAL only risks the last commits on power loss, never corruption.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .during("setting synchronous")?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        schema::migrate(&mut conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `work` on the blocking pool with the connection.
    async fn call<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            // A panic mid-call drops its open transaction, which rolls back: the connection
            // is consistent again, so a poisoned lock is safe to take over.
            let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("store task failed: {e}")))?
    }
}

/// The database holds every event's content in its shadows: create it private before SQLite
/// does (SQLite would use 0644 less umask). Its `-wal` and `-shm` files inherit the mode.
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    let created = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path);
    match created {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            if let Ok(meta) = std::fs::metadata(path)
                && meta.permissions().mode() & 0o077 != 0
            {
                tracing::warn!(
                    path = %path.display(),
                    mode = format_args!("{:o}", meta.permissions().mode() & 0o777),
                    "the database file is readable by other users; consider chmod 600"
                );
            }
            Ok(())
        }
        Err(e) => Err(StoreError::Unavailable(format!(
            "cannot create the database file {}: {e}",
            path.display()
        ))),
    }
}
