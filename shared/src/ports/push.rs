//! Push notifications: providers that can call us when a calendar changes (Google channels,
//! Microsoft Graph subscriptions). A notification is only a hint to check the calendar.

use super::ProviderError;
use crate::domain::{AccountKind, CalendarId, CalendarInfo};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Where providers deliver notifications (public HTTPS URLs of our webhook receiver).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushEndpoints {
    /// Google: `.../webhooks/google`; Graph: `.../webhooks/graph`.
    pub notification_url: String,
    /// Graph lifecycle notifications: `.../webhooks/graph/lifecycle`.
    pub lifecycle_url: String,
}

/// What the provider said when a channel/subscription was created or renewed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// Google channel id (ours, a UUID) or Graph subscription id (theirs).
    pub id: String,
    /// Google's opaque `resourceId`, needed to stop the channel.
    pub resource_id: Option<String>,
    /// Always what the provider answered: it may shorten what was asked.
    pub expires_at: DateTime<Utc>,
}

/// A live channel as we keep it. The shared secret (Google channel token, Graph clientState)
/// is stored only as a hash: notifications are checked by hashing what they carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushChannel {
    pub id: String,
    pub calendar: CalendarId,
    pub provider: AccountKind,
    pub resource_id: Option<String>,
    pub secret_hash: String,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

impl PushChannel {
    pub fn hash_secret(secret: &str) -> String {
        hex::encode(Sha256::digest(secret.as_bytes()))
    }

    /// Constant-time comparison of a presented secret with the stored hash.
    pub fn secret_matches(&self, presented: &str) -> bool {
        use subtle::ConstantTimeEq;
        let presented = Self::hash_secret(presented);
        presented
            .as_bytes()
            .ct_eq(self.secret_hash.as_bytes())
            .into()
    }

    /// Time to renew: Graph at half its life; Google a day (or half its life) before expiry.
    pub fn renew_at(&self) -> DateTime<Utc> {
        let life = self.expires_at - self.created_at;
        match self.provider {
            AccountKind::Microsoft => self.created_at + life / 2,
            _ => self.expires_at - (life / 2).min(chrono::TimeDelta::days(1)),
        }
    }
}

#[async_trait]
pub trait PushSubscriptions: Send + Sync {
    /// Starts push for `calendar`. `channel_id` is used where the client names the channel
    /// (Google); `secret` is echoed back in every notification.
    async fn subscribe(
        &self,
        calendar: &CalendarInfo,
        endpoints: &PushEndpoints,
        channel_id: &str,
        secret: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<Subscription, ProviderError>;

    /// Extends a subscription in place where the provider allows it (Graph PATCH): the new
    /// expiry. `None` where it does not (Google): the caller makes a new channel, then stops
    /// this one. `NotFound` when the provider no longer knows it: recreate.
    async fn renew(
        &self,
        channel: &PushChannel,
        expires_at: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, ProviderError>;

    /// Stops a channel; already-gone counts as done.
    async fn unsubscribe(&self, channel: &PushChannel) -> Result<(), ProviderError>;
}

/// Whether a provider can push; CalDAV servers cannot (they are polled).
pub trait PushSupport {
    fn push(&self) -> Option<&dyn PushSubscriptions>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn channel(provider: AccountKind, days: i64) -> PushChannel {
        let created_at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        PushChannel {
            id: "c".into(),
            calendar: CalendarId::parse("ca").unwrap(),
            provider,
            resource_id: None,
            secret_hash: PushChannel::hash_secret("s3cret"),
            expires_at: created_at + chrono::TimeDelta::days(days),
            created_at,
        }
    }

    #[test]
    fn secrets_are_checked_against_their_hash() {
        let c = channel(AccountKind::Google, 7);
        assert!(c.secret_matches("s3cret"));
        assert!(!c.secret_matches("s3cre"));
        assert!(!c.secret_matches(""));
        assert_ne!(c.secret_hash, "s3cret");
    }

    #[test]
    fn graph_renews_at_half_life_and_google_a_day_before_expiry() {
        let graph = channel(AccountKind::Microsoft, 3);
        assert_eq!(
            graph.renew_at(),
            graph.created_at + chrono::TimeDelta::hours(36)
        );
        let google = channel(AccountKind::Google, 7);
        assert_eq!(
            google.renew_at(),
            google.expires_at - chrono::TimeDelta::days(1)
        );
        let short = channel(AccountKind::Google, 1);
        assert_eq!(
            short.renew_at(),
            short.created_at + chrono::TimeDelta::hours(12)
        );
    }
}
