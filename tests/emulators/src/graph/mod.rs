//! A Microsoft Graph v1.0 calendar emulator, following the published documentation: event
//! CRUD with ETags and If-Match (412), `transactionId` deduplication, series masters with
//! occurrences, exceptions and cancelled occurrences, `/instances`, calendarView delta with
//! pages, delta links and expiry (410), subscriptions with the validation handshake, change
//! and lifecycle notifications, and the identity platform's authorize/token endpoints.
//!
//! [`GraphEmulator`] is the handle tests use: to act as the user in Outlook, to inject
//! faults, and to look at requests and subscriptions.

mod delta;
mod model;
mod oauth;
mod recurrence;
mod routes;
mod state;
mod subscriptions;
mod zones;

pub use subscriptions::StoredSubscription;

use crate::common::{Emulator, Faults, Notifier, RequestLog};
use serde_json::Value;
use state::{Calendar, Change, EventError, Inner};
use std::sync::{Arc, Mutex, MutexGuard};

pub(crate) struct Shared {
    inner: Mutex<Inner>,
    notifier: Arc<Notifier>,
    faults: Arc<Faults>,
    log: Arc<RequestLog>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap()
    }

    /// Sends the change notifications of `changes` to every subscription covering them.
    fn publish(&self, changes: Vec<Change>) {
        let outgoing: Vec<_> = {
            let inner = self.lock();
            changes
                .iter()
                .flat_map(|change| {
                    inner
                        .subscriptions
                        .values()
                        .filter(|s| s.covers(change))
                        .map(|s| subscriptions::change_notification(s, change))
                        .collect::<Vec<_>>()
                })
                .collect()
        };
        for notification in outgoing {
            self.notifier.send(notification);
        }
    }
}

/// A running Graph emulator.
pub struct GraphEmulator {
    server: Emulator,
    shared: Arc<Shared>,
}

impl GraphEmulator {
    /// Starts on a free port; `seed` makes random faults replayable.
    pub async fn start(seed: u64) -> Self {
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner::new()),
            notifier: Notifier::new(seed),
            faults: Arc::new(Faults::new(seed)),
            log: Arc::new(RequestLog::default()),
        });
        let server = Emulator::start(routes::router(shared.clone())).await;
        Self { server, shared }
    }

    /// `CALSYNC_GRAPH_API_URL`: `http://127.0.0.1:<port>/v1.0`.
    pub fn api_url(&self) -> String {
        format!("{}/v1.0", self.server.base_url)
    }

    /// `CALSYNC_MS_LOGIN_URL`: the identity platform base (`<base>/<tenant>/oauth2/v2.0/...`).
    pub fn login_url(&self) -> String {
        self.server.base_url.clone()
    }

    /// The environment that points a calsync process at this emulator, with an OAuth client
    /// id it accepts.
    pub fn calsync_env(&self) -> Vec<(String, String)> {
        vec![
            ("CALSYNC_GRAPH_API_URL".into(), self.api_url()),
            ("CALSYNC_MS_LOGIN_URL".into(), self.login_url()),
            ("CALSYNC_MS_CLIENT_ID".into(), "calsync-e2e".into()),
        ]
    }

    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    pub fn log(&self) -> &RequestLog {
        &self.shared.log
    }

    /// Outgoing notifications (set `NotificationFaults`, wait with `idle()`, `deliveries()`).
    pub fn notifier(&self) -> &Arc<Notifier> {
        &self.shared.notifier
    }

    /// Adds a calendar to the mailbox; returns its id.
    pub fn add_calendar(&self, name: &str, can_edit: bool) -> String {
        let mut inner = self.shared.lock();
        let id = inner.new_id("cal-");
        inner.calendars.push(Calendar {
            id: id.clone(),
            name: name.to_string(),
            can_edit,
        });
        id
    }

    /// Items per delta page (default 10); `Prefer: odata.maxpagesize` can only lower it.
    pub fn set_page_size(&self, size: usize) {
        self.shared.lock().page_size = size.max(1);
    }

    /// Forgets every delta and skip token: the next use answers 410 `SyncStateNotFound`.
    pub fn expire_delta_tokens(&self) {
        let mut inner = self.shared.lock();
        inner.delta_tokens.clear();
        inner.pages.clear();
    }

    /// A fresh access and refresh token, as if the user had connected the account.
    pub fn issue_tokens(&self) -> (String, String) {
        self.shared.lock().oauth.issue()
    }

    /// Every access token issued so far stops working (401) until refreshed.
    pub fn expire_access_tokens(&self) {
        self.shared.lock().oauth.access_tokens.clear();
    }

    /// How many refresh_token grants were served.
    pub fn refresh_count(&self) -> usize {
        self.shared.lock().oauth.refreshes
    }

    /// The user creates an event in Outlook (Graph JSON: `start`/`end` with any Windows or
    /// IANA zone, `recurrence`, ...); returns its id.
    pub fn user_create_event(&self, calendar: &str, event: Value) -> Result<String, String> {
        let body = event.as_object().ok_or("an event is a JSON object")?;
        let (id, change) = self
            .shared
            .lock()
            .create_event(calendar, body)
            .map_err(describe)?;
        self.shared.publish(change.into_iter().collect());
        Ok(id)
    }

    /// The user edits an event, or one occurrence of a series (by occurrence id).
    pub fn user_update_event(&self, id: &str, patch: Value) -> Result<(), String> {
        let patch = patch.as_object().ok_or("a patch is a JSON object")?;
        let change = self
            .shared
            .lock()
            .update_event(id, patch, None)
            .map_err(describe)?;
        self.shared.publish(vec![change]);
        Ok(())
    }

    /// The user deletes an event, a series, or one occurrence (by occurrence id).
    pub fn user_delete_event(&self, id: &str) -> Result<(), String> {
        let change = self
            .shared
            .lock()
            .delete_event(id, None)
            .map_err(describe)?;
        self.shared.publish(vec![change]);
        Ok(())
    }

    /// An event as Graph returns it (times in UTC, calsync's markers included).
    pub fn event(&self, id: &str) -> Option<Value> {
        self.shared
            .lock()
            .render_event(id, "UTC", Some("singleValueExtendedProperties"))
    }

    /// The masters and single instances of a calendar, rendered like [`Self::event`].
    pub fn events(&self, calendar: &str) -> Vec<Value> {
        let inner = self.shared.lock();
        inner
            .events
            .values()
            .filter(|e| e.calendar == calendar)
            .map(|e| e.render("UTC", Some("singleValueExtendedProperties")))
            .collect()
    }

    /// The occurrences and exceptions of a series between two instants.
    pub fn instances(
        &self,
        id: &str,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Vec<Value> {
        let inner = self.shared.lock();
        let Some(event) = inner.events.get(id) else {
            return Vec::new();
        };
        event
            .instances(from, to)
            .iter()
            .map(|i| event.render_instance(i, "UTC"))
            .collect()
    }

    pub fn subscriptions(&self) -> Vec<StoredSubscription> {
        self.shared.lock().subscriptions.values().cloned().collect()
    }

    /// Graph drops the subscription on its side: renewing it answers 404.
    pub fn drop_subscription(&self, id: &str) -> bool {
        self.shared.lock().subscriptions.remove(id).is_some()
    }

    /// Sends a lifecycle notification (`reauthorizationRequired`, `missed`,
    /// `subscriptionRemoved`) to the subscription's lifecycle URL; the HTTP status it got.
    pub async fn send_lifecycle(&self, id: &str, event: &str) -> Option<u16> {
        let outgoing = {
            let inner = self.shared.lock();
            let subscription = inner.subscriptions.get(id)?;
            subscriptions::lifecycle_notification(subscription, event)?
        };
        if event == "subscriptionRemoved" {
            self.shared.lock().subscriptions.remove(id);
        }
        self.shared
            .notifier
            .deliver_now(&outgoing)
            .await
            .map(|(status, _)| status)
    }
}

fn describe(error: EventError) -> String {
    match error {
        EventError::NotFound => "not found".into(),
        EventError::PreconditionFailed => "precondition failed".into(),
        EventError::Invalid(reason) => reason,
    }
}
