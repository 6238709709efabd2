//! Google Calendar push notifications (events.watch channels): an empty POST whose headers say
//! which channel fired and why; the change itself is fetched by the sync job.

use super::{
    Outcome, WebhookReceiver, WebhookRequest, WebhookResponse, check_channel, idempotency_key,
};
use crate::domain::AccountKind;
use crate::ports::{Job, SyncReason};

impl WebhookReceiver {
    pub async fn google(&self, request: &WebhookRequest) -> WebhookResponse {
        if request.body.len() > super::MAX_BODY_BYTES {
            return WebhookResponse::reject(413, "body too large");
        }
        let Some(channel_id) = request.header("x-goog-channel-id") else {
            return WebhookResponse::reject(400, "missing X-Goog-Channel-ID");
        };
        let state = request.header("x-goog-resource-state").unwrap_or_default();
        let (tenant, channel) = match self.store.find_channel(channel_id).await {
            Ok(Some(found)) if found.1.provider == AccountKind::Google => found,
            Ok(_) => return WebhookResponse::reject(404, "unknown channel"),
            Err(error) => {
                tracing::error!(%error, "channel lookup failed");
                return WebhookResponse::new(503, Outcome::Failed, "try again");
            }
        };
        if let Err(rejection) = check_channel(
            &channel,
            request.header("x-goog-channel-token"),
            (self.clock)(),
        ) {
            return rejection;
        }
        match state {
            // The handshake right after events.watch: nothing changed yet.
            "sync" => WebhookResponse::new(200, Outcome::Acknowledged, ""),
            "exists" | "not_exists" => {
                let number = request.header("x-goog-message-number").unwrap_or_default();
                let key = idempotency_key(&["google", channel_id, number]);
                let job = Job::Sync {
                    tenant: tenant.clone(),
                    calendars: vec![channel.calendar.clone()],
                    reason: SyncReason::Push,
                    cursors: Default::default(),
                };
                match self.queue_once(&tenant, &key, vec![job]).await {
                    Ok(true) => WebhookResponse::new(200, Outcome::Accepted, ""),
                    Ok(false) => WebhookResponse::new(200, Outcome::Acknowledged, "duplicate"),
                    Err(()) => WebhookResponse::new(503, Outcome::Failed, "try again"),
                }
            }
            _ => WebhookResponse::reject(400, "unknown X-Goog-Resource-State"),
        }
    }
}
