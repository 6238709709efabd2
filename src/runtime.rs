//! The embedded composition root: SQLite store, local key file, CalDAV connector, one tenant.

use anyhow::Context;
use calsync_core::adapters::ProviderConnector;
use calsync_core::adapters::local_key::LocalKeySealer;
use calsync_core::adapters::sqlite::SqliteStore;
use calsync_core::domain::TenantId;
use calsync_core::ports::{SecretSealer, Store};
use calsync_core::usecases::{
    AccountService, Connector, LinkService, RetryPolicy, StatusService, SyncService,
};
use rand::Rng;
use std::path::Path;
use std::sync::Arc;

pub struct Embedded {
    pub tenant: TenantId,
    pub store: Arc<dyn Store>,
    pub sealer: Arc<dyn SecretSealer>,
    pub connector: Arc<dyn Connector>,
}

impl Embedded {
    pub async fn open(data_dir: &Path) -> anyhow::Result<Self> {
        create_private_dir(data_dir)?;
        let tenant = tenant_id(data_dir)?;
        let store = SqliteStore::open(data_dir.join("calsync.sqlite3"))
            .with_context(|| format!("opening the database in {}", data_dir.display()))?;
        let sealer = LocalKeySealer::load_or_create(data_dir.join("secret.key"))
            .with_context(|| format!("opening the key file in {}", data_dir.display()))?;
        Ok(Self {
            tenant,
            store: Arc::new(store),
            sealer: Arc::new(sealer),
            connector: Arc::new(ProviderConnector::from_env()),
        })
    }

    pub fn accounts(&self) -> AccountService {
        AccountService {
            tenant: self.tenant.clone(),
            store: self.store.clone(),
            sealer: self.sealer.clone(),
            connector: self.connector.clone(),
        }
    }

    pub fn links(&self) -> LinkService {
        LinkService {
            tenant: self.tenant.clone(),
            store: self.store.clone(),
        }
    }

    pub fn status(&self) -> StatusService {
        StatusService {
            tenant: self.tenant.clone(),
            store: self.store.clone(),
        }
    }

    pub fn sync(&self) -> SyncService {
        SyncService {
            tenant: self.tenant.clone(),
            store: self.store.clone(),
            accounts: self.accounts(),
            connector: self.connector.clone(),
            retry: RetryPolicy::default(),
            write_parallelism: 8,
            clock: chrono::Utc::now,
        }
    }
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("creating {}", dir.display()))?;
    }
    Ok(())
}

/// One tenant per data directory, created on first run. Copies carry it in their origin tag,
/// so two people syncing one shared calendar never take each other's copies for their own.
fn tenant_id(dir: &Path) -> anyhow::Result<TenantId> {
    let path = dir.join("tenant");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            Ok(TenantId::parse(text.trim())
                .with_context(|| format!("reading {}", path.display()))?)
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
            let mut rng = rand::rng();
            let id: String = std::iter::once('t')
                .chain((0..11).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])))
                .collect();
            std::fs::write(&path, format!("{id}\n"))
                .with_context(|| format!("writing {}", path.display()))?;
            Ok(TenantId::parse(id)?)
        }
        Err(error) => Err(error).with_context(|| format!("reading {}", path.display())),
    }
}
