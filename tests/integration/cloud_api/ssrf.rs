//! The SSRF guard through `POST /api/accounts/caldav`: every address that is not the public
//! internet is refused with a 422 naming the refusal, and nothing is stored. Radicale (on
//! 127.0.0.1) is trusted by the test guard as if it were public, which is what lets a
//! redirect from an allowed server to a private address be tested at all.

use super::rig::{ApiRig, radicale_address, test_guard};
use calsync_core::adapters::net_guard::{HostLookup, NetGuard, SystemLookup};
use calsync_testkit::{CaldavServer, ServerKind};
use futures::future::BoxFuture;
use serde_json::json;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// DNS as an attacker controls it: `rebind.calsync.test` resolves to 127.0.0.1.
#[derive(Debug)]
struct RebindingDns;

impl HostLookup for RebindingDns {
    fn lookup(&self, host: String) -> BoxFuture<'static, std::io::Result<Vec<IpAddr>>> {
        if host == "rebind.calsync.test" {
            return Box::pin(async { Ok(vec![IpAddr::from([127, 0, 0, 1])]) });
        }
        SystemLookup.lookup(host)
    }
}

/// A server on 127.0.0.1 that redirects every request to `target`, counting them.
async fn redirector(target: String) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut buffer = [0u8; 4096];
            let _ = socket.read(&mut buffer).await;
            let answer = format!(
                "HTTP/1.1 301 Moved Permanently\r\nLocation: {target}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = socket.write_all(answer.as_bytes()).await;
        }
    });
    (address, hits)
}

async fn refused(rig: &ApiRig, key: &str, url: &str) -> String {
    let radicale = CaldavServer::get(ServerKind::Radicale);
    let answer = rig
        .call(
            "POST",
            "/api/accounts/caldav",
            Some(key),
            Some(
                json!({"name": "probe", "url": url, "username": radicale.username,
                        "password": radicale.password}),
            ),
        )
        .await;
    assert_eq!(answer.status, 422, "{url}: {}", answer.raw);
    answer.body["error"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn private_loopback_link_local_and_metadata_addresses_are_refused_and_nothing_is_stored() {
    let radicale_port = radicale_address().port();
    let to_metadata = redirector("http://169.254.169.254/latest/meta-data/".into()).await;
    let to_rebinding =
        redirector(format!("http://rebind.calsync.test:{radicale_port}/alice/")).await;
    let guard = test_guard()
        .trust_for_tests(to_metadata.0)
        .trust_for_tests(to_rebinding.0)
        .with_lookup(Arc::new(RebindingDns));
    let rig = ApiRig::with_guard("ssrf", guard).await;
    let (_, key) = rig.tenant("ssrf").await;

    let cases: Vec<(String, &str)> = vec![
        (
            "http://127.0.0.1/".into(),
            "127.0.0.1 is a loopback address",
        ),
        (
            format!("http://127.0.0.1:{}/", radicale_port + 1),
            "loopback",
        ),
        ("http://10.0.0.5/".into(), "10.0.0.5 is a private address"),
        (
            "http://172.16.0.1/".into(),
            "172.16.0.1 is a private address",
        ),
        (
            "http://192.168.1.1/".into(),
            "192.168.1.1 is a private address",
        ),
        (
            "http://169.254.169.254/latest/meta-data/".into(),
            "cloud metadata",
        ),
        ("http://[::1]/".into(), "::1 is a loopback address"),
        ("http://[fe80::1]/".into(), "link-local"),
        ("http://[fd00:ec2::254]/".into(), "cloud metadata"),
        ("http://100.64.0.1/".into(), "carrier-grade NAT"),
        ("http://0.0.0.0/".into(), "unspecified"),
        (
            "http://2130706433/".into(),
            "127.0.0.1 is a loopback address",
        ),
        (
            "http://0177.0.0.1/".into(),
            "127.0.0.1 is a loopback address",
        ),
        ("http://[::ffff:10.0.0.1]/".into(), "private"),
        (format!("http://localhost:{radicale_port}/"), "localhost"),
        ("http://metadata.google.internal/".into(), "cloud metadata"),
        // Resolved at connect time: the name passes the URL check, its address does not.
        (
            format!("http://rebind.calsync.test:{radicale_port}/alice/"),
            "rebind.calsync.test resolves only to addresses that may not be reached (127.0.0.1",
        ),
        // An allowed server that redirects to the metadata service, or to a rebinding name.
        (
            format!("http://{}/", to_metadata.0),
            "169.254.169.254 is the cloud metadata",
        ),
        (
            format!("http://{}/", to_rebinding.0),
            "rebind.calsync.test resolves only",
        ),
    ];
    for (url, reason) in &cases {
        let error = refused(&rig, &key, url).await;
        assert!(error.contains("SSRF guard"), "{url}: {error}");
        assert!(error.contains(reason), "{url}: {error}");
    }
    // The redirects were followed to the refusal, not refused up front.
    assert_eq!(to_metadata.1.load(Ordering::SeqCst), 1);
    assert_eq!(to_rebinding.1.load(Ordering::SeqCst), 1);

    let accounts = rig.call("GET", "/api/accounts", Some(&key), None).await;
    assert_eq!(accounts.body, json!([]));
    let stored: Vec<String> = rig
        .table_dump()
        .await
        .into_iter()
        .filter(|item| item.contains("ACCOUNT") || item.contains("CALENDAR"))
        .collect();
    assert!(stored.is_empty(), "{stored:?}");

    // The trusted test server itself still works: the guard refuses addresses, not CalDAV.
    let radicale = CaldavServer::get(ServerKind::Radicale);
    let calendar = radicale.new_calendar("ssrf-allowed").await;
    let allowed = rig
        .call(
            "POST",
            "/api/accounts/caldav",
            Some(&key),
            Some(
                json!({"name": "allowed", "url": calendar.url, "username": radicale.username,
                        "password": radicale.password}),
            ),
        )
        .await;
    assert_eq!(allowed.status, 201, "{}", allowed.raw);
}

#[tokio::test]
async fn without_the_test_setting_plain_http_is_refused_even_for_a_public_name() {
    let rig = ApiRig::with_guard("ssrf-https", NetGuard::public_https_only()).await;
    let (_, key) = rig.tenant("ssrf-https").await;
    let error = refused(&rig, &key, "http://caldav.example.com/").await;
    assert!(error.contains("only https"), "{error}");
    // Radicale is not trusted by the cloud's own guard.
    let radicale = CaldavServer::get(ServerKind::Radicale);
    let error = refused(
        &rig,
        &key,
        &radicale.root_url.replace("http://", "https://"),
    )
    .await;
    assert!(error.contains("127.0.0.1 is a loopback address"), "{error}");
}
