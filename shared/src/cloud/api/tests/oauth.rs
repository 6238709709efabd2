//! Starting an OAuth connection and the callback's refusals, without a provider: the token
//! exchange itself is tested against the emulators (tests/integration/cloud_api).

use super::world::World;
use crate::adapters::endpoints::{OAuthApps, ProviderEndpoints};
use crate::adapters::oauth::OAuthApp;
use crate::cloud::api::{ApiRequest, OAuthSettings};
use serde_json::json;
use std::collections::HashMap;

async fn world_with_google() -> World {
    // Nothing listens on port 1: a token exchange fails without leaving the machine.
    let endpoints = ProviderEndpoints::from_lookup(|name| {
        (name == "CALSYNC_GOOGLE_OAUTH_URL").then(|| "http://127.0.0.1:1".to_string())
    });
    World::with_oauth(OAuthSettings {
        endpoints,
        apps: OAuthApps {
            google: Some(OAuthApp {
                client_id: "calsync-test".into(),
                client_secret: None,
            }),
            microsoft: None,
        },
        public_url: Some("https://api.example.org/".into()),
    })
    .await
}

async fn callback(world: &World, query: &str) -> (u16, String) {
    let response = world
        .api
        .handle(ApiRequest {
            method: "GET".into(),
            path: "/oauth/google/callback".into(),
            query: Some(query.to_string()),
            ..Default::default()
        })
        .await;
    (response.status, response.body)
}

#[tokio::test]
async fn starting_returns_a_pkce_authorization_url_with_our_callback() {
    let world = world_with_google().await;
    let (_, key) = world.tenant("t-oauth", "co").await;
    let started = world
        .call(
            "POST",
            "/api/accounts/google",
            Some(&key),
            Some(json!({"name": "Personal"})),
        )
        .await;
    assert_eq!(started.status, 201, "{}", started.raw);
    let url = url::Url::parse(started.body["authorization_url"].as_str().unwrap()).unwrap();
    let query: HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(
        query["redirect_uri"],
        "https://api.example.org/oauth/google/callback"
    );
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["client_id"], "calsync-test");
    assert!(query["state"].len() >= 20);
    // The verifier is nowhere in what the client sees.
    assert!(!started.raw.contains("code_verifier"));

    let microsoft = world
        .call(
            "POST",
            "/api/accounts/microsoft",
            Some(&key),
            Some(json!({"name": "Work"})),
        )
        .await;
    assert_eq!(microsoft.status, 422, "{}", microsoft.raw);
    assert!(microsoft.raw.contains("CALSYNC_MS_CLIENT_ID"));
    let taken = world
        .call(
            "POST",
            "/api/accounts/google",
            Some(&key),
            Some(json!({"name": "Work"})),
        )
        .await;
    assert_eq!(
        taken.status, 409,
        "the fixture account is named Work: {}",
        taken.raw
    );
}

#[tokio::test]
async fn a_state_is_used_once_whatever_the_outcome() {
    let world = world_with_google().await;
    let (_, key) = world.tenant("t-oauth-once", "cq").await;
    let mut states = Vec::new();
    for name in ["One", "Two"] {
        let started = world
            .call(
                "POST",
                "/api/accounts/google",
                Some(&key),
                Some(json!({"name": name})),
            )
            .await;
        let url = url::Url::parse(started.body["authorization_url"].as_str().unwrap()).unwrap();
        let state = url
            .query_pairs()
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v.into_owned())
            .unwrap();
        states.push(state);
    }
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();

    // The token endpoint cannot be reached: 502, and the state is spent.
    let (status, page) = callback(&world, &format!("code=c1&state={}", encode(&states[0]))).await;
    assert_eq!(status, 502, "{page}");
    let (status, page) = callback(&world, &format!("code=c1&state={}", encode(&states[0]))).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("already used"), "{page}");

    // A denial spends it too.
    let (status, page) = callback(
        &world,
        &format!("error=access_denied&state={}", encode(&states[1])),
    )
    .await;
    assert_eq!(status, 400);
    assert!(page.contains("access_denied"), "{page}");
    let (status, _) = callback(&world, &format!("code=c2&state={}", encode(&states[1]))).await;
    assert_eq!(status, 400);

    for query in ["code=c3&state=forged", "code=c3", ""] {
        let (status, page) = callback(&world, query).await;
        assert_eq!(status, 400, "{query}: {page}");
    }
}
