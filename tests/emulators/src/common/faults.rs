//! Fault injection for API requests: a fixed latency, and rules that answer some requests
//! with an error instead of serving them.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Mutex;
use std::time::Duration;

/// What a matching request gets instead of a normal answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// An error status with a JSON error body.
    Status(u16),
    /// 429 Too Many Requests with `Retry-After: <seconds>`.
    RateLimited { retry_after_secs: u64 },
}

#[derive(Debug, Clone)]
pub struct FaultRule {
    /// Only requests whose path contains this.
    pub path_contains: Option<String>,
    /// Only this method (upper-case), or any.
    pub method: Option<String>,
    pub fault: Fault,
    /// Chance of applying to a matching request, 0.0-1.0.
    pub probability: f64,
    /// How many more times it may apply (`None`: without limit).
    pub remaining: Option<u32>,
}

impl FaultRule {
    /// The next `times` matching requests get `fault`.
    pub fn next(times: u32, fault: Fault) -> Self {
        Self {
            path_contains: None,
            method: None,
            fault,
            probability: 1.0,
            remaining: Some(times),
        }
    }

    /// Every matching request gets `fault` with `probability`.
    pub fn random(probability: f64, fault: Fault) -> Self {
        Self {
            path_contains: None,
            method: None,
            fault,
            probability,
            remaining: None,
        }
    }

    pub fn on_path(mut self, part: &str) -> Self {
        self.path_contains = Some(part.to_string());
        self
    }

    pub fn on_method(mut self, method: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
        self
    }
}

struct State {
    latency: Duration,
    rules: Vec<FaultRule>,
    rng: StdRng,
}

/// Seeded, so a failing run can be replayed.
pub struct Faults {
    state: Mutex<State>,
}

impl Faults {
    pub fn new(seed: u64) -> Self {
        Self {
            state: Mutex::new(State {
                latency: Duration::ZERO,
                rules: Vec::new(),
                rng: StdRng::seed_from_u64(seed),
            }),
        }
    }

    /// Added to every API request before it is served.
    pub fn set_latency(&self, latency: Duration) {
        self.state.lock().unwrap().latency = latency;
    }

    pub fn latency(&self) -> Duration {
        self.state.lock().unwrap().latency
    }

    pub fn add(&self, rule: FaultRule) {
        self.state.lock().unwrap().rules.push(rule);
    }

    pub fn clear(&self) {
        self.state.lock().unwrap().rules.clear();
    }

    /// The fault this request gets, if any (consuming one use of a limited rule).
    pub fn pick(&self, method: &str, path: &str) -> Option<Fault> {
        let mut state = self.state.lock().unwrap();
        let State { rules, rng, .. } = &mut *state;
        for rule in rules.iter_mut() {
            let matches = rule
                .path_contains
                .as_deref()
                .is_none_or(|p| path.contains(p))
                && rule.method.as_deref().is_none_or(|m| m == method)
                && rule.remaining != Some(0);
            if matches && rng.random_bool(rule.probability.clamp(0.0, 1.0)) {
                if let Some(left) = rule.remaining.as_mut() {
                    *left -= 1;
                }
                return Some(rule.fault.clone());
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limited_rule_applies_exactly_that_many_times_to_matching_requests() {
        let faults = Faults::new(1);
        faults.add(
            FaultRule::next(2, Fault::Status(503))
                .on_path("/events")
                .on_method("post"),
        );
        assert_eq!(faults.pick("GET", "/calendars/x/events"), None);
        assert_eq!(faults.pick("POST", "/calendars/x/other"), None);
        assert_eq!(
            faults.pick("POST", "/calendars/x/events"),
            Some(Fault::Status(503))
        );
        assert_eq!(
            faults.pick("POST", "/calendars/x/events"),
            Some(Fault::Status(503))
        );
        assert_eq!(faults.pick("POST", "/calendars/x/events"), None);
    }

    #[test]
    fn random_rules_hit_about_their_share_and_replay_with_the_seed() {
        let run = |seed| {
            let faults = Faults::new(seed);
            faults.add(FaultRule::random(
                0.3,
                Fault::RateLimited {
                    retry_after_secs: 1,
                },
            ));
            (0..1000)
                .filter(|_| faults.pick("GET", "/x").is_some())
                .count()
        };
        let hits = run(7);
        assert!((200..400).contains(&hits), "{hits}");
        assert_eq!(run(7), hits);
    }
}
