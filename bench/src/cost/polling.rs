//! Scenario 1: CalDAV calendars without push, checked every 15 s (fixed polling, the worst
//! case) or by the default adaptive poller (calendars that do not change: every 60 s).
//! Calendars live on the bench's CalDAV endpoint (the `poll-scale` server: unchanging
//! collections answering after `--caldav-delay-ms`), one account per tenant, linked two by
//! two. The first simulated minutes settle the initial syncs (not counted: one minute, or 16
//! for the adaptive poller, for whom an initial sync is activity for 15 minutes); then
//! `--minutes` simulated minutes of ticks are counted and extrapolated to a 30-day month.

use super::bill::Phase;
use super::ledger::Ledger;
use super::world::World;
use super::{CostArgs, MINUTES_PER_MONTH, tenant_id};
use crate::measure::note;
use crate::poll_scale::{endpoint_calendar, spawn_endpoint};
use calsync_core::adapters::ProviderConnector;
use calsync_core::domain::{
    Account, AccountId, AccountKind, CalendarId, Capabilities, RecurrenceSupport,
};
use calsync_core::usecases::cadence::CadencePolicy;
use chrono::{DateTime, TimeDelta, Utc};
use std::sync::Arc;

pub async fn run(
    args: &CostArgs,
    moto: &str,
    start: DateTime<Utc>,
    cadence: CadencePolicy,
) -> anyhow::Result<(Vec<Phase>, usize)> {
    let settle_minutes: i64 = if cadence.adaptive { 16 } else { 1 };
    let total = args.tenants * args.calendars_per_tenant;
    let (mut endpoint, port) = spawn_endpoint(total, args.caldav_delay_ms).await?;
    let base = format!("http://127.0.0.1:{port}");
    let mut world = World::new(moto, Arc::new(ProviderConnector::default()), None).await?;
    world.scheduler.policy.cadence = cadence;
    if let Some(step) = args.phase_step_secs {
        world.scheduler.policy.phase_step = std::time::Duration::from_secs(step);
    }
    for t in 0..args.tenants {
        let tenant = tenant_id(t)?;
        world.add_tenant(&tenant).await?;
        let account = AccountId::parse("dav")?;
        let capabilities = Capabilities {
            sync_collection: true,
            ctag: true,
            // Probed once per calendar in real life; not what a month costs.
            recurrence: RecurrenceSupport::Intact,
        };
        let calendars = (0..args.calendars_per_tenant)
            .map(|c| {
                let n = t * args.calendars_per_tenant + c;
                endpoint_calendar(&base, &account, n, capabilities.clone())
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let stored = Account {
            id: account,
            name: "dav".into(),
            kind: AccountKind::Caldav,
            url: Some(base.clone()),
            username: Some("bench".into()),
            sealed_secret: Vec::new(),
            created_at: start,
        };
        world
            .add_account(&tenant, stored, b"bench", &calendars)
            .await?;
        let ids: Vec<CalendarId> = calendars.into_iter().map(|c| c.id).collect();
        world.link_pairs(&tenant, &ids).await?;
    }
    note(&format!(
        "polling: {total} calendars, initial syncs (not counted)"
    ));
    let mut warm_up = Ledger::default();
    for minute in 0..settle_minutes {
        world
            .minute(start + TimeDelta::minutes(minute), &mut warm_up)
            .await?;
    }
    world.proxy.take();
    let start = start + TimeDelta::minutes(settle_minutes - 1);
    note(&format!(
        "polling: {} simulated minutes of checks",
        args.minutes
    ));
    let mut ledger = Ledger::default();
    for minute in 1..=args.minutes {
        world
            .minute(start + TimeDelta::minutes(minute as i64), &mut ledger)
            .await?;
    }
    let counts = world.proxy.take();
    endpoint.kill().await.ok();
    let phase = Phase {
        name: "ticks",
        counts,
        ledger,
        per_calendar_month: MINUTES_PER_MONTH / args.minutes as f64 / total as f64,
        how: format!(
            "{} simulated minutes of scheduler ticks and the sync jobs they queued, for {total} \
             calendars: × (43,200 minutes / {} minutes) / {total} calendars",
            args.minutes, args.minutes
        ),
    };
    Ok((vec![phase], world.failures))
}
