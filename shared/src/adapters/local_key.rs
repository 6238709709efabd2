//! The embedded sealer: AES-256-GCM under a 32-byte key kept in a local file.
//!
//! Sealed format: `[version = 1][12-byte random nonce][ciphertext + 16-byte tag]`, with
//! [`SealContext::associated_data`] as the AAD so a secret moved to another account's row
//! does not open.

use crate::ports::{SealContext, SealError, SecretSealer};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use async_trait::async_trait;
use rand::TryRngCore;
use rand::rngs::OsRng;
use std::fs::{File, Permissions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use zeroize::Zeroizing;

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const FORMAT_V1: u8 = 1;

pub struct LocalKeySealer {
    key: Zeroizing<[u8; KEY_LEN]>,
}

impl std::fmt::Debug for LocalKeySealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalKeySealer").finish_non_exhaustive()
    }
}

impl LocalKeySealer {
    /// Reads the key at `path`, or creates it (owner-only) when there is none. The parent
    /// directory must exist.
    pub fn load_or_create(path: impl AsRef<Path>) -> Result<Self, SealError> {
        let path = path.as_ref();
        if let Some(key) = read_key(path)? {
            return Ok(Self { key });
        }
        let key = match create_key(path)? {
            Some(key) => key,
            // Another process created it between our read and our create: use theirs.
            None => read_key(path)?.ok_or_else(|| {
                unavailable(path, "it vanished right after being created".to_string())
            })?,
        };
        Ok(Self { key })
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(self.key.as_slice()))
    }
}

fn unavailable(path: &Path, reason: String) -> SealError {
    SealError::KeyUnavailable(format!("key file {}: {reason}", path.display()))
}

/// `None` when there is no key file yet.
fn read_key(path: &Path) -> Result<Option<Zeroizing<[u8; KEY_LEN]>>, SealError> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(unavailable(path, e.to_string())),
    };
    // Checked on the open file, not the path, so a swap between check and read cannot fool it.
    let meta = file
        .metadata()
        .map_err(|e| unavailable(path, e.to_string()))?;
    if !meta.is_file() {
        return Err(unavailable(path, "not a regular file".to_string()));
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(unavailable(
            path,
            format!(
                "mode {mode:03o} lets other users read or replace the key; \
                 it must be private to its owner (chmod 600 {})",
                path.display()
            ),
        ));
    }
    if meta.len() != KEY_LEN as u64 {
        return Err(unavailable(
            path,
            format!("holds {} bytes, not a {KEY_LEN}-byte key", meta.len()),
        ));
    }
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    file.read_exact(key.as_mut_slice())
        .map_err(|e| unavailable(path, e.to_string()))?;
    Ok(Some(key))
}

/// Writes a fresh key to a private temp file next to `path`, syncs it, then links it into
/// place only if `path` still does not exist: the key file is never seen half-written, and
/// two processes starting at once end up sharing one key. `None` when another won the race.
fn create_key(path: &Path) -> Result<Option<Zeroizing<[u8; KEY_LEN]>>, SealError> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    OsRng
        .try_fill_bytes(key.as_mut_slice())
        .map_err(|e| unavailable(path, format!("no randomness for a new key: {e}")))?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".calsync-key-")
        .permissions(Permissions::from_mode(0o600))
        .tempfile_in(dir)
        .map_err(|e| unavailable(path, format!("cannot create it: {e}")))?;
    temp.write_all(key.as_slice())
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| unavailable(path, format!("cannot write it: {e}")))?;
    match temp.persist_noclobber(path) {
        Ok(_) => {}
        Err(e) if e.error.kind() == ErrorKind::AlreadyExists => return Ok(None),
        Err(e) => return Err(unavailable(path, format!("cannot create it: {}", e.error))),
    }
    // The new directory entry must survive a crash too, or the next start makes a new key
    // and every secret sealed meanwhile is lost.
    File::open(dir)
        .and_then(|dir| dir.sync_all())
        .map_err(|e| unavailable(path, format!("cannot sync its directory: {e}")))?;
    tracing::info!(path = %path.display(), "created a new secret-sealing key");
    Ok(Some(key))
}

#[async_trait]
impl SecretSealer for LocalKeySealer {
    async fn seal(&self, context: &SealContext, plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng
            .try_fill_bytes(&mut nonce)
            .map_err(|e| SealError::KeyUnavailable(format!("no randomness for a nonce: {e}")))?;
        let aad = context.associated_data();
        let payload = Payload {
            msg: plaintext,
            aad: &aad,
        };
        let ciphertext = self
            .cipher()
            .encrypt(Nonce::from_slice(&nonce), payload)
            // AES-GCM only refuses plaintexts beyond 64 GiB.
            .map_err(|_| SealError::KeyUnavailable("AES-GCM refused the plaintext".to_string()))?;
        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        sealed.push(FORMAT_V1);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        Ok(sealed)
    }

    async fn open(
        &self,
        context: &SealContext,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, SealError> {
        let Some((&version, rest)) = sealed.split_first() else {
            return Err(SealError::Malformed);
        };
        if version != FORMAT_V1 || rest.len() < NONCE_LEN + TAG_LEN {
            return Err(SealError::Malformed);
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let aad = context.associated_data();
        let payload = Payload {
            msg: ciphertext,
            aad: &aad,
        };
        self.cipher()
            .decrypt(Nonce::from_slice(nonce), payload)
            .map(Zeroizing::new)
            .map_err(|_| SealError::CannotOpen)
    }
}

#[cfg(test)]
mod tests;
