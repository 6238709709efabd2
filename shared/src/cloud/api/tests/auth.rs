//! Every way of not holding a valid key gets the same 401.

use super::world::World;
use crate::cloud::api::auth::issue_key;
use crate::domain::TenantId;
use crate::ports::ApiKeyStore;
use chrono::Utc;
use serde_json::json;

#[tokio::test]
async fn missing_malformed_unknown_wrong_and_revoked_keys_all_get_the_same_401() {
    let world = World::new().await;
    let (tenant, key) = world.tenant("t-auth", "ca").await;
    assert_eq!(
        world
            .call("GET", "/api/links", Some(&key), None)
            .await
            .status,
        200
    );

    let never_stored = issue_key(&tenant, "x", Utc::now()).key.to_string();
    let id = &key[4..20];
    let other_secret = &never_stored[21..];
    let wrong_secret = format!("csk_{id}_{other_secret}");
    let mut answers = Vec::new();
    for presented in [
        None,
        Some("not-a-key"),
        Some("csk_tooshort_x"),
        Some(never_stored.as_str()),
        Some(wrong_secret.as_str()),
    ] {
        let answer = world.call("GET", "/api/links", presented, None).await;
        assert_eq!(answer.status, 401, "{presented:?}");
        answers.push(answer.raw);
    }

    let record = world.store.find_api_key(id).await.unwrap().unwrap();
    world
        .store
        .delete_api_key(&tenant, &record.id)
        .await
        .unwrap();
    let revoked = world.call("GET", "/api/links", Some(&key), None).await;
    assert_eq!(revoked.status, 401);
    answers.push(revoked.raw);

    answers.dedup();
    assert_eq!(
        answers,
        vec![r#"{"error":"a valid API key is required"}"#.to_string()]
    );
}

#[tokio::test]
async fn the_tenant_is_the_keys_whatever_the_request_says() {
    let world = World::new().await;
    let (_, key_a) = world.tenant("t-own-a", "ca").await;
    let (tenant_b, _) = world.tenant("t-own-b", "cb").await;
    // A body naming another tenant is not even part of the schema (422).
    let answer = world
        .call(
            "POST",
            "/api/links",
            Some(&key_a),
            Some(
                json!({"name": "x", "topology": "pair", "calendars": ["cb1", "cb2"],
                        "tenant": tenant_b.as_str()}),
            ),
        )
        .await;
    assert_eq!(answer.status, 422, "{}", answer.raw);
    assert!(
        answer.raw.contains("unknown field `tenant`"),
        "{}",
        answer.raw
    );
    let header_tenant = world
        .call("GET", "/api/links?tenant=t-own-b", Some(&key_a), None)
        .await;
    assert_eq!(header_tenant.body, json!([]));
    assert!(
        world
            .store
            .list_api_keys(&TenantId::parse("t-own-b").unwrap())
            .await
            .unwrap()
            .len()
            == 1
    );
}

#[tokio::test]
async fn requests_are_checked_for_size_shape_and_method_after_the_key() {
    let world = World::new().await;
    let (_, key) = world.tenant("t-shape", "ca").await;
    let huge = json!({"name": "x".repeat(70 * 1024)});
    let cases = [
        ("POST", "/api/links", Some(huge), 413),
        ("PUT", "/api/links", None, 405),
        ("GET", "/api/unknown", None, 404),
    ];
    for (method, path, body, status) in cases {
        let answer = world.call(method, path, Some(&key), body).await;
        assert_eq!(answer.status, status, "{method} {path}: {}", answer.raw);
    }
    // Not JSON at all: 400; JSON of the wrong shape: 422.
    let response = world
        .api
        .handle(crate::cloud::api::ApiRequest {
            method: "POST".into(),
            path: "/api/links".into(),
            headers: vec![("authorization".into(), format!("Bearer {key}"))],
            body: b"{not json".to_vec(),
            ..Default::default()
        })
        .await;
    assert_eq!(response.status, 400, "{}", response.body);
    let wrong_shape = world
        .call("POST", "/api/links", Some(&key), Some(json!({"name": 5})))
        .await;
    assert_eq!(wrong_shape.status, 422, "{}", wrong_shape.raw);
    // Without a key, size and shape are never looked at.
    let anonymous = world
        .call("POST", "/api/links", None, Some(json!({"name": 5})))
        .await;
    assert_eq!(anonymous.status, 401);
}

#[tokio::test]
async fn a_body_error_does_not_echo_the_password() {
    let world = World::new().await;
    let (_, key) = world.tenant("t-echo", "ca").await;
    let answer = world
        .call(
            "POST",
            "/api/accounts/caldav",
            Some(&key),
            Some(
                json!({"name": "n", "url": "https://dav.example.org/", "username": "u",
                        "password": ["hunter2-secret"]}),
            ),
        )
        .await;
    assert_eq!(answer.status, 422, "{}", answer.raw);
    assert!(!answer.raw.contains("hunter2"), "{}", answer.raw);
}
