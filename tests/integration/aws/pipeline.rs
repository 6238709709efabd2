//! The acceptance path of the serverless deployment: webhook → SQS → sync → target calendar,
//! scheduler fan-out → check → sync, channel renewal before expiry, a poison job in the DLQ
//! after 5 receives, busy links deferred, and no plaintext secret in the table.

use super::world::{AwsWorld, MAX_RECEIVE_COUNT};
use calsync_core::domain::{CalendarId, LinkId, TenantId};
use calsync_core::ports::{
    CalendarStore, CalendarSyncState, Job, LeaseStore, LinkStore, SyncReason,
};
use calsync_core::usecases::JobDone;
use calsync_testkit::{CaldavServer, ServerKind, ics_event};
use chrono::{Duration as Days, TimeDelta, Utc};
use serde_json::json;
use std::time::Duration;

const WITHIN: Duration = Duration::from_secs(30);

fn slot(days_ahead: i64, hour: u32) -> (String, String) {
    let date = (Utc::now() + Days::days(days_ahead)).format("%Y-%m-%d");
    (
        format!("{date}T{hour:02}:00:00Z"),
        format!("{date}T{:02}:00:00Z", hour + 1),
    )
}

fn ical_time(rfc3339: &str) -> String {
    rfc3339.replace(['-', ':'], "")
}

/// Runs jobs until the Google emulator holds a live channel (the link's push upkeep), and
/// returns it.
async fn live_channel(
    world: &AwsWorld,
    source: &mut super::driver::EventSource<'_>,
) -> calsync_emulators::google::Channel {
    source
        .run_until(WITHIN, "a live Google channel", || async {
            world.google.channels().iter().any(|c| !c.stopped)
        })
        .await;
    world
        .google
        .channels()
        .into_iter()
        .find(|c| !c.stopped)
        .unwrap()
}

pub(super) fn insert_on_google(
    world: &AwsWorld,
    calendar: &str,
    title: &str,
    days_ahead: i64,
    hour: u32,
) {
    let (start, end) = slot(days_ahead, hour);
    world
        .google
        .insert_event(
            calendar,
            json!({"summary": title, "start": {"dateTime": start}, "end": {"dateTime": end}}),
        )
        .unwrap();
}

pub(super) async fn on_dav(dav: &calsync_testkit::TestCalendar, title: &str) -> bool {
    let summary = format!("SUMMARY:{title}");
    dav.bodies().await.iter().any(|b| b.contains(&summary))
}

fn google_titles(world: &AwsWorld, calendar: &str) -> Vec<String> {
    world
        .google
        .live_events(calendar)
        .iter()
        .filter_map(|e| e["summary"].as_str().map(str::to_string))
        .collect()
}

pub(super) struct Pair {
    pub world: AwsWorld,
    pub google_calendar: String,
    pub google: CalendarId,
    pub dav: calsync_testkit::TestCalendar,
    pub dav_id: CalendarId,
    pub server: CaldavServer,
}

/// A Google calendar linked with a fresh Radicale calendar, push channel live.
pub(super) async fn google_radicale(label: &str) -> Pair {
    let world = AwsWorld::new(label).await;
    let google_calendar = format!("{label}@example.org");
    let google = world.connect_google(&google_calendar).await;
    let server = CaldavServer::get(ServerKind::Radicale);
    let dav = server.new_calendar(label).await;
    let dav_id = world.connect_caldav(&server, &dav.url).await;
    world
        .link(label, vec![google.clone(), dav_id.clone()])
        .await;
    Pair {
        world,
        google_calendar,
        google,
        dav,
        dav_id,
        server,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_cross_through_the_webhook_the_scheduler_and_the_sync_function() {
    let Pair {
        world,
        google_calendar,
        google,
        dav,
        dav_id,
        server,
    } = google_radicale("pipeline").await;
    let mut source = world.event_source();

    // The link's announcement (as the API sends it) makes the sync function subscribe.
    let channel = live_channel(&world, &mut source).await;
    assert!(
        channel.address.ends_with("/webhooks/google"),
        "{}",
        channel.address
    );

    // Google → webhook function → SQS → sync function → Radicale, with no scheduler tick.
    insert_on_google(&world, &google_calendar, "From Google", 2, 9);
    source
        .run_until(WITHIN, "the Google event on Radicale", || {
            on_dav(&dav, "From Google")
        })
        .await;

    // Radicale → scheduler tick (checks fanned out over the minute) → sync → Google.
    let (start, end) = slot(3, 10);
    dav.put(
        "from-dav.ics",
        &ics_event(
            "from-dav@example.org",
            "From Radicale",
            &ical_time(&start),
            &ical_time(&end),
        ),
    )
    .await;
    let tick = world.tick(Utc::now()).await;
    assert!(tick["checks"].as_u64().unwrap() >= 2, "{tick}");
    source
        .run_until(WITHIN, "the Radicale event on Google", || async {
            google_titles(&world, &google_calendar).contains(&"From Radicale".to_string())
        })
        .await;

    // A check that finds nothing new writes nothing (on DynamoDB each would be a
    // transactional write, every 15 s): the stored state stays as the last real change left it.
    // Radicale's modified gate first has to settle (its value must be 2 s older than the
    // server's clock); until then a check may rightly store what it learnt.
    let calendars = [google.clone(), dav_id.clone()];
    let deadline = tokio::time::Instant::now() + WITHIN;
    while !gate_settled(&stored_states(&world, std::slice::from_ref(&dav_id)).await[0]) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the gate never settled"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        poll(&world, &calendars).await;
    }
    let before = stored_states(&world, &calendars).await;
    let done = poll(&world, &calendars).await;
    assert!(done.reports.iter().all(|r| r.writes() == 0));
    assert_eq!(stored_states(&world, &calendars).await, before);

    // A job naming only the Radicale calendar (its poll came due) asks Google nothing: the
    // Google calendar has checks of its own, and polling budgets are per calendar.
    world.google.log().clear();
    poll(&world, std::slice::from_ref(&dav_id)).await;
    assert_eq!(
        world.google.log().all().len(),
        0,
        "{:?}",
        world.google.log().all()
    );

    // Every message was handled: none failed, nothing in the DLQ.
    assert!(
        source.log.iter().all(|i| i.failed.is_empty()),
        "{:?}",
        source.log
    );
    assert_eq!(dlq_bodies(&world).await, Vec::<String>::new());

    // Secrets are sealed: neither the OAuth tokens, nor the CalDAV password, nor the channel
    // token appear anywhere in the table.
    let secrets = [channel.token.clone().unwrap(), server.password.clone()];
    let values = world.table_values().await;
    assert!(values.len() > 10, "the scan found the items");
    for value in &values {
        // The test server's password is the word "secret": field names that contain it go first.
        let text = String::from_utf8_lossy(value)
            .replace("secret_hash", "")
            .replace("sealed_secret", "");
        for secret in &secrets {
            if let Some(at) = text.find(secret.as_str()) {
                let context = &text[at.saturating_sub(40)..(at + 40).min(text.len())];
                panic!("a stored value holds a secret in clear: …{context}…");
            }
        }
        for token in world.google.issued_token_values() {
            assert!(
                !text.contains(&token),
                "a stored value holds an OAuth token in clear"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduler_has_channels_renewed_before_they_expire() {
    let world = AwsWorld::new("renewal").await;
    world.google.set_max_channel_lifetime(TimeDelta::seconds(6));
    let google_calendar = "renewal@example.org".to_string();
    let google = world.connect_google(&google_calendar).await;
    let server = CaldavServer::get(ServerKind::Radicale);
    let dav = server.new_calendar("renewal").await;
    let dav_id = world.connect_caldav(&server, &dav.url).await;
    world.link("renewal", vec![google, dav_id]).await;
    let mut source = world.event_source();
    let first = live_channel(&world, &mut source).await;

    // Half its life later the channel is due; the tick plans the upkeep, the sync function
    // makes a new channel and stops the old one, all before the old one expires.
    let due = first.expiration - TimeDelta::seconds(3);
    while Utc::now() < due {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let tick = world.tick(Utc::now()).await;
    assert_eq!(tick["push_upkeeps"], 1, "{tick}");
    source
        .run_until(
            WITHIN,
            "a second channel and the first one stopped",
            || async {
                let channels = world.google.channels();
                channels.iter().any(|c| c.id != first.id && !c.stopped)
                    && channels.iter().any(|c| c.id == first.id && c.stopped)
            },
        )
        .await;
    assert!(
        Utc::now() < first.expiration,
        "renewed only after the old channel expired"
    );

    // Notifications flow on the new channel.
    insert_on_google(&world, &google_calendar, "After renewal", 2, 11);
    source
        .run_until(WITHIN, "the event on Radicale", || {
            on_dav(&dav, "After renewal")
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_message_reaches_the_dlq_after_5_receives_and_its_batch_mates_are_acknowledged() {
    let world = AwsWorld::new("poison").await;
    let send = |body: String| {
        let world = &world;
        async move {
            world
                .sqs
                .send_message()
                .queue_url(&world.queue_url)
                .message_body(body)
                .send()
                .await
                .unwrap()
                .message_id
                .unwrap()
        }
    };
    let poison = send("{\"job\": \"teleport\"}".into()).await;
    // A valid job for a tenant with nothing linked: succeeds at once.
    let fine = send(
        json!([{"job": "sync", "tenant": world.tenant.as_str(), "calendars": ["cal1"], "reason": "poll"}])
            .to_string(),
    )
    .await;
    let mut source = world.event_source();
    source
        .run_until(WITHIN, "the poison message in the DLQ", || async {
            !dlq_bodies(&world).await.is_empty()
        })
        .await;
    assert_eq!(
        dlq_bodies(&world).await,
        vec!["{\"job\": \"teleport\"}".to_string()]
    );
    let failed_receives = source
        .log
        .iter()
        .filter(|i| i.failed.contains(&poison))
        .count();
    assert_eq!(
        failed_receives, MAX_RECEIVE_COUNT as usize,
        "{:?}",
        source.log
    );
    // The good message was received once, acknowledged, never reported failed.
    let fine_receives = source
        .log
        .iter()
        .filter(|i| i.received.iter().any(|(id, _)| *id == fine))
        .count();
    assert_eq!(fine_receives, 1);
    assert!(source.log.iter().all(|i| !i.failed.contains(&fine)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_another_worker_holds_is_deferred_then_synced() {
    let Pair {
        world,
        google_calendar,
        dav,
        ..
    } = google_radicale("lease").await;
    let mut source = world.event_source();
    live_channel(&world, &mut source).await;
    let link: LinkId = world.runtime.store.list_links(&world.tenant).await.unwrap()[0]
        .id
        .clone();
    hold_lease(&world, &world.tenant, &link, "another-worker").await;

    insert_on_google(&world, &google_calendar, "While busy", 4, 12);
    // While the other worker holds the link, jobs for it are queued again, not run.
    source
        .run_until(WITHIN, "a deferred job", || a_job_is_deferred(&world))
        .await;
    assert!(!on_dav(&dav, "While busy").await);
    world
        .runtime
        .store
        .release_lease(&world.tenant, &link, "another-worker")
        .await
        .unwrap();
    source
        .run_until(
            WITHIN,
            "the event on Radicale once the lease is free",
            || on_dav(&dav, "While busy"),
        )
        .await;
    assert!(source.log.iter().all(|i| i.failed.is_empty()));
}

/// Runs the sync function on a poll of `calendars`, as the scheduler would have it.
async fn poll(world: &AwsWorld, calendars: &[CalendarId]) -> JobDone {
    world
        .services()
        .runner
        .run(&Job::sync(
            world.tenant.clone(),
            calendars.to_vec(),
            SyncReason::Poll,
        ))
        .await
        .unwrap()
}

fn gate_settled(state: &CalendarSyncState) -> bool {
    state
        .cursor
        .modified_gate
        .as_ref()
        .is_none_or(|gate| gate.settled)
}

async fn stored_states(world: &AwsWorld, calendars: &[CalendarId]) -> Vec<CalendarSyncState> {
    let mut states = Vec::new();
    for calendar in calendars {
        states.push(
            world
                .runtime
                .store
                .calendar_state(&world.tenant, calendar)
                .await
                .unwrap(),
        );
    }
    states
}

async fn hold_lease(world: &AwsWorld, tenant: &TenantId, link: &LinkId, owner: &str) {
    let now = Utc::now();
    assert!(
        world
            .runtime
            .store
            .acquire_lease(tenant, link, owner, now, now + TimeDelta::minutes(5))
            .await
            .unwrap()
    );
}

/// True once the queue holds a delayed job (the deferral).
async fn a_job_is_deferred(world: &AwsWorld) -> bool {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    world
        .queued_messages(&[A::ApproximateNumberOfMessagesDelayed])
        .await
        > 0
}

pub(crate) async fn dlq_bodies(world: &AwsWorld) -> Vec<String> {
    let out = world
        .sqs
        .receive_message()
        .queue_url(&world.dlq_url)
        .max_number_of_messages(10)
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    out.messages
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| m.body)
        .collect()
}
