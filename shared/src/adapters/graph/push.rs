//! Change notifications (https://learn.microsoft.com/graph/api/resources/subscription):
//! a subscription per calendar, renewed in place with PATCH, deleted with DELETE.
//! Graph validates both URLs while the POST waits (our webhook receiver answers that).

use super::http::{Call, GraphClient};
use super::mapping::parse_instant;
use super::reads::segment;
use super::wire::GraphSubscription;
use crate::domain::CalendarInfo;
use crate::ports::{ProviderError, PushChannel, PushEndpoints, Subscription};
use chrono::{DateTime, TimeDelta, Utc};
use reqwest::Method;
use serde_json::json;

/// Outlook events allow 4,230 minutes (subscription lifetime table); Graph refuses longer
/// requests instead of shortening them, so ask for a little less.
const MAX_LIFETIME: TimeDelta = TimeDelta::minutes(4_200);

fn capped(expires_at: DateTime<Utc>) -> String {
    let latest = Utc::now() + MAX_LIFETIME;
    expires_at
        .min(latest)
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

fn expiry(subscription: &GraphSubscription) -> Result<DateTime<Utc>, ProviderError> {
    parse_instant(&subscription.expiration_date_time).map_err(|_| {
        ProviderError::Permanent("Graph answered a subscription without a valid expiry".into())
    })
}

pub(super) async fn subscribe(
    client: &GraphClient,
    calendar: &CalendarInfo,
    endpoints: &PushEndpoints,
    secret: &str,
    expires_at: DateTime<Utc>,
) -> Result<Subscription, ProviderError> {
    let body = json!({
        "changeType": "created,updated,deleted",
        "notificationUrl": endpoints.notification_url,
        "lifecycleNotificationUrl": endpoints.lifecycle_url,
        "resource": format!("me/calendars/{}/events", calendar.url),
        "expirationDateTime": capped(expires_at),
        "clientState": secret,
    });
    let created: GraphSubscription = client
        .send(&Call::new(Method::POST, "subscriptions").json(&body))
        .await?
        .json()?;
    Ok(Subscription {
        expires_at: expiry(&created)?,
        id: created.id,
        resource_id: None,
    })
}

pub(super) async fn renew(
    client: &GraphClient,
    channel: &PushChannel,
    expires_at: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, ProviderError> {
    let body = json!({ "expirationDateTime": capped(expires_at) });
    let url = format!("subscriptions/{}", segment(&channel.id));
    let renewed: GraphSubscription = client
        .send(&Call::new(Method::PATCH, url).json(&body))
        .await?
        .json()?;
    expiry(&renewed).map(Some)
}

pub(super) async fn unsubscribe(
    client: &GraphClient,
    channel: &PushChannel,
) -> Result<(), ProviderError> {
    let url = format!("subscriptions/{}", segment(&channel.id));
    match client.send(&Call::new(Method::DELETE, url)).await {
        Ok(_) | Err(ProviderError::NotFound) => Ok(()),
        Err(error) => Err(error),
    }
}
