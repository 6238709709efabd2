//! What `calsync status` shows: per link and per calendar, how syncing goes.

use super::UseCaseError;
use crate::domain::{CalendarInfo, Link, TenantId};
use crate::ports::{CalendarSyncState, LinkStatus, Store};
use serde::Serialize;
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

#[derive(Debug, Clone, Serialize)]
pub struct StatusView {
    pub links: Vec<LinkStatusView>,
    pub calendars: Vec<CalendarStatus>,
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
        Ok(StatusView { links, calendars })
    }
}
