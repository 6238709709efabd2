//! Connecting an account through the emulator's consent page and token endpoint (PKCE S256).

use super::support::*;
use calsync_core::adapters::endpoints::ProviderEndpoints;
use calsync_core::adapters::oauth::{OAuthApp, begin_authorization, finish_authorization};
use std::collections::HashMap;

fn endpoints(google: &Google) -> ProviderEndpoints {
    let oauth = google.emulator.oauth_url();
    ProviderEndpoints::from_lookup(|name| {
        (name == "CALSYNC_GOOGLE_OAUTH_URL").then(|| oauth.clone())
    })
}

async fn consent(url: &str) -> HashMap<String, String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = client.get(url).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 302);
    let location = answer.headers()["location"].to_str().unwrap();
    reqwest::Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

#[tokio::test]
async fn an_account_connects_through_consent_and_a_pkce_checked_exchange() {
    let google = Google::new().await;
    let endpoints = endpoints(&google);
    let app = OAuthApp {
        client_id: "calsync-test".into(),
        client_secret: None,
    };
    let redirect = "http://127.0.0.1:9/callback";
    let authorization = begin_authorization(&endpoints.google_oauth, &app, redirect).unwrap();
    let query = consent(&authorization.url).await;
    let tokens = finish_authorization(
        &reqwest::Client::new(),
        &endpoints.google_oauth,
        &app,
        authorization,
        &query["code"],
        &query["state"],
    )
    .await
    .unwrap();
    assert!(tokens.refresh_token.is_some());
    assert!(tokens.expires_at.is_some());

    // A code is good once, and only with its own verifier.
    let other = begin_authorization(&endpoints.google_oauth, &app, redirect).unwrap();
    let replayed = finish_authorization(
        &reqwest::Client::new(),
        &endpoints.google_oauth,
        &app,
        other,
        &query["code"],
        &query["state"],
    )
    .await;
    assert!(replayed.is_err());
    let mismatched = begin_authorization(&endpoints.google_oauth, &app, redirect).unwrap();
    let fresh = consent(&mismatched.url).await;
    let wrong_verifier = begin_authorization(&endpoints.google_oauth, &app, redirect).unwrap();
    let refused = finish_authorization(
        &reqwest::Client::new(),
        &endpoints.google_oauth,
        &app,
        wrong_verifier,
        &fresh["code"],
        &fresh["state"],
    )
    .await;
    assert!(refused.is_err(), "a verifier of another request is refused");
}
