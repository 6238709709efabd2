//! Microsoft Graph change and lifecycle notifications: the validation handshake, then batches
//! of items, each carrying the subscription's clientState to check.

use super::{
    Outcome, WebhookReceiver, WebhookRequest, WebhookResponse, check_channel, idempotency_key,
};
use crate::domain::{AccountKind, CalendarId, TenantId};
use crate::ports::{Job, PushChannel, SyncReason};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// Graph's validation tokens are short opaque strings; anything longer is not from Graph.
const MAX_VALIDATION_TOKEN: usize = 1024;

#[derive(Deserialize)]
struct Batch {
    value: Vec<Item>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    subscription_id: String,
    client_state: Option<String>,
    change_type: Option<String>,
    resource: Option<String>,
    resource_data: Option<serde_json::Value>,
    lifecycle_event: Option<String>,
    subscription_expiration_date_time: Option<String>,
}

/// One item that passed the checks.
struct Valid {
    tenant: TenantId,
    channel: PushChannel,
    item: Item,
}

impl WebhookReceiver {
    /// `POST /webhooks/graph`: change notifications.
    pub async fn graph(&self, request: &WebhookRequest) -> WebhookResponse {
        let valid = match self.validated_items(request).await {
            Ok(valid) => valid,
            Err(response) => return response,
        };
        // One job per tenant, with every calendar its new notifications name.
        let mut per_tenant: BTreeMap<TenantId, (Vec<String>, BTreeSet<CalendarId>)> =
            BTreeMap::new();
        for Valid {
            tenant,
            channel,
            item,
        } in valid
        {
            let etag = item
                .resource_data
                .as_ref()
                .and_then(|data| data.get("@odata.etag"))
                .and_then(|etag| etag.as_str())
                .unwrap_or_default();
            let key = idempotency_key(&[
                "graph",
                &item.subscription_id,
                item.change_type.as_deref().unwrap_or_default(),
                item.resource.as_deref().unwrap_or_default(),
                etag,
            ]);
            if self.first_time(&tenant, &key).await {
                let entry = per_tenant.entry(tenant).or_default();
                entry.0.push(key);
                entry.1.insert(channel.calendar);
            }
        }
        self.queue_per_tenant(per_tenant, |tenant, calendars| Job::Sync {
            tenant,
            calendars,
            reason: SyncReason::Push,
            cursors: Default::default(),
        })
        .await
    }

    /// `POST /webhooks/graph/lifecycle`: the subscription needs renewing, was removed, or
    /// notifications were missed.
    pub async fn graph_lifecycle(&self, request: &WebhookRequest) -> WebhookResponse {
        let valid = match self.validated_items(request).await {
            Ok(valid) => valid,
            Err(response) => return response,
        };
        let mut jobs: BTreeMap<TenantId, (Vec<String>, Vec<Job>)> = BTreeMap::new();
        for Valid {
            tenant,
            channel,
            item,
        } in valid
        {
            let event = item.lifecycle_event.as_deref().unwrap_or_default();
            let job = match event {
                // Renewing a subscription also re-authorises it.
                "reauthorizationRequired" => Job::RenewChannel {
                    tenant: tenant.clone(),
                    channel: channel.id.clone(),
                },
                "subscriptionRemoved" => Job::RecreateChannel {
                    tenant: tenant.clone(),
                    channel: channel.id.clone(),
                },
                // Carries no ids: run the delta to catch up.
                "missed" => Job::Sync {
                    tenant: tenant.clone(),
                    calendars: vec![channel.calendar.clone()],
                    reason: SyncReason::Missed,
                    cursors: Default::default(),
                },
                _ => continue,
            };
            let expiry = item
                .subscription_expiration_date_time
                .as_deref()
                .unwrap_or_default();
            let key = idempotency_key(&["graph-lifecycle", &item.subscription_id, event, expiry]);
            if self.first_time(&tenant, &key).await {
                let entry = jobs.entry(tenant).or_default();
                entry.0.push(key);
                entry.1.push(job);
            }
        }
        let mut queued = false;
        for (tenant, (keys, jobs)) in jobs {
            if self.queue_or_forget(&tenant, &keys, jobs).await.is_err() {
                return WebhookResponse::new(503, Outcome::Failed, "try again");
            }
            queued = true;
        }
        accepted(queued)
    }

    /// The validation handshake, or the batch's items that name a live Microsoft channel with
    /// the right clientState. A batch where no item does is rejected as a whole.
    async fn validated_items(
        &self,
        request: &WebhookRequest,
    ) -> Result<Vec<Valid>, WebhookResponse> {
        if let Some(token) = request.query_param("validationToken") {
            // Answer with the decoded token alone, as plain text, within Graph's 10 s.
            if token.len() > MAX_VALIDATION_TOKEN || token.chars().any(char::is_control) {
                return Err(WebhookResponse::reject(400, "invalid validation token"));
            }
            return Err(WebhookResponse::new(200, Outcome::Validated, token));
        }
        if request.body.len() > super::MAX_BODY_BYTES {
            return Err(WebhookResponse::reject(413, "body too large"));
        }
        let batch: Batch = serde_json::from_slice(&request.body)
            .map_err(|_| WebhookResponse::reject(400, "not a Graph notification batch"))?;
        let now = (self.clock)();
        let mut valid = Vec::new();
        let mut first_rejection = None;
        for item in batch.value {
            let found = match self.store.find_channel(&item.subscription_id).await {
                Ok(found) => found,
                Err(error) => {
                    tracing::error!(%error, "channel lookup failed");
                    return Err(WebhookResponse::new(503, Outcome::Failed, "try again"));
                }
            };
            let checked = match found {
                Some((tenant, channel)) if channel.provider == AccountKind::Microsoft => {
                    check_channel(&channel, item.client_state.as_deref(), now)
                        .map(|()| (tenant, channel))
                }
                _ => Err(WebhookResponse::reject(404, "unknown subscription")),
            };
            match checked {
                Ok((tenant, channel)) => valid.push(Valid {
                    tenant,
                    channel,
                    item,
                }),
                Err(rejection) => {
                    tracing::warn!(
                        status = rejection.status,
                        "rejected a Graph notification item"
                    );
                    first_rejection.get_or_insert(rejection);
                }
            }
        }
        match (valid.is_empty(), first_rejection) {
            (true, Some(rejection)) => Err(rejection),
            _ => Ok(valid),
        }
    }

    async fn queue_per_tenant(
        &self,
        per_tenant: BTreeMap<TenantId, (Vec<String>, BTreeSet<CalendarId>)>,
        job: impl Fn(TenantId, Vec<CalendarId>) -> Job,
    ) -> WebhookResponse {
        let mut queued = false;
        for (tenant, (keys, calendars)) in per_tenant {
            let calendars = calendars.into_iter().collect();
            if self
                .queue_or_forget(&tenant, &keys, vec![job(tenant.clone(), calendars)])
                .await
                .is_err()
            {
                return WebhookResponse::new(503, Outcome::Failed, "try again");
            }
            queued = true;
        }
        accepted(queued)
    }
}

/// Graph wants 202 for every notification it may stop resending, duplicates included.
fn accepted(queued: bool) -> WebhookResponse {
    let outcome = if queued {
        Outcome::Accepted
    } else {
        Outcome::Acknowledged
    };
    WebhookResponse::new(202, outcome, "")
}
