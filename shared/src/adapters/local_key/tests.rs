use super::*;
use crate::domain::{AccountId, TenantId};
use crate::ports::contract;
use std::os::unix::fs::PermissionsExt;

fn context() -> SealContext {
    SealContext {
        tenant: TenantId::parse("t1").unwrap(),
        account: AccountId::parse("a1").unwrap(),
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn local_key_sealer_passes_the_sealer_contract() {
    let dir = tempfile::tempdir().unwrap();
    let sealer = LocalKeySealer::load_or_create(dir.path().join("key")).unwrap();
    contract::sealer::run_all(&sealer).await;
}

#[tokio::test]
async fn key_file_is_created_private_and_reused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key");
    let first = LocalKeySealer::load_or_create(&path).unwrap();
    assert_eq!(mode(&path), 0o600);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len(), 32);
    let sealed = first.seal(&context(), b"secret").await.unwrap();

    let again = LocalKeySealer::load_or_create(&path).unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the key must not be replaced"
    );
    assert_eq!(
        again.open(&context(), &sealed).await.unwrap().as_slice(),
        b"secret"
    );
    // Only the key file is left behind, no temp files.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[tokio::test]
async fn another_key_cannot_open_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let mine = LocalKeySealer::load_or_create(dir.path().join("mine")).unwrap();
    let theirs = LocalKeySealer::load_or_create(dir.path().join("theirs")).unwrap();
    let sealed = mine.seal(&context(), b"secret").await.unwrap();
    assert!(matches!(
        theirs.open(&context(), &sealed).await,
        Err(SealError::CannotOpen)
    ));
}

#[test]
fn a_key_file_readable_by_others_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key");
    drop(LocalKeySealer::load_or_create(&path).unwrap());
    for lax in [0o644, 0o640, 0o604, 0o620] {
        std::fs::set_permissions(&path, Permissions::from_mode(lax)).unwrap();
        let err = LocalKeySealer::load_or_create(&path).unwrap_err();
        assert!(matches!(err, SealError::KeyUnavailable(_)), "{err:?}");
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }
    std::fs::set_permissions(&path, Permissions::from_mode(0o400)).unwrap();
    assert!(LocalKeySealer::load_or_create(&path).is_ok());
}

#[test]
fn a_key_file_of_the_wrong_size_is_refused_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key");
    std::fs::write(&path, b"too short").unwrap();
    std::fs::set_permissions(&path, Permissions::from_mode(0o600)).unwrap();
    let err = LocalKeySealer::load_or_create(&path).unwrap_err();
    assert!(err.to_string().contains("9 bytes"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b"too short");
}

#[test]
fn a_missing_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent").join("key");
    let err = LocalKeySealer::load_or_create(&path).unwrap_err();
    assert!(matches!(err, SealError::KeyUnavailable(_)), "{err:?}");
    assert!(err.to_string().contains("absent"), "{err}");
}

#[tokio::test]
async fn processes_starting_together_share_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key");
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (path, barrier) = (path.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                LocalKeySealer::load_or_create(path).unwrap()
            })
        })
        .collect();
    let sealers: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let sealed = sealers[0].seal(&context(), b"secret").await.unwrap();
    for sealer in &sealers {
        assert_eq!(
            sealer.open(&context(), &sealed).await.unwrap().as_slice(),
            b"secret"
        );
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[tokio::test]
async fn unknown_format_versions_are_malformed() {
    let dir = tempfile::tempdir().unwrap();
    let sealer = LocalKeySealer::load_or_create(dir.path().join("key")).unwrap();
    let mut sealed = sealer.seal(&context(), b"secret").await.unwrap();
    sealed[0] = 2;
    assert!(matches!(
        sealer.open(&context(), &sealed).await,
        Err(SealError::Malformed)
    ));
    assert!(matches!(
        sealer.open(&context(), &[FORMAT_V1; 20]).await,
        Err(SealError::Malformed)
    ));
}

#[test]
fn debug_output_does_not_show_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key");
    let sealer = LocalKeySealer::load_or_create(&path).unwrap();
    let key_hex = hex::encode(std::fs::read(&path).unwrap());
    let debug = format!("{sealer:?}");
    assert!(
        !debug.contains(&key_hex[..8]) && !debug.contains("key:"),
        "{debug}"
    );
}
