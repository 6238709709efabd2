//! Push notifications that really go out over HTTP to the registered address, with faults:
//! dropped, duplicated, delayed and (through jitter) reordered deliveries.

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// One notification to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct NotificationFaults {
    /// Chance a notification is never sent.
    pub drop: f64,
    /// Chance it is sent twice.
    pub duplicate: f64,
    /// Wait before sending.
    pub delay: Duration,
    /// A random extra wait in `0..jitter`: notifications overtake each other.
    pub jitter: Duration,
}

/// What happened to one notification.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub at: DateTime<Utc>,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// `None` when dropped on purpose or when the receiver could not be reached.
    pub status: Option<u16>,
    pub dropped: bool,
}

pub struct Notifier {
    client: reqwest::Client,
    faults: Mutex<NotificationFaults>,
    rng: Mutex<StdRng>,
    deliveries: Mutex<Vec<Delivery>>,
    in_flight: AtomicUsize,
    settled: Notify,
}

impl Notifier {
    pub fn new(seed: u64) -> Arc<Self> {
        Arc::new(Self {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("an HTTP client"),
            faults: Mutex::new(NotificationFaults::default()),
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            deliveries: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            settled: Notify::new(),
        })
    }

    pub fn set_faults(&self, faults: NotificationFaults) {
        *self.faults.lock().unwrap() = faults;
    }

    /// Sends in the background, subject to the faults.
    pub fn send(self: &Arc<Self>, outgoing: Outgoing) {
        let faults = self.faults.lock().unwrap().clone();
        let (dropped, copies, waits) = {
            let mut rng = self.rng.lock().unwrap();
            let dropped = rng.random_bool(faults.drop.clamp(0.0, 1.0));
            let copies = if rng.random_bool(faults.duplicate.clamp(0.0, 1.0)) {
                2
            } else {
                1
            };
            let waits: Vec<Duration> = (0..copies)
                .map(|_| {
                    let jitter = faults.jitter.as_millis() as u64;
                    faults.delay
                        + Duration::from_millis(if jitter > 0 {
                            rng.random_range(0..jitter)
                        } else {
                            0
                        })
                })
                .collect();
            (dropped, copies, waits)
        };
        if dropped {
            self.record(&outgoing, None, true);
            return;
        }
        for wait in waits.into_iter().take(copies) {
            let notifier = Arc::clone(self);
            let outgoing = outgoing.clone();
            self.in_flight.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                tokio::time::sleep(wait).await;
                let status = notifier.post(&outgoing).await;
                notifier.record(&outgoing, status, false);
                notifier.in_flight.fetch_sub(1, Ordering::SeqCst);
                notifier.settled.notify_waiters();
            });
        }
    }

    /// Sends now and waits for the answer, without faults (Graph's validation handshake must
    /// succeed or fail while the subscription request waits).
    pub async fn deliver_now(&self, outgoing: &Outgoing) -> Option<(u16, String)> {
        let mut request = self.client.post(&outgoing.url).body(outgoing.body.clone());
        for (name, value) in &outgoing.headers {
            request = request.header(name, value);
        }
        let response = request.send().await.ok()?;
        let status = response.status().as_u16();
        let body = response.text().await.unwrap_or_default();
        self.record(outgoing, Some(status), false);
        Some((status, body))
    }

    async fn post(&self, outgoing: &Outgoing) -> Option<u16> {
        let mut request = self.client.post(&outgoing.url).body(outgoing.body.clone());
        for (name, value) in &outgoing.headers {
            request = request.header(name, value);
        }
        request.send().await.ok().map(|r| r.status().as_u16())
    }

    fn record(&self, outgoing: &Outgoing, status: Option<u16>, dropped: bool) {
        self.deliveries.lock().unwrap().push(Delivery {
            at: Utc::now(),
            url: outgoing.url.clone(),
            headers: outgoing.headers.clone(),
            body: outgoing.body.clone(),
            status,
            dropped,
        });
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries.lock().unwrap().clone()
    }

    /// Waits until every notification sent so far has been delivered (or failed).
    pub async fn idle(&self) {
        loop {
            let settled = self.settled.notified();
            if self.in_flight.load(Ordering::SeqCst) == 0 {
                return;
            }
            settled.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::Emulator;
    use axum::Router;
    use axum::routing::post;
    use std::sync::atomic::AtomicUsize;

    async fn receiver() -> (Emulator, Arc<AtomicUsize>) {
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        let router = Router::new().route(
            "/hook",
            post(move || {
                let counter = counter.clone();
                async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    axum::http::StatusCode::ACCEPTED
                }
            }),
        );
        (Emulator::start(router).await, hits)
    }

    fn outgoing(url: &str) -> Outgoing {
        Outgoing {
            url: format!("{url}/hook"),
            headers: vec![("x-test".into(), "1".into())],
            body: b"{}".to_vec(),
        }
    }

    #[tokio::test]
    async fn notifications_really_arrive_and_faults_drop_or_duplicate_them() {
        let (hook, hits) = receiver().await;
        let notifier = Notifier::new(11);
        notifier.send(outgoing(&hook.base_url));
        notifier.idle().await;
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        notifier.set_faults(NotificationFaults {
            drop: 1.0,
            ..NotificationFaults::default()
        });
        notifier.send(outgoing(&hook.base_url));
        notifier.idle().await;
        assert_eq!(hits.load(Ordering::SeqCst), 1, "dropped");
        notifier.set_faults(NotificationFaults {
            duplicate: 1.0,
            ..NotificationFaults::default()
        });
        notifier.send(outgoing(&hook.base_url));
        notifier.idle().await;
        assert_eq!(hits.load(Ordering::SeqCst), 3, "duplicated");
        let statuses: Vec<Option<u16>> = notifier.deliveries().iter().map(|d| d.status).collect();
        assert_eq!(statuses, vec![Some(202), None, Some(202), Some(202)]);
    }
}
