//! calsync's own services over a data directory the binary created, for the two faults a user
//! cannot cause from the command line: a write racing another client's (a wrapped connector),
//! and a corrupted sync cursor (the SQLite store edited directly).

use calsync_core::adapters::local_key::LocalKeySealer;
use calsync_core::adapters::sqlite::SqliteStore;
use calsync_core::domain::TenantId;
use calsync_core::ports::Store;
use calsync_core::usecases::{AccountService, Connector, RetryPolicy, SyncService};
use std::path::Path;
use std::sync::Arc;

/// The data directory's tenant and store, opened as `src/runtime.rs` opens them.
pub fn open_store(data_dir: &Path) -> (TenantId, Arc<SqliteStore>) {
    let tenant = std::fs::read_to_string(data_dir.join("tenant")).unwrap();
    let tenant = TenantId::parse(tenant.trim()).unwrap();
    let store = SqliteStore::open(data_dir.join("calsync.sqlite3")).unwrap();
    (tenant, Arc::new(store))
}

/// The sync service of the embedded runtime, with `connector` in place of the real one.
pub fn sync_service(data_dir: &Path, connector: Arc<dyn Connector>) -> SyncService {
    let (tenant, store) = open_store(data_dir);
    let store: Arc<dyn Store> = store;
    let sealer = LocalKeySealer::load_or_create(data_dir.join("secret.key")).unwrap();
    SyncService {
        tenant: tenant.clone(),
        store: store.clone(),
        accounts: AccountService {
            tenant: tenant.clone(),
            store: store.clone(),
            sealer: Arc::new(sealer),
            connector: connector.clone(),
        },
        connector,
        retry: RetryPolicy::default(),
        write_parallelism: 8,
        clock: chrono::Utc::now,
    }
}
