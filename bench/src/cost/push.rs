//! Scenario 2: push-only calendars. Google calendars (the Google emulator, whose channels
//! really POST notifications) linked two by two, every one with a live channel, measured in
//! three phases, each extrapolated by how often it happens:
//!
//! - `ticks`: `--minutes` simulated minutes of scheduler ticks: with live channels a calendar
//!   is checked once every 15 minutes (the fallback poll), and upkeep runs hourly;
//! - `changes`: `--push-changes` events created on random calendars, each followed to the end
//!   (notification → webhook → SQS → sync → the copy on the other calendar → its echo
//!   notification → a check that finds only its own write), scaled to
//!   `--changes-per-day` per calendar;
//! - `renewals`: one renewal job per channel; Google channels live 7 days and are renewed a
//!   day before they expire, so 5 times in 30 days.

use super::bill::Phase;
use super::gateway::Gateway;
use super::ledger::Ledger;
use super::world::World;
use super::{CostArgs, MINUTES_PER_MONTH, tenant_id};
use crate::measure::note;
use anyhow::Context;
use calsync_core::adapters::ProviderConnector;
use calsync_core::adapters::endpoints::{OAuthApps, ProviderEndpoints};
use calsync_core::adapters::oauth::{OAuthApp, TokenSet};
use calsync_core::domain::{Account, AccountId, AccountKind, CalendarId, CalendarInfo, TenantId};
use calsync_core::ports::{ChannelStore, Job};
use calsync_emulators::google::GoogleEmulator;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;
use std::sync::Arc;

/// Renewals of one Google channel in 30 days: it lives 7 days and is renewed 1 day early.
const RENEWALS_PER_CHANNEL_MONTH: f64 = 30.0 / 6.0;

pub async fn run(
    args: &CostArgs,
    moto: &str,
    start: DateTime<Utc>,
) -> anyhow::Result<(Vec<Phase>, usize)> {
    let total = args.tenants * args.calendars_per_tenant;
    let google = GoogleEmulator::start_seeded(7).await;
    let gateway = Gateway::start().await?;
    let mut world = World::new(
        moto,
        Arc::new(connector(&google)),
        Some(gateway.url.clone()),
    )
    .await?;
    gateway.connect(&world.runtime)?;
    let calendars = setup(args, &google, &world, start).await?;

    note(&format!(
        "push: {total} calendars, channels and initial syncs (not counted)"
    ));
    let mut warm_up = Ledger::default();
    world.minute(start, &mut warm_up).await?;
    settle(&google, &gateway, &mut world, &mut warm_up).await?;
    world.proxy.take();
    gateway.take();

    note(&format!(
        "push: {} simulated minutes of ticks",
        args.minutes
    ));
    let mut ticks = Ledger::default();
    for minute in 1..=args.minutes {
        world
            .minute(start + TimeDelta::minutes(minute as i64), &mut ticks)
            .await?;
    }
    ticks.absorb(gateway.take());
    let tick_counts = world.proxy.take();

    note(&format!(
        "push: {} changes followed to the end",
        args.push_changes
    ));
    let mut changes = Ledger::default();
    for n in 0..args.push_changes {
        let calendar = calendars
            .get(n * 7 % calendars.len())
            .context("no calendars")?;
        let day = start + TimeDelta::days(1 + (n % 20) as i64);
        google
            .insert_event(
                calendar,
                json!({
                    "summary": format!("bench change {n}"),
                    "start": {"dateTime": day.to_rfc3339()},
                    "end": {"dateTime": (day + TimeDelta::hours(1)).to_rfc3339()},
                }),
            )
            .map_err(|e| anyhow::anyhow!("inserting on the emulator: {e:?}"))?;
        settle(&google, &gateway, &mut world, &mut changes).await?;
    }
    changes.absorb(gateway.take());
    let change_counts = world.proxy.take();

    note("push: one renewal of every channel");
    let mut renewals = Ledger::default();
    let mut channels = 0usize;
    let queue = world.runtime.queue()?;
    for t in 0..args.tenants {
        let tenant = tenant_id(t)?;
        let jobs: Vec<Job> = world
            .runtime
            .store
            .list_channels(&tenant)
            .await?
            .into_iter()
            .map(|channel| Job::RenewChannel {
                tenant: tenant.clone(),
                channel: channel.id,
            })
            .collect();
        channels += jobs.len();
        queue.enqueue(jobs).await?;
    }
    settle(&google, &gateway, &mut world, &mut renewals).await?;
    renewals.absorb(gateway.take());
    let renewal_counts = world.proxy.take();

    let month_of_changes = args.changes_per_day * 30.0;
    let phases = vec![
        Phase {
            name: "ticks",
            counts: tick_counts,
            ledger: ticks,
            per_calendar_month: MINUTES_PER_MONTH / args.minutes as f64 / total as f64,
            how: format!(
                "{} simulated minutes of ticks (15-minute fallback checks, hourly upkeep) for \
                 {total} calendars: × 43,200 / {} / {total}",
                args.minutes, args.minutes
            ),
        },
        Phase {
            name: "changes",
            counts: change_counts,
            ledger: changes,
            per_calendar_month: month_of_changes / args.push_changes.max(1) as f64,
            how: format!(
                "{} changes followed to the end: × ({} changes a day × 30 days) / {} changes",
                args.push_changes, args.changes_per_day, args.push_changes
            ),
        },
        Phase {
            name: "renewals",
            counts: renewal_counts,
            ledger: renewals,
            per_calendar_month: RENEWALS_PER_CHANNEL_MONTH / total as f64,
            how: format!(
                "one renewal of each of {channels} channels: × 5 rounds a month (7-day channels \
                 renewed a day early) / {total} calendars"
            ),
        },
    ];
    Ok((phases, world.failures))
}

/// Tenants with one Google account each, its calendars linked two by two and subscribed.
/// Returns every calendar's Google id.
async fn setup(
    args: &CostArgs,
    google: &GoogleEmulator,
    world: &World,
    start: DateTime<Utc>,
) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    for t in 0..args.tenants {
        for c in 0..args.calendars_per_tenant {
            let name = format!("t{t}-c{c}@bench.calsync.test");
            google.add_calendar(&name, &name);
            names.push(name);
        }
    }
    // Discovery once, under a tenant outside the directory (the scheduler never sees it):
    // the emulator lists every calendar to every account.
    let discovery = TenantId::parse("discovery")?;
    let discovered = world
        .runtime
        .tenant(&discovery)?
        .accounts
        .add_oauth("google", AccountKind::Google, token_secret(google)?)
        .await?
        .calendars;
    for t in 0..args.tenants {
        let tenant = tenant_id(t)?;
        world.add_tenant(&tenant).await?;
        let account = AccountId::parse("google")?;
        let mine: Vec<CalendarInfo> = discovered
            .iter()
            .filter(|info| info.url.starts_with(&format!("t{t}-c")))
            .map(|info| CalendarInfo {
                account: account.clone(),
                ..info.clone()
            })
            .collect();
        let stored = Account {
            id: account,
            name: "google".into(),
            kind: AccountKind::Google,
            url: None,
            username: None,
            sealed_secret: Vec::new(),
            created_at: start,
        };
        world
            .add_account(&tenant, stored, &token_secret(google)?, &mine)
            .await?;
        let ids: Vec<CalendarId> = mine.into_iter().map(|c| c.id).collect();
        world.link_pairs(&tenant, &ids).await?;
        let services = world.runtime.tenant(&tenant)?;
        services
            .runner
            .run(&Job::MaintainPush { tenant })
            .await
            .map_err(|e| anyhow::anyhow!("subscribing channels: {e}"))?;
    }
    Ok(names)
}

/// Delivers every notification and runs every job they cause, until nothing moves.
async fn settle(
    google: &GoogleEmulator,
    gateway: &Gateway,
    world: &mut World,
    ledger: &mut Ledger,
) -> anyhow::Result<()> {
    loop {
        let before = gateway.requests();
        google.notifier().idle().await;
        world.drain(ledger).await?;
        google.notifier().idle().await;
        if gateway.requests() == before {
            return Ok(());
        }
    }
}

fn token_secret(google: &GoogleEmulator) -> anyhow::Result<zeroize::Zeroizing<Vec<u8>>> {
    let issued = google.issue_tokens();
    let tokens = TokenSet {
        access_token: issued.access_token,
        refresh_token: Some(issued.refresh_token),
        expires_at: Some(Utc::now() + issued.expires_in),
    };
    Ok(tokens.to_secret()?)
}

fn connector(google: &GoogleEmulator) -> ProviderConnector {
    let (api, oauth) = (google.api_url(), google.oauth_url());
    ProviderConnector {
        endpoints: ProviderEndpoints::from_lookup(move |name| match name {
            "CALSYNC_GOOGLE_API_URL" => Some(api.clone()),
            "CALSYNC_GOOGLE_OAUTH_URL" => Some(oauth.clone()),
            _ => None,
        }),
        apps: OAuthApps {
            google: Some(OAuthApp {
                client_id: "calsync-bench".into(),
                client_secret: None,
            }),
            microsoft: None,
        },
        ..ProviderConnector::default()
    }
}
