//! Sealing of secrets (passwords, OAuth tokens) before they are stored.

use crate::domain::{AccountId, TenantId};
use async_trait::async_trait;
use zeroize::Zeroizing;

/// Binds a sealed secret to its owner: a secret sealed for one account cannot be opened
/// as another's (AES-GCM associated data locally, the KMS encryption context on AWS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealContext {
    pub tenant: TenantId,
    pub account: AccountId,
}

impl SealContext {
    pub fn associated_data(&self) -> Vec<u8> {
        format!(
            "calsync-secret\ntenant={}\naccount={}",
            self.tenant, self.account
        )
        .into_bytes()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// Wrong key, wrong context or tampered data. Deliberately says no more.
    #[error("the sealed secret cannot be opened with this key and context")]
    CannotOpen,
    #[error("the sealed secret is not in a known format")]
    Malformed,
    #[error("the sealing key is unavailable: {0}")]
    KeyUnavailable(String),
    /// A renewed secret was sealed but could not be stored with its account.
    #[error("the renewed secret could not be stored: {0}")]
    NotStored(String),
}

#[async_trait]
pub trait SecretSealer: Send + Sync {
    async fn seal(&self, context: &SealContext, plaintext: &[u8]) -> Result<Vec<u8>, SealError>;
    async fn open(
        &self,
        context: &SealContext,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, SealError>;
}

/// Where a provider adapter puts a credential it renewed (a refreshed OAuth token set), so the
/// next pass starts from it. The use cases seal it again and store it with its account.
#[async_trait]
pub trait SecretSink: Send + Sync {
    async fn store(&self, secret: &[u8]) -> Result<(), SealError>;
}
