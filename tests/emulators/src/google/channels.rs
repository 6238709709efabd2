//! Push channels (https://developers.google.com/calendar/api/guides/push): `events.watch`
//! opens one, a `sync` message follows at once, then an `exists` message on every change of
//! the calendar's events until the channel expires or is stopped. Messages have an empty body
//! and say everything in `X-Goog-*` headers; message numbers grow, but not one by one.

use super::error::ApiError;
use crate::common::Outgoing;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

/// Google's default channel lifetime (`params.ttl` default, 604800 s).
pub const DEFAULT_TTL: TimeDelta = TimeDelta::days(7);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub id: String,
    pub resource_id: String,
    pub resource_uri: String,
    pub calendar: String,
    pub address: String,
    pub token: Option<String>,
    pub expiration: DateTime<Utc>,
    pub message_number: u64,
    pub stopped: bool,
}

pub struct Channels {
    pub channels: Vec<Channel>,
    /// Longest life a channel gets, whatever it asks for.
    pub max_ttl: TimeDelta,
    rng: StdRng,
}

impl Channels {
    pub fn new(seed: u64) -> Self {
        Self {
            channels: Vec::new(),
            max_ttl: DEFAULT_TTL,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// Opens a channel from a watch request body; returns the answer and the `sync` message.
    pub fn watch(
        &mut self,
        calendar: &str,
        body: &Value,
        resource_uri: String,
        now: DateTime<Utc>,
    ) -> Result<(Value, Outgoing), ApiError> {
        let id = body["id"]
            .as_str()
            .filter(|id| !id.is_empty() && id.len() <= 64);
        let id = id.ok_or_else(|| ApiError::new(400, "required", "Required channel id"))?;
        if !matches!(body["type"].as_str(), Some("web_hook" | "webhook")) {
            return Err(ApiError::new(400, "invalid", "Invalid channel type"));
        }
        let address = body["address"]
            .as_str()
            .filter(|a| a.starts_with("http://") || a.starts_with("https://"))
            .ok_or_else(|| ApiError::new(400, "invalid", "Invalid channel address"))?;
        if self.channels.iter().any(|c| c.id == id && !c.stopped) {
            return Err(ApiError::new(
                400,
                "channelIdNotUnique",
                "Channel id not unique",
            ));
        }
        let requested = millis(&body["expiration"])
            .or_else(|| {
                let ttl = body["params"]["ttl"].as_str()?.parse::<i64>().ok()?;
                Some(now + TimeDelta::seconds(ttl))
            })
            .unwrap_or(now + DEFAULT_TTL);
        let expiration = requested.min(now + self.max_ttl);
        let channel = Channel {
            id: id.to_string(),
            // One resource id per watched collection: the calendar's events.
            resource_id: resource_id(calendar),
            resource_uri,
            calendar: calendar.to_string(),
            address: address.to_string(),
            token: body["token"].as_str().map(str::to_string),
            expiration,
            message_number: 1,
            stopped: false,
        };
        let answer = json!({
            "kind": "api#channel",
            "id": channel.id,
            "resourceId": channel.resource_id,
            "resourceUri": channel.resource_uri,
            "token": channel.token,
            "expiration": channel.expiration.timestamp_millis().to_string(),
        });
        let sync = message(&channel, "sync");
        self.channels.push(channel);
        Ok((answer, sync))
    }

    /// `channels.stop`: both the channel id and its resource id must match.
    pub fn stop(&mut self, body: &Value) -> Result<(), ApiError> {
        let id = body["id"].as_str().unwrap_or_default();
        let resource_id = body["resourceId"].as_str().unwrap_or_default();
        let channel = self
            .channels
            .iter_mut()
            .find(|c| c.id == id && c.resource_id == resource_id && !c.stopped)
            .ok_or_else(|| {
                ApiError::new(
                    404,
                    "notFound",
                    format!("Channel '{id}' not found for project"),
                )
            })?;
        channel.stopped = true;
        Ok(())
    }

    /// The `exists` messages one change of `calendar` sends: live channels only.
    pub fn changed(&mut self, calendar: &str, now: DateTime<Utc>) -> Vec<Outgoing> {
        let mut out = Vec::new();
        for channel in &mut self.channels {
            if channel.calendar != calendar || channel.stopped || channel.expiration <= now {
                continue;
            }
            channel.message_number += self.rng.random_range(1..=5);
            out.push(message(channel, "exists"));
        }
        out
    }
}

pub fn resource_id(calendar: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(calendar.as_bytes());
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("r{hex}")
}

fn millis(value: &Value) -> Option<DateTime<Utc>> {
    let ms = match value {
        Value::String(text) => text.parse::<i64>().ok()?,
        Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    Utc.timestamp_millis_opt(ms).single()
}

fn message(channel: &Channel, state: &str) -> Outgoing {
    let mut headers = vec![
        ("X-Goog-Channel-ID".to_string(), channel.id.clone()),
        (
            "X-Goog-Channel-Expiration".to_string(),
            channel
                .expiration
                .format("%a, %d %b %Y %H:%M:%S GMT")
                .to_string(),
        ),
        (
            "X-Goog-Resource-ID".to_string(),
            channel.resource_id.clone(),
        ),
        (
            "X-Goog-Resource-URI".to_string(),
            channel.resource_uri.clone(),
        ),
        ("X-Goog-Resource-State".to_string(), state.to_string()),
        (
            "X-Goog-Message-Number".to_string(),
            channel.message_number.to_string(),
        ),
    ];
    if let Some(token) = &channel.token {
        headers.push(("X-Goog-Channel-Token".to_string(), token.clone()));
    }
    Outgoing {
        url: channel.address.clone(),
        headers,
        body: Vec::new(),
    }
}
