//! A link's life through the API: create with rules, read, rename, status, sync, delete.

use super::world::World;
use crate::ports::{Job, SyncReason};
use serde_json::json;

#[tokio::test]
async fn a_link_is_created_read_updated_synced_and_deleted() {
    let world = World::new().await;
    let (tenant, key) = world.tenant("t-links", "cl").await;
    let created = world
        .call(
            "POST",
            "/api/links",
            Some(&key),
            Some(json!({
                "name": "guard", "topology": "pair", "calendars": ["cl1", "cl2"],
                "rules": {"privacy_to": {"cl2": "busy"}, "skip_free": true, "future_days": 90}
            })),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.raw);
    let id = created.body["id"].as_str().unwrap().to_string();
    assert_eq!(created.body["rules"]["privacy_by_target"]["cl2"], "busy");
    assert_eq!(created.body["rules"]["window"]["future_days"], 90);

    let again = world
        .call(
            "POST",
            "/api/links",
            Some(&key),
            Some(json!({"name": "guard", "topology": "mesh", "calendars": ["cl1", "cl2"]})),
        )
        .await;
    assert_eq!(again.status, 409, "{}", again.raw);

    let path = format!("/api/links/{id}");
    let read = world.call("GET", &path, Some(&key), None).await;
    assert_eq!(read.body, created.body);

    let patched = world
        .call(
            "PATCH",
            &path,
            Some(&key),
            Some(json!({"name": "renamed", "rules": {"privacy": "title"}})),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.raw);
    assert_eq!(patched.body["name"], "renamed");
    assert_eq!(patched.body["rules"]["privacy"], "title");
    assert_eq!(patched.body["rules"]["filters"]["skip_free"], true, "kept");
    let stranger = world
        .call(
            "PATCH",
            &path,
            Some(&key),
            Some(json!({"rules": {"privacy_to": {"cx9": "busy"}}})),
        )
        .await;
    assert_eq!(stranger.status, 422, "{}", stranger.raw);

    let status = world
        .call("GET", &format!("{path}/status"), Some(&key), None)
        .await;
    assert_eq!(status.status, 200, "{}", status.raw);
    assert_eq!(status.body["name"], "renamed");
    assert_eq!(status.body["status"]["version"], 0);
    assert_eq!(status.body["status"]["halted"], serde_json::Value::Null);

    let queued = world
        .call("POST", &format!("{path}/sync"), Some(&key), None)
        .await;
    assert_eq!(queued.status, 202);
    assert_eq!(queued.body["calendars"], json!(["cl1", "cl2"]));
    let jobs = world.queue.0.lock().unwrap().clone();
    let sync = Job::Sync {
        tenant: tenant.clone(),
        calendars: vec![
            crate::domain::CalendarId::parse("cl1").unwrap(),
            crate::domain::CalendarId::parse("cl2").unwrap(),
        ],
        reason: SyncReason::Poll,
        cursors: Default::default(),
    };
    let upkeep = Job::MaintainPush {
        tenant: tenant.clone(),
    };
    // The creation's announcement (push upkeep, first sync), then the requested sync.
    assert_eq!(jobs, vec![upkeep.clone(), sync.clone(), sync]);

    // The account's calendars are in a link: it cannot go before the link does.
    let account = world
        .call("DELETE", "/api/accounts/acl", Some(&key), None)
        .await;
    assert_eq!(account.status, 409, "{}", account.raw);

    let deleted = world.call("DELETE", &path, Some(&key), None).await;
    assert_eq!(deleted.status, 204);
    // Deleting announces push upkeep too (channels no link needs are stopped).
    assert_eq!(world.queue.0.lock().unwrap().last(), Some(&upkeep));
    assert_eq!(world.call("GET", &path, Some(&key), None).await.status, 404);
    assert_eq!(
        world
            .call("DELETE", "/api/accounts/acl", Some(&key), None)
            .await
            .status,
        204
    );
    let calendars = world.call("GET", "/api/calendars", Some(&key), None).await;
    assert_eq!(calendars.body, json!([]));
}
