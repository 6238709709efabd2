//! Keeping push channels alive: one live channel per linked calendar whose provider can push,
//! renewed before it expires, recreated when the provider lost it, stopped when no link needs it.

use super::{AccountService, Connector, UseCaseError};
use crate::domain::{AccountId, AccountKind, CalendarId, CalendarInfo, TenantId};
use crate::ports::{CalendarProvider, ProviderError, PushChannel, PushEndpoints, Store};
use base64::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// What we ask for; providers may shorten it and what they answer is stored. Google's default
/// is 7 days; Graph's documented maximum for Outlook events was 4230 minutes.
fn requested_life(provider: AccountKind) -> TimeDelta {
    match provider {
        AccountKind::Microsoft => TimeDelta::minutes(4230),
        _ => TimeDelta::days(7),
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PushReport {
    pub created: usize,
    pub renewed: usize,
    pub stopped: usize,
    pub failed: Vec<String>,
}

#[derive(Clone)]
pub struct PushService {
    pub tenant: TenantId,
    pub store: Arc<dyn Store>,
    pub accounts: AccountService,
    pub connector: Arc<dyn Connector>,
    /// The public base URL of the webhook receiver (`https://.../`).
    pub public_url: String,
    /// How long to ask channels to live, when not the providers' maximum (short lives exercise
    /// renewal; providers may shorten any request, and what they answer is what counts).
    pub channel_life: Option<TimeDelta>,
    pub clock: fn() -> DateTime<Utc>,
}

impl PushService {
    fn requested_life(&self, provider: AccountKind) -> TimeDelta {
        self.channel_life
            .unwrap_or_else(|| requested_life(provider))
    }

    fn endpoints(&self, provider: AccountKind) -> PushEndpoints {
        let base = self.public_url.trim_end_matches('/');
        let path = match provider {
            AccountKind::Microsoft => "graph",
            _ => "google",
        };
        PushEndpoints {
            notification_url: format!("{base}/webhooks/{path}"),
            lifecycle_url: format!("{base}/webhooks/graph/lifecycle"),
        }
    }

    /// One maintenance round: subscribe what lacks a channel, renew what is due, stop what is
    /// no longer needed. Failures are reported per calendar; the round goes on.
    pub async fn maintain(&self) -> Result<PushReport, UseCaseError> {
        let now = (self.clock)();
        let mut report = PushReport::default();
        let linked: BTreeSet<CalendarId> = self
            .store
            .list_links(&self.tenant)
            .await?
            .into_iter()
            .flat_map(|l| l.calendars)
            .collect();
        let calendars: BTreeMap<CalendarId, CalendarInfo> = self
            .store
            .list_calendars(&self.tenant)
            .await?
            .into_iter()
            .filter(|c| linked.contains(&c.id))
            .map(|c| (c.id.clone(), c))
            .collect();
        let mut channels: BTreeMap<CalendarId, Vec<PushChannel>> = BTreeMap::new();
        for channel in self.store.list_channels(&self.tenant).await? {
            channels
                .entry(channel.calendar.clone())
                .or_default()
                .push(channel);
        }
        let mut providers = Providers::default();
        for (calendar, stale) in &channels {
            for channel in stale {
                let unneeded = !calendars.contains_key(calendar) || channel.expires_at <= now;
                if unneeded {
                    self.stop(&mut providers, calendars.get(calendar), channel)
                        .await;
                    report.stopped += 1;
                }
            }
        }
        for (id, calendar) in &calendars {
            let live: Vec<&PushChannel> = channels
                .get(id)
                .into_iter()
                .flatten()
                .filter(|c| c.expires_at > now)
                .collect();
            let result = match live.iter().max_by_key(|c| c.expires_at) {
                None => self.create(&mut providers, calendar).await.map(|made| {
                    report.created += usize::from(made);
                }),
                Some(newest) if newest.renew_at() <= now => self
                    .renew_channel(&mut providers, calendar, newest)
                    .await
                    .map(|()| report.renewed += 1),
                Some(_) => Ok(()),
            };
            if let Err(error) = result {
                tracing::warn!(calendar = %id, %error, "push channel maintenance failed");
                report.failed.push(format!("{id}: {error}"));
            }
        }
        Ok(report)
    }

    /// Renews the channel now (Graph `reauthorizationRequired`, or maintenance).
    pub async fn renew(&self, channel_id: &str) -> Result<(), UseCaseError> {
        let (channel, calendar) = self.channel_and_calendar(channel_id).await?;
        self.renew_channel(&mut Providers::default(), &calendar, &channel)
            .await
    }

    /// Replaces a channel the provider dropped (Graph `subscriptionRemoved`).
    pub async fn recreate(&self, channel_id: &str) -> Result<(), UseCaseError> {
        let (channel, calendar) = self.channel_and_calendar(channel_id).await?;
        let mut providers = Providers::default();
        self.stop(&mut providers, Some(&calendar), &channel).await;
        self.create(&mut providers, &calendar).await.map(|_| ())
    }

    async fn channel_and_calendar(
        &self,
        channel_id: &str,
    ) -> Result<(PushChannel, CalendarInfo), UseCaseError> {
        let (_, channel) = self
            .store
            .find_channel(channel_id)
            .await?
            .ok_or_else(|| UseCaseError::NotFound(format!("push channel {channel_id}")))?;
        let calendar = self
            .store
            .get_calendar(&self.tenant, &channel.calendar)
            .await?
            .ok_or_else(|| UseCaseError::NotFound(format!("calendar {}", channel.calendar)))?;
        Ok((channel, calendar))
    }

    async fn renew_channel(
        &self,
        providers: &mut Providers,
        calendar: &CalendarInfo,
        channel: &PushChannel,
    ) -> Result<(), UseCaseError> {
        let provider = self.provider(providers, &calendar.account).await?;
        let Some(push) = provider.push() else {
            return Ok(());
        };
        let now = (self.clock)();
        match push
            .renew(channel, now + self.requested_life(channel.provider))
            .await
        {
            Ok(Some(expires_at)) => {
                let renewed = PushChannel {
                    expires_at,
                    created_at: now,
                    ..channel.clone()
                };
                Ok(self.store.put_channel(&self.tenant, &renewed).await?)
            }
            // Google has no renewal: a new channel first, then the old one stops (overlap is fine,
            // duplicate notifications are dropped by the receiver).
            Ok(None) => {
                self.create(providers, calendar).await?;
                self.stop(providers, Some(calendar), channel).await;
                Ok(())
            }
            Err(ProviderError::NotFound) => {
                self.store.delete_channel(&self.tenant, &channel.id).await?;
                self.create(providers, calendar).await.map(|_| ())
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Subscribes; `false` when the calendar's provider cannot push.
    async fn create(
        &self,
        providers: &mut Providers,
        calendar: &CalendarInfo,
    ) -> Result<bool, UseCaseError> {
        let account = self
            .store
            .get_account(&self.tenant, &calendar.account)
            .await?
            .ok_or_else(|| UseCaseError::NotFound(format!("account {}", calendar.account)))?;
        let provider = self.provider(providers, &calendar.account).await?;
        let Some(push) = provider.push() else {
            return Ok(false);
        };
        let now = (self.clock)();
        let channel_id = random_uuid();
        let secret = random_secret();
        let subscription = push
            .subscribe(
                calendar,
                &self.endpoints(account.kind),
                &channel_id,
                &secret,
                now + self.requested_life(account.kind),
            )
            .await?;
        let channel = PushChannel {
            id: subscription.id,
            calendar: calendar.id.clone(),
            provider: account.kind,
            resource_id: subscription.resource_id,
            secret_hash: PushChannel::hash_secret(&secret),
            expires_at: subscription.expires_at,
            created_at: now,
        };
        self.store.put_channel(&self.tenant, &channel).await?;
        tracing::info!(calendar = %calendar.id, channel = %channel.id, expires = %channel.expires_at, "push channel created");
        Ok(true)
    }

    /// Stops a channel at the provider (best effort: an expired one may be gone already) and forgets it.
    async fn stop(
        &self,
        providers: &mut Providers,
        calendar: Option<&CalendarInfo>,
        channel: &PushChannel,
    ) {
        if let Some(calendar) = calendar
            && let Ok(provider) = self.provider(providers, &calendar.account).await
            && let Some(push) = provider.push()
            && let Err(error) = push.unsubscribe(channel).await
        {
            tracing::warn!(channel = %channel.id, %error, "could not stop a push channel");
        }
        if let Err(error) = self.store.delete_channel(&self.tenant, &channel.id).await {
            tracing::warn!(channel = %channel.id, %error, "could not forget a push channel");
        }
    }

    async fn provider(
        &self,
        providers: &mut Providers,
        account: &AccountId,
    ) -> Result<Arc<dyn CalendarProvider>, UseCaseError> {
        if let Some(provider) = providers.0.get(account) {
            return Ok(provider.clone());
        }
        let stored = self
            .store
            .get_account(&self.tenant, account)
            .await?
            .ok_or_else(|| UseCaseError::NotFound(format!("account {account}")))?;
        let credentials = self.accounts.credentials(&stored).await?;
        let provider = self.connector.connect(&credentials).await?;
        providers.0.insert(account.clone(), provider.clone());
        Ok(provider)
    }
}

/// Providers connected during one round, one per account.
#[derive(Default)]
struct Providers(BTreeMap<AccountId, Arc<dyn CalendarProvider>>);

/// A random (version 4) UUID: Google channel ids must be unique and at most 64 characters.
fn random_uuid() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// 256 random bits, URL-safe: Graph's clientState allows at most 128 characters.
fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_ids_are_version_4_uuids_and_secrets_fit_graph() {
        let id = random_uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_ne!(random_uuid(), id);
        let secret = random_secret();
        assert!(secret.len() <= 128 && secret.len() >= 43);
        assert!(
            secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
    }
}
