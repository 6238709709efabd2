//! The serverless sealer: envelope encryption under a KMS key.
//!
//! A data key comes from GenerateDataKey (AES-256) with the encryption context
//! `{tenant, account}`; the secret is sealed locally with AES-256-GCM under it, with
//! [`SealContext::associated_data`] and the encrypted data key as associated data. Opening
//! asks KMS to decrypt the data key under the same context, so a secret moved to another
//! account's row fails twice over: at KMS and at the GCM tag.
//!
//! Sealed format: `[version = 0x4b][u16 BE length of the encrypted data key][encrypted data
//! key][12-byte random nonce][ciphertext + 16-byte tag]`.
//!
//! Data keys are cached per context (bounded, for [`CacheLimits::max_age`]) so sealing and
//! opening a tenant's secrets does not cost one KMS call each; a cached key seals at most
//! [`CacheLimits::max_uses`] secrets (random 96-bit nonces stay far from collisions).

use crate::ports::{SealContext, SealError, SecretSealer};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use async_trait::async_trait;
use aws_sdk_kms::Client;
use aws_sdk_kms::error::DisplayErrorContext;
use aws_sdk_kms::operation::decrypt::DecryptError;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use rand::TryRngCore;
use rand::rngs::OsRng;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

const FORMAT: u8 = 0x4b;
const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

#[derive(Debug, Clone, Copy)]
pub struct CacheLimits {
    /// Contexts (for sealing) and encrypted keys (for opening) kept at most.
    pub max_entries: usize,
    /// A data key older than this is not used again; the next use calls KMS.
    pub max_age: Duration,
    /// Secrets sealed with one data key before a new one is generated.
    pub max_uses: u32,
}

impl Default for CacheLimits {
    fn default() -> Self {
        Self {
            max_entries: 1_000,
            // Every expiry costs one Decrypt per account and warm instance: at 5 minutes that
            // was ~8,600 a month per account (≈ $0.026), most of the KMS bill. Half an hour
            // still bounds how long a key disabled in KMS keeps opening secrets here.
            max_age: Duration::from_secs(30 * 60),
            max_uses: 10_000,
        }
    }
}

type PlainKey = Zeroizing<[u8; KEY_LEN]>;

struct DataKey {
    plaintext: PlainKey,
    encrypted: Vec<u8>,
    created: Instant,
    uses: u32,
}

#[derive(Default)]
struct Cache {
    /// For sealing: the current data key of a context.
    sealing: HashMap<Vec<u8>, DataKey>,
    /// For opening: (context, encrypted key) -> plaintext key and when it was decrypted.
    opening: HashMap<(Vec<u8>, Vec<u8>), (PlainKey, Instant)>,
}

pub struct KmsSealer {
    client: Client,
    key_id: String,
    limits: CacheLimits,
    cache: Mutex<Cache>,
}

impl std::fmt::Debug for KmsSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KmsSealer")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl KmsSealer {
    /// `key_id`: the KMS key's id, ARN or alias.
    pub fn new(client: Client, key_id: impl Into<String>, limits: CacheLimits) -> Self {
        Self {
            client,
            key_id: key_id.into(),
            limits,
            cache: Mutex::new(Cache::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        // The cache holds no invariant a panic could break half-way: take it over.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A data key for sealing under `context`: the cached one, or a new one from KMS.
    async fn sealing_key(&self, context: &SealContext) -> Result<(PlainKey, Vec<u8>), SealError> {
        let aad = context.associated_data();
        {
            let mut cache = self.lock();
            if let Some(key) = cache.sealing.get_mut(&aad)
                && key.created.elapsed() < self.limits.max_age
                && key.uses < self.limits.max_uses
            {
                key.uses += 1;
                return Ok((key.plaintext.clone(), key.encrypted.clone()));
            }
        }
        let out = self
            .client
            .generate_data_key()
            .key_id(&self.key_id)
            .key_spec(DataKeySpec::Aes256)
            .encryption_context("tenant", context.tenant.as_str())
            .encryption_context("account", context.account.as_str())
            .send()
            .await
            .map_err(|e| SealError::KeyUnavailable(DisplayErrorContext(e).to_string()))?;
        let plaintext = out
            .plaintext
            .as_ref()
            .and_then(|p| <[u8; KEY_LEN]>::try_from(p.as_ref()).ok())
            .map(Zeroizing::new)
            .ok_or_else(|| SealError::KeyUnavailable("KMS returned no 256-bit data key".into()))?;
        let encrypted = out
            .ciphertext_blob
            .map(Blob::into_inner)
            .filter(|blob| u16::try_from(blob.len()).is_ok())
            .ok_or_else(|| {
                SealError::KeyUnavailable("KMS returned no usable encrypted data key".into())
            })?;
        let mut cache = self.lock();
        evict(&mut cache.sealing, self.limits.max_entries, |k| k.created);
        cache.sealing.insert(
            aad,
            DataKey {
                plaintext: plaintext.clone(),
                encrypted: encrypted.clone(),
                created: Instant::now(),
                uses: 1,
            },
        );
        Ok((plaintext, encrypted))
    }

    /// The plaintext of `encrypted` under `context`: cached, or decrypted by KMS.
    async fn opening_key(
        &self,
        context: &SealContext,
        encrypted: &[u8],
    ) -> Result<PlainKey, SealError> {
        let cache_key = (context.associated_data(), encrypted.to_vec());
        if let Some((key, created)) = self.lock().opening.get(&cache_key)
            && created.elapsed() < self.limits.max_age
        {
            return Ok(key.clone());
        }
        let out = self
            .client
            .decrypt()
            // Pinned: a blob naming another key must not be decrypted with it.
            .key_id(&self.key_id)
            .ciphertext_blob(Blob::new(encrypted))
            .encryption_context("tenant", context.tenant.as_str())
            .encryption_context("account", context.account.as_str())
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some(service) if is_transient(service) => {
                    SealError::KeyUnavailable(DisplayErrorContext(e).to_string())
                }
                // Wrong context, tampered blob, another key: deliberately one answer.
                Some(_) => SealError::CannotOpen,
                None => SealError::KeyUnavailable(DisplayErrorContext(e).to_string()),
            })?;
        let key = out
            .plaintext
            .as_ref()
            .and_then(|p| <[u8; KEY_LEN]>::try_from(p.as_ref()).ok())
            .map(Zeroizing::new)
            .ok_or(SealError::CannotOpen)?;
        let mut cache = self.lock();
        evict(&mut cache.opening, self.limits.max_entries, |(_, at)| *at);
        cache
            .opening
            .insert(cache_key, (key.clone(), Instant::now()));
        Ok(key)
    }
}

/// KMS errors worth a retry, as opposed to "this blob does not open here".
fn is_transient(err: &DecryptError) -> bool {
    matches!(
        err,
        DecryptError::DependencyTimeoutException(_)
            | DecryptError::KmsInternalException(_)
            | DecryptError::KmsInvalidStateException(_)
            | DecryptError::KeyUnavailableException(_)
            | DecryptError::DisabledException(_)
    ) || err.meta().code() == Some("ThrottlingException")
}

/// Makes room for one more entry by dropping the oldest.
fn evict<K: Clone + Eq + std::hash::Hash, V>(
    map: &mut HashMap<K, V>,
    max: usize,
    created: impl Fn(&V) -> Instant,
) {
    while map.len() >= max.max(1) {
        let Some(oldest) = map
            .iter()
            .min_by_key(|(_, v)| created(v))
            .map(|(k, _)| k.clone())
        else {
            return;
        };
        map.remove(&oldest);
    }
}

fn associated_data(context: &SealContext, encrypted_key: &[u8]) -> Vec<u8> {
    let mut aad = context.associated_data();
    aad.extend_from_slice(encrypted_key);
    aad
}

#[async_trait]
impl SecretSealer for KmsSealer {
    async fn seal(&self, context: &SealContext, plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        let (key, encrypted) = self.sealing_key(context).await?;
        let mut nonce = [0u8; NONCE_LEN];
        OsRng
            .try_fill_bytes(&mut nonce)
            .map_err(|e| SealError::KeyUnavailable(format!("no randomness for a nonce: {e}")))?;
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.as_slice()));
        let ciphertext = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &associated_data(context, &encrypted),
                },
            )
            .map_err(|_| SealError::KeyUnavailable("AES-GCM refused to seal".into()))?;
        let length = u16::try_from(encrypted.len())
            .map_err(|_| SealError::KeyUnavailable("encrypted data key too long".into()))?;
        let mut sealed = Vec::with_capacity(3 + encrypted.len() + NONCE_LEN + ciphertext.len());
        sealed.push(FORMAT);
        sealed.extend_from_slice(&length.to_be_bytes());
        sealed.extend_from_slice(&encrypted);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        Ok(sealed)
    }

    async fn open(
        &self,
        context: &SealContext,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, SealError> {
        let (&format, rest) = sealed.split_first().ok_or(SealError::Malformed)?;
        if format != FORMAT {
            return Err(SealError::Malformed);
        }
        let (length, rest) = rest.split_at_checked(2).ok_or(SealError::Malformed)?;
        let length = usize::from(u16::from_be_bytes([length[0], length[1]]));
        let (encrypted, rest) = rest.split_at_checked(length).ok_or(SealError::Malformed)?;
        if encrypted.is_empty() || rest.len() < NONCE_LEN + TAG_LEN {
            return Err(SealError::Malformed);
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let key = self.opening_key(context, encrypted).await?;
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.as_slice()));
        cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &associated_data(context, encrypted),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| SealError::CannotOpen)
    }
}
