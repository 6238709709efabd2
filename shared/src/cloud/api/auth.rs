//! API keys: `csk_<id>_<secret>`, presented as `Authorization: Bearer csk_...`.
//!
//! The id (16 base32 characters) finds the stored record; the secret (32 random bytes,
//! base64url) is stored only as its SHA-256 (it is high-entropy random, so a fast hash is
//! enough) and compared in constant time. An unknown id and a wrong secret cost the same
//! lookup, hash and comparison and get the same answer, so answers reveal nothing about
//! which ids exist. The tenant of a request comes from its key record, and from nowhere else.

use crate::domain::TenantId;
use crate::ports::{ApiKeyRecord, ApiKeyStore, StoreError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

const PREFIX: &str = "csk_";
const ID_LENGTH: usize = 16;
const ID_ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
const SECRET_BYTES: usize = 32;
/// base64url without padding of 32 bytes.
const SECRET_LENGTH: usize = 43;

/// A key just made: the record to store and the key to hand over, once.
pub struct IssuedKey {
    pub record: ApiKeyRecord,
    pub key: Zeroizing<String>,
}

impl std::fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedKey")
            .field("record", &self.record)
            .field("key", &"<redacted>")
            .finish()
    }
}

pub fn issue_key(tenant: &TenantId, label: &str, now: DateTime<Utc>) -> IssuedKey {
    let mut rng = rand::rng();
    let id: String = (0..ID_LENGTH)
        .map(|_| char::from(ID_ALPHABET[rng.random_range(0..ID_ALPHABET.len())]))
        .collect();
    let mut secret_bytes = Zeroizing::new([0u8; SECRET_BYTES]);
    rng.fill_bytes(secret_bytes.as_mut());
    let secret = Zeroizing::new(URL_SAFE_NO_PAD.encode(secret_bytes.as_ref()));
    IssuedKey {
        record: ApiKeyRecord {
            id: id.clone(),
            tenant: tenant.clone(),
            secret_hash: hex::encode(Sha256::digest(secret.as_bytes())),
            label: label.to_string(),
            created_at: now,
        },
        key: Zeroizing::new(format!("{PREFIX}{id}_{}", secret.as_str())),
    }
}

/// Issues a key for `tenant` and stores its record.
pub async fn create_key(
    keys: &dyn ApiKeyStore,
    tenant: &TenantId,
    label: &str,
    now: DateTime<Utc>,
) -> Result<IssuedKey, StoreError> {
    let issued = issue_key(tenant, label, now);
    keys.put_api_key(&issued.record).await?;
    Ok(issued)
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Missing, malformed, unknown, revoked or wrong: one answer for all.
    #[error("a valid API key is required")]
    Rejected,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The id and secret of a well-formed `Authorization` header value.
fn presented(authorization: &str) -> Option<(&str, &str)> {
    let (scheme, credentials) = authorization.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let key = credentials.trim().strip_prefix(PREFIX)?;
    let (id, rest) = key.split_at_checked(ID_LENGTH)?;
    let secret = rest.strip_prefix('_')?;
    let well_formed = id.bytes().all(|b| ID_ALPHABET.contains(&b))
        && secret.len() == SECRET_LENGTH
        && URL_SAFE_NO_PAD
            .decode(secret)
            .is_ok_and(|bytes| bytes.len() == SECRET_BYTES);
    well_formed.then_some((id, secret))
}

/// The tenant of the key in `authorization` (the request's `Authorization` header).
pub async fn authenticate(
    keys: &dyn ApiKeyStore,
    authorization: Option<&str>,
) -> Result<TenantId, AuthError> {
    let Some((id, secret)) = authorization.and_then(presented) else {
        return Err(AuthError::Rejected);
    };
    let (id, secret) = (id.to_string(), Zeroizing::new(secret.to_string()));
    let record = keys.find_api_key(&id).await?;
    // Compared against a hash that matches nothing when the id is unknown: the same work.
    let stored: [u8; 32] = record
        .as_ref()
        .and_then(|r| hex::decode(&r.secret_hash).ok())
        .and_then(|bytes| bytes.try_into().ok())
        .unwrap_or([0u8; 32]);
    let digest = Sha256::digest(secret.as_bytes());
    let matches = bool::from(digest.as_slice().ct_eq(&stored));
    match record {
        Some(record) if matches => Ok(record.tenant),
        _ => Err(AuthError::Rejected),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::sqlite::SqliteStore;

    fn tenant(name: &str) -> TenantId {
        TenantId::parse(name).unwrap()
    }

    #[test]
    fn issued_keys_have_the_documented_shape_and_store_only_a_hash() {
        let issued = issue_key(&tenant("t1"), "ci", Utc::now());
        let key = issued.key.as_str();
        assert!(key.starts_with("csk_"));
        assert_eq!(key.len(), 4 + 16 + 1 + 43);
        let header = format!("Bearer {key}");
        let (id, secret) = presented(&header).unwrap();
        assert_eq!(id, issued.record.id);
        assert!(!issued.record.secret_hash.contains(secret));
        assert!(!format!("{issued:?}").contains(secret));
        let again = issue_key(&tenant("t1"), "ci", Utc::now());
        assert_ne!(again.record.id, issued.record.id);
    }

    #[tokio::test]
    async fn a_stored_key_authenticates_as_its_tenant_and_nothing_else_does() {
        let keys = SqliteStore::in_memory().unwrap();
        let issued = create_key(&keys, &tenant("t1"), "ci", Utc::now())
            .await
            .unwrap();
        let header = format!("Bearer {}", issued.key.as_str());
        assert_eq!(
            authenticate(&keys, Some(&header)).await.unwrap(),
            tenant("t1")
        );
        let lower = format!("bearer {}", issued.key.as_str());
        assert!(authenticate(&keys, Some(&lower)).await.is_ok());

        let other = issue_key(&tenant("t1"), "never stored", Utc::now());
        let (id, _) = presented(&header).unwrap();
        let other_header = format!("Bearer {}", other.key.as_str());
        let (_, other_secret) = presented(&other_header).unwrap();
        let wrong_secret = format!("Bearer csk_{id}_{other_secret}");
        for refused in [
            None,
            Some(""),
            Some("Bearer"),
            Some("Basic dXNlcjpwYXNz"),
            Some(issued.key.as_str()),
            Some("Bearer csk_short_secret"),
            Some(&format!("Bearer {}x", issued.key.as_str())),
            Some(&format!("Bearer {}", other.key.as_str())),
            Some(&wrong_secret),
        ] {
            let result = authenticate(&keys, refused).await;
            assert!(matches!(result, Err(AuthError::Rejected)), "{refused:?}");
        }
    }
}
