//! What `calsync status` shows: per link and per calendar, how syncing goes.

use super::UseCaseError;
use super::cadence::{CadencePolicy, Pace};
use crate::domain::{CalendarId, CalendarInfo, Link, TenantId};
use crate::ports::{CalendarSyncState, DeadJob, LinkStatus, Store};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

#[derive(Debug, Clone, Serialize)]
pub struct CalendarStatus {
    #[serde(flatten)]
    pub calendar: CalendarInfo,
    pub account_name: String,
    pub sync: CalendarSyncState,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkStatusView {
    #[serde(flatten)]
    pub link: Link,
    pub status: LinkStatus,
}

/// A push channel as `status` shows it (never its secret, not even hashed).
#[derive(Debug, Clone, Serialize)]
pub struct ChannelView {
    pub id: String,
    pub calendar: crate::domain::CalendarId,
    pub provider: crate::domain::AccountKind,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusView {
    pub links: Vec<LinkStatusView>,
    pub calendars: Vec<CalendarStatus>,
    pub push_channels: Vec<ChannelView>,
    /// Jobs that kept failing, with their last error.
    pub dead_jobs: Vec<DeadJob>,
}

/// How often the poller checks a calendar without a live push channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PollingView {
    pub pace: Pace,
    /// The interval this pace asks for (reached while saved checks last).
    pub wanted_every_s: f64,
    /// The interval kept even with nothing saved: this moment's share of the budget.
    pub at_least_every_s: f64,
}

impl StatusView {
    /// The pace of every linked calendar without a live push channel at `now`.
    pub fn polling(
        &self,
        policy: &CadencePolicy,
        now: DateTime<Utc>,
    ) -> BTreeMap<CalendarId, PollingView> {
        let linked: BTreeSet<&CalendarId> =
            self.links.iter().flat_map(|l| &l.link.calendars).collect();
        let pushed: BTreeSet<&CalendarId> = self
            .push_channels
            .iter()
            .filter(|c| c.expires_at > now)
            .map(|c| &c.calendar)
            .collect();
        let polled: Vec<_> = self
            .calendars
            .iter()
            .filter(|c| linked.contains(&c.calendar.id) && !pushed.contains(&c.calendar.id))
            .map(|c| (c.calendar.id.clone(), c.sync.last_changed))
            .collect();
        policy
            .intervals(now, &polled, 0.0)
            .into_iter()
            .map(|(id, (pace, every))| {
                let view = PollingView {
                    pace,
                    wanted_every_s: policy.wanted(pace).as_secs_f64(),
                    at_least_every_s: (every.as_secs_f64() * 10.0).round() / 10.0,
                };
                (id, view)
            })
            .collect()
    }
}

#[derive(Clone)]
pub struct StatusService {
    pub tenant: TenantId,
    pub store: Arc<dyn Store>,
}

impl StatusService {
    pub async fn overview(&self) -> Result<StatusView, UseCaseError> {
        let accounts = self.store.list_accounts(&self.tenant).await?;
        let mut calendars = Vec::new();
        for calendar in self.store.list_calendars(&self.tenant).await? {
            let sync = self
                .store
                .calendar_state(&self.tenant, &calendar.id)
                .await?;
            let account_name = accounts
                .iter()
                .find(|a| a.id == calendar.account)
                .map(|a| a.name.clone())
                .unwrap_or_default();
            calendars.push(CalendarStatus {
                calendar,
                account_name,
                sync,
            });
        }
        let mut links = Vec::new();
        for link in self.store.list_links(&self.tenant).await? {
            let status = self
                .store
                .load_link_state(&self.tenant, &link.id)
                .await?
                .status;
            links.push(LinkStatusView { link, status });
        }
        let push_channels = self
            .store
            .list_channels(&self.tenant)
            .await?
            .into_iter()
            .map(|c| ChannelView {
                id: c.id,
                calendar: c.calendar,
                provider: c.provider,
                expires_at: c.expires_at,
            })
            .collect();
        let dead_jobs = self.store.dead_jobs(&self.tenant).await?;
        Ok(StatusView {
            links,
            calendars,
            push_channels,
            dead_jobs,
        })
    }
}
