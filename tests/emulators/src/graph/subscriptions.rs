//! Subscriptions and the notifications they produce: the validation handshake on creation
//! (Graph POSTs `?validationToken=` to each URL and needs the token echoed, 200 text/plain,
//! within 10 s), change notifications on every change to the resource, and lifecycle
//! notifications (`reauthorizationRequired`, `missed`, `subscriptionRemoved`) on demand.

use super::state::Change;
use crate::common::{Notifier, Outgoing};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use std::time::Duration;

pub const TENANT_ID: &str = "84c9f1a0-7a39-4b8e-9f11-6f0f7d2f1e55";
pub const USER_ID: &str = "5c3b7a43-1a1e-4d2c-8f0f-2d8c1b9e7a10";
/// Outlook events: 4,230 minutes (subscription lifetime table of the stored docs snapshot).
pub const MAX_LIFETIME: TimeDelta = TimeDelta::minutes(4_230);
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSubscription {
    pub id: String,
    pub resource: String,
    pub change_type: String,
    pub notification_url: String,
    pub lifecycle_url: Option<String>,
    pub client_state: Option<String>,
    pub expires_at: DateTime<Utc>,
}

impl StoredSubscription {
    /// The calendar the resource names (`me/calendars/{id}/events`); `None` for every
    /// calendar of the mailbox (`me/events`).
    pub fn calendar(&self) -> Option<&str> {
        let resource = self.resource.trim_start_matches('/');
        resource
            .strip_prefix("me/calendars/")
            .and_then(|rest| rest.strip_suffix("/events"))
    }

    pub fn covers(&self, change: &Change) -> bool {
        self.calendar().is_none_or(|c| c == change.calendar)
            && self.change_type.split(',').any(|t| t.trim() == change.kind)
    }

    pub fn render(&self) -> Value {
        json!({
            "id": self.id,
            "resource": self.resource,
            "changeType": self.change_type,
            "notificationUrl": self.notification_url,
            "lifecycleNotificationUrl": self.lifecycle_url,
            "clientState": self.client_state,
            "expirationDateTime": expiry(self.expires_at),
            "applicationId": "calsync-emulated-app",
            "creatorId": USER_ID,
        })
    }
}

pub fn expiry(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S.0000000Z").to_string()
}

/// Runs the validation handshake against `url`: true when it echoed the token in time.
pub async fn validate(notifier: &Notifier, url: &str) -> bool {
    let token = super::oauth::random("Validation: Testing client application reachability ");
    let encoded: String = url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
    let separator = if url.contains('?') { '&' } else { '?' };
    let outgoing = Outgoing {
        url: format!("{url}{separator}validationToken={encoded}"),
        headers: vec![("content-type".into(), "text/plain; charset=utf-8".into())],
        body: Vec::new(),
    };
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, notifier.deliver_now(&outgoing)).await {
        Ok(Some((200, body))) => body == token,
        _ => false,
    }
}

fn post(url: &str, body: Value) -> Outgoing {
    Outgoing {
        url: url.to_string(),
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.to_string().into_bytes(),
    }
}

/// The change notification for `change`, as Graph POSTs it (basic notification, no data).
pub fn change_notification(subscription: &StoredSubscription, change: &Change) -> Outgoing {
    let resource = format!("Users/{USER_ID}/Events/{}", change.id);
    let mut data = json!({
        "@odata.type": "#Microsoft.Graph.Event",
        "@odata.id": resource,
        "id": change.id,
    });
    if let Some(etag) = &change.etag {
        data["@odata.etag"] = json!(etag);
    }
    post(
        &subscription.notification_url,
        json!({"value": [{
            "subscriptionId": subscription.id,
            "subscriptionExpirationDateTime": expiry(subscription.expires_at),
            "changeType": change.kind,
            "resource": resource,
            "resourceData": data,
            "clientState": subscription.client_state,
            "tenantId": TENANT_ID,
        }]}),
    )
}

/// A lifecycle notification; `None` when the subscription has no lifecycle URL.
pub fn lifecycle_notification(subscription: &StoredSubscription, event: &str) -> Option<Outgoing> {
    let url = subscription.lifecycle_url.as_deref()?;
    Some(post(
        url,
        json!({"value": [{
            "subscriptionId": subscription.id,
            "subscriptionExpirationDateTime": expiry(subscription.expires_at),
            "tenantId": TENANT_ID,
            "clientState": subscription.client_state,
            "lifecycleEvent": event,
        }]}),
    ))
}
