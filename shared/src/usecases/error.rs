//! Errors of the application layer.

use crate::domain::{IdError, LinkError};
use crate::ports::{ProviderError, SealError, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum UseCaseError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Seal(#[from] SealError),
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error(transparent)]
    Id(#[from] IdError),
    #[error("{0} not found")]
    NotFound(String),
    /// A name already taken (accounts and links are named uniquely per tenant).
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
}
