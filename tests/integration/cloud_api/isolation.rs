//! Tenant isolation and authentication on the deployed adapters (DynamoDB, KMS, SQS): tenant
//! A's key against tenant B's real accounts, calendars and links.

use super::rig::{Answer, ApiRig};
use calsync_core::ports::ApiKeyStore;
use calsync_testkit::{CaldavServer, ServerKind};
use serde_json::{Value, json};

struct Holdings {
    key: String,
    account: String,
    link: String,
}

/// A tenant with two Radicale calendars (two accounts) linked as a pair.
async fn tenant_with_a_link(rig: &ApiRig, label: &str) -> Holdings {
    let (_, key) = rig.tenant(label).await;
    let radicale = CaldavServer::get(ServerKind::Radicale);
    let mut calendars = Vec::new();
    let mut account = String::new();
    for side in ["one", "two"] {
        let calendar = radicale.new_calendar(&format!("{label}-{side}")).await;
        let added = rig
            .call(
                "POST",
                "/api/accounts/caldav",
                Some(&key),
                Some(
                    json!({"name": side, "url": calendar.url, "username": radicale.username,
                            "password": radicale.password}),
                ),
            )
            .await;
        assert_eq!(added.status, 201, "{}", added.raw);
        account = added.body["account"]["id"].as_str().unwrap().to_string();
        calendars.push(added.body["calendars"][0]["id"].clone());
    }
    let link = rig
        .call(
            "POST",
            "/api/links",
            Some(&key),
            Some(json!({"name": "pair", "topology": "pair", "calendars": calendars})),
        )
        .await;
    assert_eq!(link.status, 201, "{}", link.raw);
    Holdings {
        key,
        account,
        link: link.body["id"].as_str().unwrap().to_string(),
    }
}

fn ids(answer: &Answer) -> Vec<String> {
    answer
        .body
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {}", answer.raw))
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn tenant_a_cannot_read_change_delete_or_sync_what_tenant_b_holds() {
    let rig = ApiRig::new("isolation").await;
    let a = tenant_with_a_link(&rig, "iso-a").await;
    let b = tenant_with_a_link(&rig, "iso-b").await;
    // The two links' announcements (push upkeep, first sync), one set per tenant.
    let announced = rig.queued_jobs().await;
    assert_eq!(announced.len(), 4, "{announced:?}");
    let b_before = rig.call("GET", "/api/status", Some(&b.key), None).await;

    let requests: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", format!("/api/links/{}", b.link), None),
        (
            "PATCH",
            format!("/api/links/{}", b.link),
            Some(json!({"name": "taken over"})),
        ),
        ("DELETE", format!("/api/links/{}", b.link), None),
        ("GET", format!("/api/links/{}/status", b.link), None),
        ("POST", format!("/api/links/{}/sync", b.link), None),
        ("DELETE", format!("/api/accounts/{}", b.account), None),
        ("GET", format!("/api/calendars?account={}", b.account), None),
    ];
    for (method, path, body) in requests {
        let theirs = rig.call(method, &path, Some(&a.key), body.clone()).await;
        // 404, not 403, and the very answer an id that exists nowhere gets.
        let nowhere = path
            .replace(&b.link, "lnowhere000")
            .replace(&b.account, "anowhere000");
        let missing = rig.call(method, &nowhere, Some(&a.key), body).await;
        assert_eq!(theirs.status, 404, "{method} {path}: {}", theirs.raw);
        assert_eq!(
            theirs.raw.replace(&b.link, "ID").replace(&b.account, "ID"),
            missing
                .raw
                .replace("lnowhere000", "ID")
                .replace("anowhere000", "ID"),
            "{method} {path}"
        );
    }
    assert!(
        rig.queued_jobs().await.is_empty(),
        "nothing was queued for B"
    );
    let b_after = rig.call("GET", "/api/status", Some(&b.key), None).await;
    assert_eq!(b_after.body["links"], b_before.body["links"]);
    assert_eq!(b_after.body["calendars"], b_before.body["calendars"]);

    // Lists hold one's own only.
    let links = rig.call("GET", "/api/links", Some(&a.key), None).await;
    assert_eq!(ids(&links), vec![a.link.clone()]);
    let accounts = rig.call("GET", "/api/accounts", Some(&a.key), None).await;
    assert!(ids(&accounts).contains(&a.account) && !ids(&accounts).contains(&b.account));
    let a_calendars = ids(&rig.call("GET", "/api/calendars", Some(&a.key), None).await);
    let b_calendars = ids(&rig.call("GET", "/api/calendars", Some(&b.key), None).await);
    assert_eq!(a_calendars.len(), 2);
    assert!(a_calendars.iter().all(|c| !b_calendars.contains(c)));
    let status = rig.call("GET", "/api/status", Some(&a.key), None).await;
    let status_links: Vec<&str> = status.body["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(status_links, [a.link.as_str()]);

    // B's calendars cannot be linked with A's key.
    let bridge = rig
        .call(
            "POST",
            "/api/links",
            Some(&a.key),
            Some(json!({"name": "bridge", "topology": "pair",
                        "calendars": [a_calendars[0], b_calendars[0]]})),
        )
        .await;
    assert_eq!(bridge.status, 422, "{}", bridge.raw);
}

#[tokio::test]
async fn missing_malformed_unknown_wrong_and_revoked_keys_get_one_and_the_same_401() {
    let rig = ApiRig::new("auth").await;
    let (tenant, key) = rig.tenant("auth").await;
    let (_, other) = rig.tenant("auth-other").await;
    assert_eq!(
        rig.call("GET", "/api/status", Some(&key), None)
            .await
            .status,
        200
    );

    let id = &key[4..20];
    let wrong_secret = format!("csk_{id}_{}", &other[21..]);
    let unknown_id = format!("csk_{}_{}", "zzzzzzzzzzzzzzzz", &key[21..]);
    let mut bodies = Vec::new();
    for authorization in [
        None,
        Some("Bearer csk_".to_string()),
        Some("Basic YWxpY2U6c2VjcmV0".to_string()),
        Some(format!("Bearer {key}").replace("Bearer ", "Bearer  x")),
        Some(format!("Bearer {unknown_id}")),
        Some(format!("Bearer {wrong_secret}")),
    ] {
        let headers = match &authorization {
            Some(value) => json!({"authorization": value}),
            None => json!({}),
        };
        let answer = rig.send("GET", "/api/status", headers, None).await;
        assert_eq!(answer.status, 401, "{authorization:?}: {}", answer.raw);
        bodies.push(answer.raw);
    }
    rig.store.delete_api_key(&tenant, id).await.unwrap();
    let revoked = rig.call("GET", "/api/status", Some(&key), None).await;
    assert_eq!(revoked.status, 401);
    bodies.push(revoked.raw);
    bodies.dedup();
    assert_eq!(bodies, [r#"{"error":"a valid API key is required"}"#]);
    // The other tenant's key still works: revocation is per key.
    assert_eq!(
        rig.call("GET", "/api/status", Some(&other), None)
            .await
            .status,
        200
    );
}
