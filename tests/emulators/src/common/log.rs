//! Every API request an emulator answered, for tests to assert on (e.g. that a client waited
//! as long as Retry-After asked).

use chrono::{DateTime, Utc};
use std::sync::Mutex;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    pub at: DateTime<Utc>,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    /// Set when the answer asked the client to wait (429 + Retry-After).
    pub retry_after_secs: Option<u64>,
}

#[derive(Default)]
pub struct RequestLog {
    entries: Mutex<Vec<LoggedRequest>>,
}

impl RequestLog {
    pub fn push(&self, entry: LoggedRequest) {
        self.entries.lock().unwrap().push(entry);
    }

    pub fn all(&self) -> Vec<LoggedRequest> {
        self.entries.lock().unwrap().clone()
    }

    /// When the latest request was answered: how long an emulator has been quiet.
    pub fn last_at(&self) -> Option<DateTime<Utc>> {
        self.entries.lock().unwrap().last().map(|entry| entry.at)
    }

    pub fn matching(&self, method: &str, path_contains: &str) -> Vec<LoggedRequest> {
        self.all()
            .into_iter()
            .filter(|r| r.method == method && r.path.contains(path_contains))
            .collect()
    }

    pub fn clear(&self) {
        self.entries.lock().unwrap().clear();
    }
}
