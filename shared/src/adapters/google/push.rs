//! Push channels (https://developers.google.com/calendar/api/guides/push): `events.watch`
//! opens one per calendar; channels cannot be extended, so renewal is a new channel (the
//! caller makes it, then stops the old one with `channels.stop`).

use super::http::{Call, GoogleClient};
use super::wire::{WatchRequest, WireChannel};
use crate::ports::{ProviderError, PushChannel, PushEndpoints, Subscription};
use chrono::{DateTime, TimeZone, Utc};
use reqwest::Method;

pub(super) async fn watch(
    client: &GoogleClient,
    calendar_id: &str,
    endpoints: &PushEndpoints,
    channel_id: &str,
    secret: &str,
    expires_at: DateTime<Utc>,
) -> Result<Subscription, ProviderError> {
    let request = WatchRequest {
        id: channel_id,
        kind: "web_hook",
        address: &endpoints.notification_url,
        token: secret,
        expiration: expires_at.timestamp_millis().to_string(),
    };
    let body = serde_json::to_value(&request)
        .map_err(|e| ProviderError::Permanent(format!("cannot encode the channel: {e}")))?;
    let call = Call::new(Method::POST, &["calendars", calendar_id, "events", "watch"]).json(body);
    let channel: WireChannel = client.send(&call).await?.json("events.watch")?;
    Ok(Subscription {
        id: channel.id,
        resource_id: channel.resource_id,
        // Google may shorten what was asked: what it answered is what holds.
        expires_at: channel
            .expiration
            .as_ref()
            .and_then(millis)
            .unwrap_or(expires_at),
    })
}

/// int64 values come as JSON strings; accept numbers as well.
fn millis(value: &serde_json::Value) -> Option<DateTime<Utc>> {
    let ms = match value {
        serde_json::Value::String(text) => text.trim().parse::<i64>().ok()?,
        serde_json::Value::Number(number) => number.as_i64()?,
        _ => return None,
    };
    Utc.timestamp_millis_opt(ms).single()
}

pub(super) async fn stop(
    client: &GoogleClient,
    channel: &PushChannel,
) -> Result<(), ProviderError> {
    let Some(resource_id) = &channel.resource_id else {
        // channels.stop needs the resourceId; without it the channel just runs out.
        tracing::warn!(channel = %channel.id, "cannot stop a Google channel without its resource id");
        return Ok(());
    };
    let body = serde_json::json!({ "id": channel.id, "resourceId": resource_id });
    let call = Call::new(Method::POST, &["channels", "stop"]).json(body);
    match client.send(&call).await {
        Ok(_) | Err(ProviderError::NotFound) => Ok(()),
        Err(other) => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expirations_are_read_from_strings_or_numbers() {
        let at = Utc.timestamp_millis_opt(1_426_325_213_000).unwrap();
        assert_eq!(millis(&serde_json::json!("1426325213000")), Some(at));
        assert_eq!(millis(&serde_json::json!(1_426_325_213_000_i64)), Some(at));
        assert_eq!(millis(&serde_json::json!("soon")), None);
    }
}
