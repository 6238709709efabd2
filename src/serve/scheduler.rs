//! What runs on a clock: polls (each CalDAV calendar every interval; calendars with a live
//! push channel every 15 minutes, in case a notification was lost), push channel
//! maintenance every minute, and the daily full reconciliation.

use super::Shutdown;
use calsync_core::adapters::in_process_queue::InProcessQueue;
use calsync_core::domain::{CalendarId, TenantId};
use calsync_core::ports::{Job, JobQueue, Store, SyncReason};
use calsync_core::usecases::PushService;
use chrono::Utc;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

const RECONCILE_EVERY: Duration = Duration::from_secs(24 * 3600);

pub struct Scheduler {
    pub tenant: TenantId,
    pub store: Arc<dyn Store>,
    pub queue: InProcessQueue,
    pub push: Option<PushService>,
    pub interval: Duration,
    /// Push is a hint, not a guarantee (Google says so): calendars with push are still polled
    /// this often, in case a notification was lost.
    pub push_fallback_poll: Duration,
    /// How often push channels are checked for renewal (and created where missing).
    pub channel_upkeep: Duration,
}

impl Scheduler {
    pub async fn run(self, mut shutdown: Shutdown) {
        let mut ticker = tokio::time::interval(self.interval.max(Duration::from_secs(1)));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_polled: BTreeMap<CalendarId, Instant> = BTreeMap::new();
        let mut last_maintenance: Option<Instant> = None;
        let mut last_reconcile: Option<Instant> = None;
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = shutdown.stopped() => return,
            }
            if let Some(push) = &self.push
                && last_maintenance.is_none_or(|at| at.elapsed() >= self.channel_upkeep)
            {
                last_maintenance = Some(Instant::now());
                match push.maintain().await {
                    Ok(report) if report != Default::default() => {
                        tracing::info!(?report, "push channels maintained")
                    }
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "push channel maintenance failed"),
                }
            }
            let reconcile = last_reconcile.is_none_or(|at| at.elapsed() >= RECONCILE_EVERY);
            match self.due(&mut last_polled, reconcile).await {
                Ok(calendars) if calendars.is_empty() => {}
                Ok(calendars) => {
                    let reason = if reconcile {
                        SyncReason::Reconcile
                    } else {
                        SyncReason::Poll
                    };
                    let job = Job::Sync {
                        tenant: self.tenant.clone(),
                        calendars,
                        reason,
                    };
                    if self.queue.enqueue(vec![job]).await.is_err() {
                        return;
                    }
                    if reconcile {
                        last_reconcile = Some(Instant::now());
                    }
                }
                Err(error) => tracing::warn!(%error, "could not plan this round of checks"),
            }
        }
    }

    /// The linked calendars due for a check now (all of them for the reconciliation).
    async fn due(
        &self,
        last_polled: &mut BTreeMap<CalendarId, Instant>,
        everything: bool,
    ) -> Result<Vec<CalendarId>, calsync_core::ports::StoreError> {
        let linked: BTreeSet<CalendarId> = self
            .store
            .list_links(&self.tenant)
            .await?
            .into_iter()
            .flat_map(|l| l.calendars)
            .collect();
        let now = Utc::now();
        let pushed: BTreeSet<CalendarId> = self
            .store
            .list_channels(&self.tenant)
            .await?
            .into_iter()
            .filter(|c| c.expires_at > now)
            .map(|c| c.calendar)
            .collect();
        let due: Vec<CalendarId> = linked
            .into_iter()
            .filter(|calendar| {
                everything
                    || !pushed.contains(calendar)
                    || last_polled
                        .get(calendar)
                        .is_none_or(|at| at.elapsed() >= self.push_fallback_poll)
            })
            .collect();
        for calendar in &due {
            last_polled.insert(calendar.clone(), Instant::now());
        }
        Ok(due)
    }
}
