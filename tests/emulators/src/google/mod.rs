//! A Google Calendar API v3 emulator (https://developers.google.com/calendar/api/v3/reference)
//! with Google's OAuth endpoints, for tests: calendars and events with ETags and 412s,
//! client-chosen ids (409 on reuse, deleted ids included), recurring series with exception
//! instances, sync tokens that can expire (410), small pages, push channels that really POST,
//! faults, and a handle to act as the user in Google's own UI.
//!
//! Point calsync at it with `CALSYNC_GOOGLE_API_URL = api_url()` and
//! `CALSYNC_GOOGLE_OAUTH_URL = oauth_url()`.

mod channels;
mod error;
mod instances;
mod listing;
mod oauth;
mod routes;
mod rules;
mod state;

#[cfg(test)]
mod tests;

pub use channels::Channel;
pub use error::ApiError;
pub use oauth::IssuedTokens;

use crate::common::{Emulator, Faults, Notifier, RequestLog};
use channels::Channels;
use chrono::{TimeDelta, Utc};
use oauth::OAuthState;
use serde_json::Value;
use state::State;
use std::sync::{Arc, Mutex, OnceLock};

/// What the routes and the handle share.
pub struct Shared {
    state: Mutex<State>,
    channels: Mutex<Channels>,
    oauth: Mutex<OAuthState>,
    faults: Arc<Faults>,
    log: Arc<RequestLog>,
    notifier: Arc<Notifier>,
    /// (method, path part) of answers to lose, each once.
    lost_answers: Mutex<Vec<(String, String)>>,
    base_url: OnceLock<String>,
}

impl Shared {
    fn base_url(&self) -> &str {
        self.base_url.get().map(String::as_str).unwrap_or_default()
    }

    /// Runs one write and, when it succeeds, tells the calendar's channels.
    fn write<T>(
        &self,
        calendar: &str,
        change: impl FnOnce(&mut State) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let result = change(&mut self.state.lock().unwrap())?;
        self.notify(calendar);
        Ok(result)
    }

    fn notify(&self, calendar: &str) {
        let messages = self.channels.lock().unwrap().changed(calendar, Utc::now());
        for message in messages {
            self.notifier.send(message);
        }
    }

    fn insert_event(&self, calendar: &str, body: Value) -> Result<Value, ApiError> {
        self.write(calendar, |state| state.insert(calendar, body, Utc::now()))
    }
}

/// A running emulator and the handle tests drive it with. Stopped when dropped.
pub struct GoogleEmulator {
    server: Emulator,
    shared: Arc<Shared>,
}

impl GoogleEmulator {
    pub async fn start() -> Self {
        Self::start_seeded(0).await
    }

    /// `seed` drives the fault rules, notification faults and message-number steps.
    pub async fn start_seeded(seed: u64) -> Self {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            channels: Mutex::new(Channels::new(seed)),
            oauth: Mutex::new(OAuthState::default()),
            faults: Arc::new(Faults::new(seed)),
            log: Arc::new(RequestLog::default()),
            notifier: Notifier::new(seed),
            lost_answers: Mutex::new(Vec::new()),
            base_url: OnceLock::new(),
        });
        let server = Emulator::start(routes::router(shared.clone())).await;
        let _ = shared.base_url.set(server.base_url.clone());
        Self { server, shared }
    }

    pub fn base_url(&self) -> &str {
        &self.server.base_url
    }

    /// The Calendar API base (`CALSYNC_GOOGLE_API_URL`).
    pub fn api_url(&self) -> String {
        format!("{}/calendar/v3", self.server.base_url)
    }

    /// The OAuth base (`CALSYNC_GOOGLE_OAUTH_URL`): `/o/oauth2/v2/auth` and `/token`.
    pub fn oauth_url(&self) -> String {
        self.server.base_url.clone()
    }

    /// The environment that points a calsync process at this emulator, with an OAuth client
    /// id it accepts.
    pub fn calsync_env(&self) -> Vec<(String, String)> {
        vec![
            ("CALSYNC_GOOGLE_API_URL".into(), self.api_url()),
            ("CALSYNC_GOOGLE_OAUTH_URL".into(), self.oauth_url()),
            ("CALSYNC_GOOGLE_CLIENT_ID".into(), "calsync-e2e".into()),
        ]
    }

    /// A calendar the user owns.
    pub fn add_calendar(&self, id: &str, summary: &str) {
        self.add_calendar_with_role(id, summary, "owner");
    }

    /// `role`: owner / writer / reader / freeBusyReader.
    pub fn add_calendar_with_role(&self, id: &str, summary: &str, role: &str) {
        self.shared
            .state
            .lock()
            .unwrap()
            .add_calendar(id, summary, role);
    }

    /// The most items a page holds (3 by default), whatever `maxResults` asks.
    pub fn set_page_size(&self, size: usize) {
        self.shared.state.lock().unwrap().page_size = size.max(1);
    }

    /// Every sync token issued so far for `calendar` gets 410 from now on.
    pub fn expire_sync_tokens(&self, calendar: &str) {
        if let Some(c) = self
            .shared
            .state
            .lock()
            .unwrap()
            .calendars
            .get_mut(calendar)
        {
            c.generation += 1;
        }
    }

    // --- OAuth ---

    /// Tokens as if the user had connected the account just now.
    pub fn issue_tokens(&self) -> IssuedTokens {
        self.shared.oauth.lock().unwrap().issue(Utc::now())
    }

    /// Every token handed out (and not revoked), to check none is stored in clear.
    pub fn issued_token_values(&self) -> Vec<String> {
        self.shared.oauth.lock().unwrap().known_tokens()
    }

    /// Access tokens handed out from now on live this long (one hour by default).
    pub fn set_access_token_lifetime(&self, lifetime: TimeDelta) {
        self.shared.oauth.lock().unwrap().access_lifetime = lifetime;
    }

    /// Every access token is refused from now on (401); refresh tokens still work.
    pub fn expire_access_tokens(&self) {
        self.shared.oauth.lock().unwrap().expire_access_tokens();
    }

    /// Refresh tokens stop working too (`invalid_grant`): the user revoked access.
    pub fn revoke_refresh_tokens(&self) {
        self.shared.oauth.lock().unwrap().revoke_refresh_tokens();
    }

    // --- the user, in Google's own UI ---

    /// Inserts as the user would (notifies channels). Same rules as `events.insert`.
    pub fn insert_event(&self, calendar: &str, body: Value) -> Result<Value, ApiError> {
        self.shared.insert_event(calendar, body)
    }

    /// Replaces an event (or an instance of a series) as `events.update` would.
    pub fn update_event(&self, calendar: &str, id: &str, body: Value) -> Result<Value, ApiError> {
        let now = Utc::now();
        self.shared
            .write(calendar, |s| s.update(calendar, id, body, None, now))
    }

    /// Changes some fields of an event (or an instance), as `events.patch` would.
    pub fn patch_event(&self, calendar: &str, id: &str, body: Value) -> Result<Value, ApiError> {
        let now = Utc::now();
        self.shared
            .write(calendar, |s| s.patch(calendar, id, body, None, now))
    }

    /// Deletes an event, a series, or one instance (which becomes a cancelled instance).
    pub fn delete_event(&self, calendar: &str, id: &str) -> Result<(), ApiError> {
        let now = Utc::now();
        self.shared
            .write(calendar, |s| s.delete(calendar, id, None, now))
    }

    /// The event as `events.get` shows it (virtual instances included).
    pub fn get_event(&self, calendar: &str, id: &str) -> Option<Value> {
        self.shared.state.lock().unwrap().get(calendar, id).ok()
    }

    /// Every stored event of `calendar`, deleted ones included, in id order.
    pub fn stored_events(&self, calendar: &str) -> Vec<Value> {
        let state = self.shared.state.lock().unwrap();
        state
            .calendars
            .get(calendar)
            .map(|c| c.events.values().map(|s| s.resource.clone()).collect())
            .unwrap_or_default()
    }

    /// The events of `calendar` that are not deleted.
    pub fn live_events(&self, calendar: &str) -> Vec<Value> {
        self.stored_events(calendar)
            .into_iter()
            .filter(|e| e["status"] != "cancelled")
            .collect()
    }

    /// The titles of the live events of `calendar`, read without copying the events: cheap
    /// enough to poll every few milliseconds.
    pub fn live_summaries(&self, calendar: &str) -> Vec<String> {
        let state = self.shared.state.lock().unwrap();
        state
            .calendars
            .get(calendar)
            .map(|c| {
                c.events
                    .values()
                    .map(|stored| &stored.resource)
                    .filter(|event| event["status"] != "cancelled")
                    .filter_map(|event| event["summary"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Sends `exists` to the calendar's channels without changing anything.
    pub fn bump(&self, calendar: &str) {
        self.shared.notify(calendar);
    }

    // --- instruments ---

    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    pub fn log(&self) -> &RequestLog {
        &self.shared.log
    }

    /// Deliveries, notification faults (drop / duplicate / delay / jitter), `idle()`.
    pub fn notifier(&self) -> &Notifier {
        &self.shared.notifier
    }

    /// The next successful `method` request whose path contains `path_part` is carried out,
    /// then answered 503 as if its answer had been lost.
    pub fn lose_next_answer(&self, method: &str, path_part: &str) {
        self.shared
            .lost_answers
            .lock()
            .unwrap()
            .push((method.to_ascii_uppercase(), path_part.to_string()));
    }

    /// Every channel opened so far, stopped and expired ones included.
    pub fn channels(&self) -> Vec<Channel> {
        self.shared.channels.lock().unwrap().channels.clone()
    }

    /// Channels get at most this lifetime (a week by default).
    pub fn set_max_channel_lifetime(&self, lifetime: TimeDelta) {
        self.shared.channels.lock().unwrap().max_ttl = lifetime;
    }
}
