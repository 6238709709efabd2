//! One test's deployment: a table, a queue and a key of its own on moto_server, the
//! emulators, and the api function wired to them as `main` wires it in Lambda (except the
//! SSRF guard's test settings and the emulators' endpoints).

use calsync_core::adapters::ProviderConnector;
use calsync_core::adapters::aws::config::for_emulator;
use calsync_core::adapters::aws::dynamo::{DynamoStore, create_table};
use calsync_core::adapters::caldav::CaldavOptions;
use calsync_core::adapters::endpoints::{OAuthApps, ProviderEndpoints};
use calsync_core::adapters::net_guard::NetGuard;
use calsync_core::adapters::oauth::OAuthApp;
use calsync_core::cloud::api::OAuthSettings;
use calsync_core::cloud::api::auth::create_key;
use calsync_core::cloud::{CloudConfig, CloudRuntime};
use calsync_core::domain::TenantId;
use calsync_emulators::google::GoogleEmulator;
use calsync_emulators::graph::GraphEmulator;
use calsync_fn_api::ApiFunction;
use calsync_testkit::{CaldavServer, ServerKind};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where the deployment's callbacks live (never reached: the test plays the browser).
pub const PUBLIC_URL: &str = "https://calsync.example.test";

pub struct ApiRig {
    pub function: ApiFunction,
    pub google: GoogleEmulator,
    pub graph: GraphEmulator,
    pub store: Arc<DynamoStore>,
    pub dynamo: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub queue_url: String,
    requests: AtomicU64,
}

pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub raw: String,
}

fn moto_endpoint() -> String {
    std::env::var("CALSYNC_TEST_AWS_ENDPOINT")
        .ok()
        .filter(|v| !v.is_empty())
        .expect("CALSYNC_TEST_AWS_ENDPOINT is not set: eval \"$(scripts/servers.sh start)\"")
}

fn unique(label: &str) -> String {
    format!("calsync-api-{label}-{:08x}", rand::random::<u32>())
}

/// Radicale's address, trusted as if it were public (it is on 127.0.0.1).
pub fn radicale_address() -> SocketAddr {
    let url = reqwest::Url::parse(&CaldavServer::get(ServerKind::Radicale).root_url).unwrap();
    let host = url.host_str().unwrap().parse().unwrap();
    SocketAddr::new(host, url.port_or_known_default().unwrap())
}

/// The cloud's guard, relaxed only as tests need: plain http, and Radicale trusted.
pub fn test_guard() -> NetGuard {
    NetGuard::public_https_only()
        .allow_plain_http_for_tests()
        .trust_for_tests(radicale_address())
}

impl ApiRig {
    pub async fn new(label: &str) -> ApiRig {
        Self::with_guard(label, test_guard()).await
    }

    pub async fn with_guard(label: &str, guard: NetGuard) -> ApiRig {
        let sdk = for_emulator(&moto_endpoint()).await;
        let dynamo = aws_sdk_dynamodb::Client::new(&sdk);
        let table = unique(label);
        create_table(&dynamo, &table).await.unwrap();
        let sqs = aws_sdk_sqs::Client::new(&sdk);
        let queue_url = sqs
            .create_queue()
            .queue_name(unique(label))
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let kms = aws_sdk_kms::Client::new(&sdk);
        let key_id = kms
            .create_key()
            .send()
            .await
            .unwrap()
            .key_metadata
            .unwrap()
            .key_id;
        let config = CloudConfig::from_lookup(|name| match name {
            "CALSYNC_TABLE_NAME" => Some(table.clone()),
            "CALSYNC_QUEUE_URL" => Some(queue_url.clone()),
            "CALSYNC_KMS_KEY_ID" => Some(key_id.clone()),
            "CALSYNC_PUBLIC_URL" => Some(PUBLIC_URL.into()),
            "CALSYNC_STAGE" => Some("test".into()),
            _ => None,
        })
        .unwrap();

        let google = GoogleEmulator::start_seeded(7).await;
        let graph = GraphEmulator::start(7).await;
        let endpoints = ProviderEndpoints::from_lookup(|name| match name {
            "CALSYNC_GOOGLE_API_URL" => Some(google.api_url()),
            "CALSYNC_GOOGLE_OAUTH_URL" => Some(google.oauth_url()),
            "CALSYNC_GRAPH_API_URL" => Some(graph.api_url()),
            "CALSYNC_MS_LOGIN_URL" => Some(graph.login_url()),
            _ => None,
        });
        let app = OAuthApp {
            client_id: "calsync-api-tests".into(),
            client_secret: None,
        };
        let apps = OAuthApps {
            google: Some(app.clone()),
            microsoft: Some(app),
        };
        let connector = ProviderConnector {
            caldav: guard.guard(CaldavOptions::default()),
            endpoints: endpoints.clone(),
            apps: apps.clone(),
        };
        let runtime = CloudRuntime::new(&sdk, config, Arc::new(connector));
        let store = runtime.store.clone();
        let oauth = OAuthSettings {
            endpoints,
            apps,
            public_url: Some(PUBLIC_URL.into()),
        };
        ApiRig {
            function: ApiFunction::with_oauth(runtime, oauth).unwrap(),
            google,
            graph,
            store,
            dynamo,
            sqs,
            queue_url,
            requests: AtomicU64::new(0),
        }
    }

    /// A tenant and an API key of it, as `calsync-admin key create` makes them.
    pub async fn tenant(&self, label: &str) -> (TenantId, String) {
        let tenant = TenantId::parse(unique(label)).unwrap();
        let issued = create_key(self.store.as_ref(), &tenant, "tests", chrono::Utc::now())
            .await
            .unwrap();
        (tenant, issued.key.to_string())
    }

    /// `method path[?query]` with an optional key and JSON body, through the function.
    pub async fn call(
        &self,
        method: &str,
        target: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut headers =
            json!({"content-type": "application/json", "host": "calsync.example.test"});
        if let Some(key) = key {
            headers["authorization"] = json!(format!("Bearer {key}"));
        }
        let body = body.map(|b| b.to_string());
        self.send(method, target, headers, body).await
    }

    pub async fn send(
        &self,
        method: &str,
        target: &str,
        headers: Value,
        body: Option<String>,
    ) -> Answer {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let route_key = if path.starts_with("/api/") {
            "ANY /api/{proxy+}".to_string()
        } else {
            format!("{method} {path}")
        };
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        let event = json!({
            "version": "2.0",
            "routeKey": route_key,
            "rawPath": path,
            "rawQueryString": query,
            "headers": headers,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "calsyncapi",
                "domainName": "calsync.example.test",
                "domainPrefix": "calsync",
                "http": {
                    "method": method,
                    "path": path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "203.0.113.9",
                    "userAgent": "calsync-tests"
                },
                "requestId": format!("test-{n}"),
                "routeKey": route_key,
                "stage": "$default",
                "time": "26/Nov/2026:10:15:42 +0000",
                "timeEpoch": 1795688142000u64
            },
            "body": body,
            "isBase64Encoded": false
        });
        let request = lambda_http::request::from_str(&event.to_string()).unwrap();
        let response = self.function.handle(request).await.unwrap();
        let raw = String::from_utf8(response.body().to_vec()).unwrap();
        Answer {
            status: response.status().as_u16(),
            body: serde_json::from_str(&raw).unwrap_or(Value::Null),
            raw,
        }
    }

    /// Every item of the table, each as its attributes' debug text (for plaintext scans).
    pub async fn table_dump(&self) -> Vec<String> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .dynamo
                .scan()
                .table_name(self.store.table())
                .set_exclusive_start_key(start)
                .send()
                .await
                .unwrap();
            items.extend(
                page.items
                    .unwrap_or_default()
                    .iter()
                    .map(|i| format!("{i:?}")),
            );
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return items,
            }
        }
    }

    /// The jobs waiting in the queue, taken off it.
    pub async fn queued_jobs(&self) -> Vec<calsync_core::ports::Job> {
        crate::aws::driver::take_queued_jobs(&self.sqs, &self.queue_url).await
    }
}
