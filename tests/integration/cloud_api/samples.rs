//! The sample event of events/ through the function, and the OpenAPI document checked by an
//! independent validator.

use super::rig::ApiRig;
use calsync_core::domain::{CalendarId, Link, LinkId, LinkRules, TenantId, Topology};
use calsync_core::ports::{ApiKeyRecord, ApiKeyStore, LinkStore};
use chrono::Utc;

const SAMPLE: &str = include_str!("../../../events/api-list-links.json");
/// SHA-256 of the sample key's secret part (`Y2Fsc3luYy...`), as calsync-admin stores it.
const SAMPLE_SECRET_HASH: &str = "5090dd322ca7132224169b557f6308a859b7802618285211a68543ce0737da63";

fn link(id: &str, name: &str) -> Link {
    Link::new(
        LinkId::parse(id).unwrap(),
        name.into(),
        Topology::Pair,
        vec![
            CalendarId::parse("c1").unwrap(),
            CalendarId::parse("c2").unwrap(),
        ],
        LinkRules::default(),
    )
    .unwrap()
}

#[tokio::test]
async fn the_sample_list_links_event_lists_the_links_of_its_keys_tenant() {
    let rig = ApiRig::new("sample").await;
    let tenant = TenantId::parse("sample-tenant").unwrap();
    rig.store
        .put_api_key(&ApiKeyRecord {
            id: "sampleeventkey23".into(),
            tenant: tenant.clone(),
            secret_hash: SAMPLE_SECRET_HASH.into(),
            label: "sample event".into(),
            created_at: Utc::now(),
        })
        .await
        .unwrap();
    rig.store
        .put_link(&tenant, &link("lsample1", "mine"))
        .await
        .unwrap();
    let other = TenantId::parse("someone-else").unwrap();
    rig.store
        .put_link(&other, &link("lother1", "theirs"))
        .await
        .unwrap();

    let request = lambda_http::request::from_str(SAMPLE).unwrap();
    let response = rig.function.handle(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let links: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    let ids: Vec<&str> = links
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["lsample1"]);
}

#[test]
fn the_openapi_document_is_valid_openapi_3_1() {
    // openapi-spec-validator comes with moto[server] in the test venv.
    let python = std::env::var("CALSYNC_TEST_PYTHON")
        .expect("CALSYNC_TEST_PYTHON is not set: eval \"$(scripts/servers.sh start)\"");
    let document = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.yaml");
    let output = std::process::Command::new(python)
        .args(["-m", "openapi_spec_validator", document])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
