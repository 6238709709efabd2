//! Tenant A's key against tenant B's ids: every one answers exactly like an id that does
//! not exist, and nothing of B changes.

use super::world::World;
use crate::domain::{AccountId, LinkId};
use crate::ports::{AccountStore, LinkStore};
use serde_json::{Value, json};

async fn link_of(world: &World, key: &str, name: &str, calendars: [&str; 2]) -> String {
    let answer = world
        .call(
            "POST",
            "/api/links",
            Some(key),
            Some(json!({"name": name, "topology": "pair", "calendars": calendars})),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.raw);
    answer.body["id"].as_str().unwrap().to_string()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_key_cannot_read_change_delete_or_sync_another_tenants_things() {
    let world = World::new().await;
    let (a, key_a) = world.tenant("t-iso-a", "ca").await;
    let (b, key_b) = world.tenant("t-iso-b", "cb").await;
    let link_a = link_of(&world, &key_a, "mine", ["ca1", "ca2"]).await;
    let link_b = link_of(&world, &key_b, "theirs", ["cb1", "cb2"]).await;
    // Forget the links' own announcements: what follows must queue nothing.
    world.queue.0.lock().unwrap().clear();

    // B's ids through A's key, next to ids that exist nowhere: the same answers.
    for (method, path, body) in [
        ("GET", format!("/api/links/{link_b}"), None),
        (
            "PATCH",
            format!("/api/links/{link_b}"),
            Some(json!({"name": "stolen"})),
        ),
        ("DELETE", format!("/api/links/{link_b}"), None),
        ("GET", format!("/api/links/{link_b}/status"), None),
        ("POST", format!("/api/links/{link_b}/sync"), None),
        ("DELETE", "/api/accounts/acb".to_string(), None),
        ("GET", "/api/calendars?account=acb".to_string(), None),
    ] {
        let theirs = world.call(method, &path, Some(&key_a), body.clone()).await;
        assert_eq!(theirs.status, 404, "{method} {path}: {}", theirs.raw);
        let nowhere = path
            .replace(&link_b, "lnothing123")
            .replace("acb", "anothing");
        let missing = world.call(method, &nowhere, Some(&key_a), body).await;
        assert_eq!(missing.status, 404);
        let anonymised = |raw: &str| {
            raw.replace(&link_b, "ID")
                .replace("lnothing123", "ID")
                .replace("acb", "ID")
                .replace("anothing", "ID")
        };
        assert_eq!(
            anonymised(&theirs.raw),
            anonymised(&missing.raw),
            "{method} {path}"
        );
    }

    // Nothing of B changed, and nothing was queued.
    let b_link = world
        .store
        .get_link(&b, &LinkId::parse(&link_b).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(b_link.name, "theirs");
    assert!(world.queue.0.lock().unwrap().is_empty());

    // Links on B's calendars cannot be made with A's key.
    let answer = world
        .call(
            "POST",
            "/api/links",
            Some(&key_a),
            Some(json!({"name": "bridge", "topology": "pair", "calendars": ["ca1", "cb1"]})),
        )
        .await;
    assert_eq!(answer.status, 422, "{}", answer.raw);

    // Lists show only one's own.
    let links = world.call("GET", "/api/links", Some(&key_a), None).await;
    assert_eq!(ids(&links.body), vec![link_a.clone()]);
    let calendars = world
        .call("GET", "/api/calendars", Some(&key_a), None)
        .await;
    assert_eq!(ids(&calendars.body), vec!["ca1", "ca2"]);
    let status = world.call("GET", "/api/status", Some(&key_b), None).await;
    assert_eq!(ids(&status.body["links"]), vec![link_b.clone()]);
    assert_eq!(ids(&status.body["calendars"]), vec!["cb1", "cb2"]);
    let accounts = world.call("GET", "/api/accounts", Some(&key_b), None).await;
    assert_eq!(ids(&accounts.body), vec!["acb"]);
    assert!(accounts.raw.find("sealed").is_none(), "{}", accounts.raw);

    // A's own sync goes through, for A's tenant.
    let queued = world
        .call(
            "POST",
            &format!("/api/links/{link_a}/sync"),
            Some(&key_a),
            None,
        )
        .await;
    assert_eq!(queued.status, 202, "{}", queued.raw);
    let jobs = world.queue.0.lock().unwrap().clone();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].tenant(), &a);
    assert!(
        world
            .store
            .get_account(&b, &AccountId::parse("acb").unwrap())
            .await
            .unwrap()
            .is_some()
    );
}
