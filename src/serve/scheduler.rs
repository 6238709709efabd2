//! What runs on a clock: adaptive polls of the calendars without push (see
//! `calsync_core::usecases::cadence`), fallback polls of calendars with a live push channel
//! every 15 minutes (in case a notification was lost), push channel maintenance every
//! minute, and the daily full reconciliation.

use super::Shutdown;
use calsync_core::adapters::in_process_queue::InProcessQueue;
use calsync_core::domain::{CalendarId, TenantId};
use calsync_core::ports::{Job, JobQueue, Store, StoreError, SyncReason};
use calsync_core::usecases::PushService;
use calsync_core::usecases::cadence::{AdaptivePoller, CadencePolicy};
use chrono::Utc;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

const RECONCILE_EVERY: Duration = Duration::from_secs(24 * 3600);
/// How often the scheduler looks at what is due (the finest pace it can keep).
const ROUND: Duration = Duration::from_secs(1);

pub struct Scheduler {
    pub tenant: TenantId,
    pub store: Arc<dyn Store>,
    pub queue: InProcessQueue,
    pub push: Option<PushService>,
    pub cadence: CadencePolicy,
    /// Push is a hint, not a guarantee (Google says so): calendars with push are still polled
    /// this often, in case a notification was lost.
    pub push_fallback_poll: Duration,
    /// How often push channels are checked for renewal (and created where missing).
    pub channel_upkeep: Duration,
}

/// What the scheduler remembers between rounds.
struct Rounds {
    poller: AdaptivePoller,
    /// When each calendar with a live push channel was last polled anyway.
    fallback_polled: BTreeMap<CalendarId, Instant>,
}

impl Scheduler {
    pub async fn run(self, mut shutdown: Shutdown) {
        let mut ticker = tokio::time::interval(ROUND);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut rounds = Rounds {
            poller: AdaptivePoller::new(self.cadence.clone()),
            fallback_polled: BTreeMap::new(),
        };
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
            match self.due(&mut rounds, reconcile).await {
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
                        cursors: Default::default(),
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
        rounds: &mut Rounds,
        everything: bool,
    ) -> Result<Vec<CalendarId>, StoreError> {
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
        let states = self.store.calendar_states(&self.tenant).await?;
        let polled: Vec<(CalendarId, Option<chrono::DateTime<Utc>>)> = linked
            .iter()
            .filter(|calendar| !pushed.contains(*calendar))
            .map(|calendar| {
                let changed = states.get(calendar).and_then(|s| s.last_changed);
                (calendar.clone(), changed)
            })
            .collect();
        let mut due = rounds.poller.due(now, &polled);
        if everything {
            due = linked.iter().cloned().collect();
        }
        rounds
            .fallback_polled
            .retain(|calendar, _| pushed.contains(calendar));
        for calendar in &pushed {
            let at = rounds.fallback_polled.get(calendar);
            if at.is_none_or(|at| at.elapsed() >= self.push_fallback_poll) {
                rounds
                    .fallback_polled
                    .insert(calendar.clone(), Instant::now());
                if !everything && linked.contains(calendar) {
                    due.push(calendar.clone());
                }
            }
        }
        Ok(due)
    }
}
