//! One test's AWS: a fresh table, job queue with its DLQ and KMS key on moto_server, the four
//! functions built over them as their `main` would (but pointed at the Google and Graph
//! emulators), and one tenant.

use super::driver::EventSource;
use super::gateway::Gateway;
use aws_lambda_events::eventbridge::EventBridgeEvent;
use calsync_core::adapters::ProviderConnector;
use calsync_core::adapters::aws::config::for_emulator;
use calsync_core::adapters::aws::dynamo::create_table;
use calsync_core::adapters::endpoints::{OAuthApps, ProviderEndpoints};
use calsync_core::adapters::oauth::OAuthApp;
use calsync_core::cloud::schedule::SchedulePolicy;
use calsync_core::cloud::sync_worker::WorkerSettings;
use calsync_core::cloud::{CloudConfig, CloudRuntime, TenantServices};
use calsync_core::domain::TenantId;
use calsync_core::ports::TenantDirectory;
use calsync_core::usecases::cadence::CadencePolicy;
use calsync_emulators::google::GoogleEmulator;
use calsync_emulators::graph::GraphEmulator;
use calsync_fn_scheduler::SchedulerFunction;
use calsync_fn_sync::SyncFunction;
use calsync_fn_webhook::WebhookFunction;
use chrono::{DateTime, Utc};
use lambda_runtime::{Context, LambdaEvent};
use serde_json::{Value, json};
use std::sync::Arc;

/// The queue's redrive policy, as in infra/lib/calsync-stack.ts.
pub const MAX_RECEIVE_COUNT: u32 = 5;

pub struct AwsWorld {
    pub table: String,
    pub queue_url: String,
    pub dlq_url: String,
    pub sqs: aws_sdk_sqs::Client,
    pub dynamo: aws_sdk_dynamodb::Client,
    pub runtime: CloudRuntime,
    pub tenant: TenantId,
    pub google: GoogleEmulator,
    pub graph: GraphEmulator,
    pub scheduler: SchedulerFunction,
    pub sync: SyncFunction,
    _gateway: Gateway,
}

fn unique(label: &str) -> String {
    format!("calsync-e2e-{label}-{:08x}", rand::random::<u32>())
}

impl AwsWorld {
    pub async fn new(label: &str) -> AwsWorld {
        AwsWorld::seeded(label, 7).await
    }

    /// With the emulators' random faults seeded by `seed`.
    pub async fn seeded(label: &str, seed: u64) -> AwsWorld {
        let endpoint = std::env::var("CALSYNC_TEST_AWS_ENDPOINT").expect(
            "CALSYNC_TEST_AWS_ENDPOINT is not set: run scripts/test.sh (it starts moto_server)",
        );
        let sdk = for_emulator(&endpoint).await;
        let dynamo = aws_sdk_dynamodb::Client::new(&sdk);
        let sqs = aws_sdk_sqs::Client::new(&sdk);
        let kms = aws_sdk_kms::Client::new(&sdk);

        let table = unique(label);
        create_table(&dynamo, &table).await.unwrap();
        let (queue_url, dlq_url) = queues(&sqs, label).await;
        let key = kms
            .create_key()
            .send()
            .await
            .unwrap()
            .key_metadata
            .unwrap()
            .key_id;

        let google = GoogleEmulator::start_seeded(seed).await;
        let graph = GraphEmulator::start(seed).await;
        let (listener, base_url) = Gateway::bind().await;
        let config = CloudConfig {
            table: table.clone(),
            queue_url: Some(queue_url.clone()),
            kms_key_id: Some(key),
            public_url: Some(base_url),
            stage: "test".into(),
            metrics_namespace: "Calsync".into(),
        };
        let runtime = CloudRuntime::new(&sdk, config, Arc::new(connector(&google, &graph)));
        let webhook = Arc::new(WebhookFunction::new(&runtime).unwrap());
        let gateway = Gateway::serve(listener, webhook);
        let scheduler = SchedulerFunction::new(&runtime)
            .unwrap()
            .with_policy(SchedulePolicy {
                // Every second, so a test need not wait for its calendar's phase.
                cadence: CadencePolicy::fixed(std::time::Duration::from_secs(1)),
                ..SchedulePolicy::default()
            });
        let sync = SyncFunction::new(
            runtime.clone(),
            WorkerSettings {
                max_receives: MAX_RECEIVE_COUNT,
                busy_retry: std::time::Duration::from_secs(1),
                ..WorkerSettings::default()
            },
        );
        let tenant = TenantId::parse(format!("t{:08x}", rand::random::<u32>())).unwrap();
        runtime
            .store
            .create_tenant(&tenant, Utc::now())
            .await
            .unwrap();
        AwsWorld {
            table,
            queue_url,
            dlq_url,
            sqs,
            dynamo,
            runtime,
            tenant,
            google,
            graph,
            scheduler,
            sync,
            _gateway: gateway,
        }
    }

    pub fn services(&self) -> TenantServices {
        self.runtime.tenant(&self.tenant).unwrap()
    }

    pub fn event_source(&self) -> EventSource<'_> {
        EventSource {
            sqs: &self.sqs,
            queue_url: &self.queue_url,
            function: &self.sync,
            batch_size: 5,
            log: Vec::new(),
        }
    }

    /// The scheduler's EventBridge tick for the minute starting at `at`.
    pub async fn tick(&self, at: DateTime<Utc>) -> Value {
        let event: EventBridgeEvent<Value> = serde_json::from_value(json!({
            "version": "0",
            "id": format!("tick-{}", rand::random::<u32>()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "123456789012",
            "time": at,
            "region": "us-east-1",
            "resources": ["arn:aws:events:us-east-1:123456789012:rule/calsync-test-tick"],
            "detail": {},
        }))
        .unwrap();
        self.scheduler
            .handle(LambdaEvent::new(event, Context::default()))
            .await
            .unwrap()
    }

    /// The job queue's messages of the kinds `counts` names (visible, in flight, delayed).
    pub async fn queued_messages(
        &self,
        counts: &[aws_sdk_sqs::types::QueueAttributeName],
    ) -> usize {
        let attributes = self
            .sqs
            .get_queue_attributes()
            .queue_url(&self.queue_url)
            .set_attribute_names(Some(counts.to_vec()))
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap_or_default();
        attributes
            .values()
            .filter_map(|n| n.parse::<usize>().ok())
            .sum()
    }

    /// Every string and binary value of every item of the table.
    pub async fn table_values(&self) -> Vec<Vec<u8>> {
        let mut values = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .dynamo
                .scan()
                .table_name(&self.table)
                .set_exclusive_start_key(start)
                .send()
                .await
                .unwrap();
            for item in out.items.unwrap_or_default() {
                for value in item.values() {
                    collect_values(value, &mut values);
                }
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return values,
            }
        }
    }
}

fn collect_values(value: &aws_sdk_dynamodb::types::AttributeValue, into: &mut Vec<Vec<u8>>) {
    use aws_sdk_dynamodb::types::AttributeValue as V;
    match value {
        V::S(s) => into.push(s.as_bytes().to_vec()),
        V::B(b) => into.push(b.as_ref().to_vec()),
        V::L(list) => list.iter().for_each(|v| collect_values(v, into)),
        V::M(map) => map.values().for_each(|v| collect_values(v, into)),
        V::Ss(set) => set.iter().for_each(|s| into.push(s.as_bytes().to_vec())),
        _ => {}
    }
}

async fn queues(sqs: &aws_sdk_sqs::Client, label: &str) -> (String, String) {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let dlq_url = sqs
        .create_queue()
        .queue_name(unique(&format!("{label}-dlq")))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let dlq_arn = sqs
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(A::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()
        .remove(&A::QueueArn)
        .unwrap();
    let redrive =
        json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT.to_string()});
    let queue_url = sqs
        .create_queue()
        .queue_name(unique(label))
        // Short, so a failed message is redelivered within the test (Lambda's is minutes).
        .attributes(A::VisibilityTimeout, "1")
        .attributes(A::RedrivePolicy, redrive.to_string())
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    (queue_url, dlq_url)
}

fn connector(google: &GoogleEmulator, graph: &GraphEmulator) -> ProviderConnector {
    let mut env = vec![
        ("CALSYNC_GOOGLE_API_URL".to_string(), google.api_url()),
        ("CALSYNC_GOOGLE_OAUTH_URL".to_string(), google.oauth_url()),
    ];
    env.extend(graph.calsync_env());
    let app = OAuthApp {
        client_id: "calsync-e2e".into(),
        client_secret: None,
    };
    ProviderConnector {
        endpoints: ProviderEndpoints::from_lookup(|name| {
            env.iter()
                .find(|(key, _)| key == name)
                .map(|(_, v)| v.clone())
        }),
        apps: OAuthApps {
            google: Some(app.clone()),
            microsoft: Some(app),
        },
        ..ProviderConnector::default()
    }
}
