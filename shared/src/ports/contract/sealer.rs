//! The [`SecretSealer`] contract.

use crate::domain::{AccountId, TenantId};
use crate::ports::{SealContext, SealError, SecretSealer};

fn context(tenant: &str, account: &str) -> SealContext {
    SealContext {
        tenant: TenantId::parse(tenant).unwrap(),
        account: AccountId::parse(account).unwrap(),
    }
}

const SECRET: &[u8] = b"app-password: correct horse battery staple \xe2\x9c\x93";

pub(crate) async fn run_all(sealer: &dyn SecretSealer) {
    round_trips_secrets_of_any_size(sealer).await;
    refuses_another_tenant_or_account(sealer).await;
    refuses_any_tampered_byte(sealer).await;
    refuses_truncated_or_empty_input(sealer).await;
    seals_the_same_secret_differently_each_time(sealer).await;
    sealed_bytes_do_not_reveal_the_secret(sealer).await;
}

pub(crate) async fn round_trips_secrets_of_any_size(sealer: &dyn SecretSealer) {
    let ctx = context("t1", "a1");
    // An empty secret, a password, and an OAuth token set of several kilobytes.
    let large: Vec<u8> = (0..12_000u32).map(|i| (i % 251) as u8).collect();
    for secret in [&b""[..], SECRET, &large] {
        let sealed = sealer.seal(&ctx, secret).await.unwrap();
        let opened = sealer.open(&ctx, &sealed).await.unwrap();
        assert_eq!(opened.as_slice(), secret);
    }
}

pub(crate) async fn refuses_another_tenant_or_account(sealer: &dyn SecretSealer) {
    let sealed = sealer.seal(&context("t1", "a1"), SECRET).await.unwrap();
    for other in [context("t2", "a1"), context("t1", "a2")] {
        let result = sealer.open(&other, &sealed).await;
        assert!(
            matches!(result, Err(SealError::CannotOpen)),
            "opened with {other:?}: {:?}",
            result.map(|_| "<plaintext>")
        );
    }
}

pub(crate) async fn refuses_any_tampered_byte(sealer: &dyn SecretSealer) {
    let ctx = context("t1", "a1");
    let sealed = sealer.seal(&ctx, SECRET).await.unwrap();
    for position in 0..sealed.len() {
        let mut tampered = sealed.clone();
        tampered[position] ^= 0x01;
        let result = sealer.open(&ctx, &tampered).await;
        assert!(
            matches!(result, Err(SealError::CannotOpen | SealError::Malformed)),
            "byte {position} flipped: {:?}",
            result.map(|_| "<plaintext>")
        );
    }
}

pub(crate) async fn refuses_truncated_or_empty_input(sealer: &dyn SecretSealer) {
    let ctx = context("t1", "a1");
    let sealed = sealer.seal(&ctx, SECRET).await.unwrap();
    for len in [sealed.len() - 1, sealed.len() / 2, 1] {
        let result = sealer.open(&ctx, &sealed[..len]).await;
        assert!(
            matches!(result, Err(SealError::CannotOpen | SealError::Malformed)),
            "truncated to {len}: {:?}",
            result.map(|_| "<plaintext>")
        );
    }
    assert!(matches!(
        sealer.open(&ctx, &[]).await,
        Err(SealError::Malformed)
    ));
}

pub(crate) async fn seals_the_same_secret_differently_each_time(sealer: &dyn SecretSealer) {
    let ctx = context("t1", "a1");
    let first = sealer.seal(&ctx, SECRET).await.unwrap();
    let second = sealer.seal(&ctx, SECRET).await.unwrap();
    assert_ne!(first, second, "sealing must be randomised");
}

pub(crate) async fn sealed_bytes_do_not_reveal_the_secret(sealer: &dyn SecretSealer) {
    let ctx = context("t1", "a1");
    let sealed = sealer.seal(&ctx, SECRET).await.unwrap();
    // No 8-byte run of the secret may appear, let alone the whole of it.
    for window in SECRET.windows(8) {
        assert!(
            !sealed.windows(window.len()).any(|w| w == window),
            "sealed bytes contain part of the plaintext"
        );
    }
}
