//! How the use cases obtain a provider for an account: the composition root decides which
//! adapter serves which kind of account.

use crate::domain::AccountKind;
use crate::ports::{CalendarProvider, ProviderError, SecretSink};
use async_trait::async_trait;
use std::sync::Arc;
use zeroize::Zeroizing;

/// What is needed to talk to an account. Lives only as long as a pass; the secret is zeroed
/// on drop.
pub struct Credentials {
    pub kind: AccountKind,
    pub url: Option<String>,
    pub username: Option<String>,
    pub secret: Zeroizing<Vec<u8>>,
    /// Where a renewed secret (a refreshed OAuth token set) goes to be sealed and stored.
    pub renewed: Option<Arc<dyn SecretSink>>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("kind", &self.kind)
            .field("url", &self.url)
            .field("username", &self.username)
            .field("secret", &"<redacted>")
            .field("renewed", &self.renewed.is_some())
            .finish()
    }
}

#[async_trait]
pub trait Connector: Send + Sync {
    async fn connect(
        &self,
        credentials: &Credentials,
    ) -> Result<Arc<dyn CalendarProvider>, ProviderError>;
}
