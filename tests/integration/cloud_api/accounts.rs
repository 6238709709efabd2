//! Accounts connected through the API the ways a user connects them: CalDAV by address and
//! credentials (a real Radicale), Google and Microsoft by consent (the emulators) and the
//! callback, which redeems its state once.

use super::rig::{ApiRig, PUBLIC_URL};
use calsync_core::ports::Job;
use calsync_testkit::{CaldavServer, ServerKind};
use serde_json::{Value, json};

/// Plaintext that must never be in the table: what is left of `item` once the attribute
/// names that merely contain the word are taken out.
fn mentions(item: &str, secret: &str) -> bool {
    item.replace("secret_hash", "")
        .replace("sealed_secret", "")
        .contains(secret)
}

async fn add_caldav(
    rig: &ApiRig,
    key: &str,
    name: &str,
    url: &str,
    password: &str,
) -> super::rig::Answer {
    let server = CaldavServer::get(ServerKind::Radicale);
    rig.call(
        "POST",
        "/api/accounts/caldav",
        Some(key),
        Some(json!({"name": name, "url": url, "username": server.username, "password": password})),
    )
    .await
}

#[tokio::test]
async fn a_caldav_account_on_radicale_is_connected_linked_and_synced_on_request() {
    let rig = ApiRig::new("caldav").await;
    let (tenant, key) = rig.tenant("caldav").await;
    let radicale = CaldavServer::get(ServerKind::Radicale);
    let left = radicale.new_calendar("api-left").await;
    let right = radicale.new_calendar("api-right").await;

    let refused = add_caldav(&rig, &key, "Wrong", &left.url, "not-the-password").await;
    assert_eq!(refused.status, 422, "{}", refused.raw);
    assert!(
        refused.raw.contains("refused the credentials"),
        "{}",
        refused.raw
    );

    let mut calendar_ids = Vec::new();
    for (name, calendar) in [("Left", &left), ("Right", &right)] {
        let added = add_caldav(&rig, &key, name, &calendar.url, &radicale.password).await;
        assert_eq!(added.status, 201, "{}", added.raw);
        assert_eq!(added.body["account"]["name"], name);
        assert_eq!(added.body["account"]["kind"], "caldav");
        assert!(added.body["account"].get("sealed_secret").is_none());
        let calendars = added.body["calendars"].as_array().unwrap();
        assert_eq!(calendars.len(), 1, "{}", added.raw);
        assert_eq!(calendars[0]["url"], calendar.url.as_str());
        calendar_ids.push(calendars[0]["id"].as_str().unwrap().to_string());
    }
    let again = add_caldav(&rig, &key, "Left", &left.url, &radicale.password).await;
    assert_eq!(again.status, 409, "{}", again.raw);

    let accounts = rig.call("GET", "/api/accounts", Some(&key), None).await;
    let names: Vec<&str> = accounts
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Left", "Right"]);
    let left_account = accounts.body[0]["id"].as_str().unwrap();
    let filtered = rig
        .call(
            "GET",
            &format!("/api/calendars?account={left_account}"),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(filtered.body.as_array().unwrap().len(), 1);
    assert_eq!(filtered.body[0]["id"], calendar_ids[0].as_str());

    let link = rig
        .call(
            "POST",
            "/api/links",
            Some(&key),
            Some(
                json!({"name": "pair", "topology": "pair", "calendars": calendar_ids,
                        "rules": {"privacy_to": {(calendar_ids[1].clone()): "busy"}}}),
            ),
        )
        .await;
    assert_eq!(link.status, 201, "{}", link.raw);
    let link_id = link.body["id"].as_str().unwrap();
    // A new link is announced to the workers: push upkeep and its first sync.
    let announced = rig.queued_jobs().await;
    assert_eq!(announced.len(), 2, "{announced:?}");
    assert!(matches!(&announced[0], Job::MaintainPush { tenant: t } if *t == tenant));
    assert!(
        matches!(&announced[1], Job::Sync { tenant: t, calendars, .. } if *t == tenant && calendars.len() == 2),
        "{announced:?}"
    );
    let status = rig
        .call(
            "GET",
            &format!("/api/links/{link_id}/status"),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(status.status, 200, "{}", status.raw);
    assert_eq!(status.body["status"]["version"], 0);
    assert_eq!(
        status.body["rules"]["privacy_by_target"][&calendar_ids[1]],
        "busy"
    );

    let queued = rig
        .call(
            "POST",
            &format!("/api/links/{link_id}/sync"),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(queued.status, 202, "{}", queued.raw);
    let jobs = rig.queued_jobs().await;
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0].tenant(), &tenant);

    // The password is sealed: nowhere in the table in clear.
    for item in rig.table_dump().await {
        assert!(!mentions(&item, &radicale.password), "plaintext in {item}");
    }
}

/// Plays the browser: opens the authorization address, lets the emulator consent, and
/// returns the query of the redirect it answers with (to our callback).
async fn consent(authorization_url: &str, callback_path: &str) -> String {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = browser.get(authorization_url).send().await.unwrap();
    assert!(answer.status().is_redirection(), "{}", answer.status());
    let location = answer.headers()["location"].to_str().unwrap().to_string();
    let redirect = reqwest::Url::parse(&location).unwrap();
    assert_eq!(
        format!(
            "{}{}",
            redirect.origin().ascii_serialization(),
            redirect.path()
        ),
        format!("{PUBLIC_URL}{callback_path}")
    );
    redirect.query().unwrap().to_string()
}

async fn start(rig: &ApiRig, key: &str, provider: &str, name: &str) -> String {
    let started = rig
        .call(
            "POST",
            &format!("/api/accounts/{provider}"),
            Some(key),
            Some(json!({"name": name})),
        )
        .await;
    assert_eq!(started.status, 201, "{}", started.raw);
    started.body["authorization_url"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn google_and_microsoft_accounts_connect_through_consent_and_a_one_time_callback() {
    let rig = ApiRig::new("oauth").await;
    rig.google
        .add_calendar("family@group.calendar.google.com", "Family");
    rig.graph.add_calendar("Work", true);
    let (_, key) = rig.tenant("oauth").await;
    let (_, stranger) = rig.tenant("oauth-stranger").await;

    let mut callback_queries = Vec::new();
    for (provider, name) in [("google", "Personal"), ("microsoft", "Office")] {
        let callback = format!("/oauth/{provider}/callback");
        let authorization_url = start(&rig, &key, provider, name).await;
        let query = consent(&authorization_url, &callback).await;
        let page = rig
            .send("GET", &format!("{callback}?{query}"), json!({}), None)
            .await;
        assert_eq!(page.status, 200, "{}", page.raw);
        assert!(page.raw.contains("Connected"), "{}", page.raw);
        // The same redirect again (a reload, or someone who copied the address): refused.
        let replay = rig
            .send("GET", &format!("{callback}?{query}"), json!({}), None)
            .await;
        assert_eq!(replay.status, 400, "{}", replay.raw);
        assert!(replay.raw.contains("already used"), "{}", replay.raw);
        callback_queries.push(query);
    }

    let accounts = rig.call("GET", "/api/accounts", Some(&key), None).await;
    let kinds: Vec<(&str, &str)> = accounts
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap(), a["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("Office", "microsoft"), ("Personal", "google")]);
    let calendars = rig.call("GET", "/api/calendars", Some(&key), None).await;
    let names: Vec<&str> = calendars
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Family") && names.contains(&"Work"),
        "{names:?}"
    );
    // The accounts went to the tenant that started the flows, and only there.
    let theirs = rig
        .call("GET", "/api/accounts", Some(&stranger), None)
        .await;
    assert_eq!(theirs.body, Value::Array(vec![]));

    // A state started for Google is no good at the Microsoft callback either.
    let crossed_url = start(&rig, &key, "google", "Crossed").await;
    let crossed = consent(&crossed_url, "/oauth/google/callback").await;
    let wrong_door = rig
        .send(
            "GET",
            &format!("/oauth/microsoft/callback?{crossed}"),
            json!({}),
            None,
        )
        .await;
    assert_eq!(wrong_door.status, 400, "{}", wrong_door.raw);

    // Tokens, states and API key secrets are nowhere in the table in clear.
    let key_secret = &key[21..];
    let states: Vec<String> = callback_queries
        .iter()
        .map(|q| {
            reqwest::Url::parse(&format!("https://x/?{q}"))
                .unwrap()
                .query_pairs()
                .find(|(k, _)| k == "state")
                .unwrap()
                .1
                .into_owned()
        })
        .collect();
    for item in rig.table_dump().await {
        for token_prefix in ["ya29.access-", "1//refresh-", "eyJ0eXAi.", "M.R3_BAY."] {
            assert!(!item.contains(token_prefix), "a token in {item}");
        }
        assert!(!item.contains(key_secret), "an API key in {item}");
        for state in &states {
            assert!(!item.contains(state.as_str()), "an OAuth state in {item}");
        }
    }
}
