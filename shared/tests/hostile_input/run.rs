//! Feeds one input through the real code path and reports what came out.

use super::Input;
use super::server::{self, Reply};
use calsync_core::adapters::caldav::{CaldavAccount, CaldavOptions};
use calsync_core::adapters::in_process_queue::InProcessQueue;
use calsync_core::adapters::sqlite::SqliteStore;
use calsync_core::domain::{
    AccountId, AccountKind, CalendarId, CalendarInfo, Capabilities, Event, Link, LinkId, LinkRules,
    RemoteId, SyncCursor, TenantId, Topology,
};
use calsync_core::engine::{
    CalendarFacts, ItemRef, LinkState, Observation, Operation, PlanInput, plan,
};
use calsync_core::ical::{IcalError, emit_event, parse_event};
use calsync_core::ports::{
    ChangeFeed, ChannelStore, EventReader, IdempotencyStore, Job, Listing, ProviderError,
    PushChannel,
};
use calsync_core::usecases::{Outcome, WebhookReceiver, WebhookRequest};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedReceiver;
use zeroize::Zeroizing;

#[derive(Debug, PartialEq, Eq)]
pub enum Seen {
    Ical(IcalError),
    Read {
        attendees: usize,
    },
    Refused(String),
    Malformed(String),
    Listed {
        members: usize,
    },
    /// A call that should have failed or been refused succeeded, or failed differently.
    Other(String),
    Answers(Vec<(u16, Outcome)>, usize),
    Planned {
        creates: usize,
    },
}

pub async fn run(input: &Input) -> Seen {
    match input {
        Input::IcalText(text) => ical(&text()),
        Input::DavChanges(reply) => dav_changes(reply()).await,
        Input::DavFetch(reply) => dav_fetch(reply()).await,
        Input::Google(requests) => webhooks(requests(), false).await,
        Input::Graph(requests) => webhooks(requests(), true).await,
        Input::Plan(text) => planned(&text()),
    }
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

fn ical(text: &str) -> Seen {
    let event = match parse_event(text) {
        Ok(event) => event,
        Err(error) => return Seen::Ical(error),
    };
    match parse_event(&emit_event(&event, now())) {
        Ok(again) => Seen::Read {
            attendees: again.components().map(|c| c.attendees.len()).sum(),
        },
        Err(error) => Seen::Other(format!("cannot read its own output: {error}")),
    }
}

fn calendar(url: &str, sync_collection: bool) -> CalendarInfo {
    CalendarInfo {
        id: CalendarId::parse("ccal").unwrap(),
        account: AccountId::parse("a1").unwrap(),
        name: "cal".into(),
        url: url.into(),
        color: None,
        owner_emails: Vec::new(),
        read_only: false,
        capabilities: Capabilities {
            sync_collection,
            ..Capabilities::default()
        },
    }
}

fn account(url: &str) -> CaldavAccount {
    CaldavAccount::new(
        url,
        "alice",
        Zeroizing::new("secret".into()),
        CaldavOptions::default(),
    )
    .unwrap()
}

fn provider_error(error: ProviderError) -> Seen {
    match error {
        ProviderError::Permanent(message) => Seen::Refused(message),
        other => Seen::Other(format!("{other:?}")),
    }
}

async fn dav_changes(reply: Reply) -> Seen {
    let url = server::serve(reply).await;
    let window = (now() - TimeDelta::days(30), now() + TimeDelta::days(365));
    match account(&url)
        .changes(&calendar(&url, true), &SyncCursor::default(), window)
        .await
    {
        Ok(batch) => match batch.listing {
            Listing::Complete { items, .. } | Listing::Delta(items) => Seen::Listed {
                members: items.len(),
            },
            Listing::Unchanged => Seen::Other("unchanged".into()),
        },
        Err(error) => provider_error(error),
    }
}

async fn dav_fetch(reply: Reply) -> Seen {
    let url = server::serve(reply).await;
    let id = RemoteId("/cal/item.ics".into());
    match account(&url).fetch(&calendar(&url, true), &[id]).await {
        Ok(items) => match items.as_slice() {
            [item] => match &item.body {
                Some(Err(malformed)) => Seen::Malformed(malformed.reason.clone()),
                other => Seen::Other(format!(
                    "read the item: ok = {}",
                    matches!(other, Some(Ok(_)))
                )),
            },
            _ => Seen::Other(format!("{} items", items.len())),
        },
        Err(error) => provider_error(error),
    }
}

/// Channels and one notification remembered before the case; all must survive it.
const CHANNELS: [(&str, AccountKind, &str); 2] = [
    ("g1", AccountKind::Google, "gsecret"),
    ("m1", AccountKind::Microsoft, "mstate"),
];
const REMEMBERED: &str = "an-earlier-notification";

fn tenant() -> TenantId {
    TenantId::parse("t1").unwrap()
}

fn channel(id: &str, provider: AccountKind, secret: &str) -> PushChannel {
    PushChannel {
        id: id.into(),
        calendar: CalendarId::parse("cwork").unwrap(),
        provider,
        resource_id: Some("r1".into()),
        secret_hash: PushChannel::hash_secret(secret),
        expires_at: now() + TimeDelta::days(1),
        created_at: now() - TimeDelta::days(1),
    }
}

async fn webhooks(requests: Vec<WebhookRequest>, graph: bool) -> Seen {
    // On disk, as `calsync serve` keeps it: idempotency records cost a real write each.
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("calsync.db")).unwrap();
    for (id, provider, secret) in CHANNELS {
        store
            .put_channel(&tenant(), &channel(id, provider, secret))
            .await
            .unwrap();
    }
    let later = now() + TimeDelta::days(7);
    assert!(
        store
            .remember(&tenant(), REMEMBERED, now(), later)
            .await
            .unwrap()
    );
    let (queue, mut jobs) = InProcessQueue::new();
    let receiver = WebhookReceiver {
        store: Arc::new(store.clone()),
        queue: Arc::new(queue),
        clock: now,
    };
    let mut answers = Vec::new();
    for request in &requests {
        let response = if graph {
            receiver.graph(request).await
        } else {
            receiver.google(request).await
        };
        answers.push((response.status, response.outcome));
    }
    let queued = drain(&mut jobs);
    for (id, provider, secret) in CHANNELS {
        let kept = store.find_channel(id).await.unwrap();
        assert_eq!(
            kept,
            Some((tenant(), channel(id, provider, secret))),
            "channel {id}"
        );
    }
    let remembered = store
        .remember(&tenant(), REMEMBERED, now(), later)
        .await
        .unwrap();
    assert!(
        !remembered,
        "a notification remembered before was forgotten"
    );
    Seen::Answers(answers, queued)
}

fn drain(jobs: &mut UnboundedReceiver<Job>) -> usize {
    let mut count = 0;
    while jobs.try_recv().is_ok() {
        count += 1;
    }
    count
}

fn planned(text: &str) -> Seen {
    let event: Event = match parse_event(text) {
        Ok(event) => event,
        Err(error) => return Seen::Ical(error),
    };
    let (from, to) = (
        CalendarId::parse("ca").unwrap(),
        CalendarId::parse("cb").unwrap(),
    );
    let link = Link::new(
        LinkId::parse("l1").unwrap(),
        "pair".into(),
        Topology::Pair,
        vec![from.clone(), to.clone()],
        LinkRules::default(),
    )
    .unwrap();
    let facts: BTreeMap<CalendarId, CalendarFacts> = [&from, &to]
        .into_iter()
        .map(|id| {
            let facts = CalendarFacts {
                recurrence_ok: true,
                item_count: usize::from(id == &from),
                ..CalendarFacts::default()
            };
            (id.clone(), facts)
        })
        .collect();
    let observations = [Observation::Present {
        item: ItemRef::new(from, RemoteId("/ca/hostile.ics".into())),
        etag: None,
        body: Ok(event),
    }];
    let plan = plan(&PlanInput {
        tenant: &tenant(),
        link: &link,
        other_links: &BTreeSet::new(),
        calendars: &facts,
        observations: &observations,
        state: &LinkState::default(),
        now: now(),
        full_reconcile: false,
        allow_mass_delete: false,
    });
    let creates = plan
        .ops
        .iter()
        .filter(|op| matches!(op.op, Operation::Create { .. }))
        .count();
    Seen::Planned { creates }
}
