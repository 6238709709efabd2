//! The stateful side of adaptive polling, for a runtime that keeps memory between rounds
//! (the embedded scheduler; the detection benchmark drives it with a simulated clock).

use super::{CadencePolicy, PollBudget};
use crate::domain::CalendarId;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct AdaptivePoller {
    policy: CadencePolicy,
    last_polled: BTreeMap<CalendarId, DateTime<Utc>>,
    budget: PollBudget,
    last_round: Option<DateTime<Utc>>,
}

impl AdaptivePoller {
    pub fn new(policy: CadencePolicy) -> Self {
        Self {
            policy,
            last_polled: BTreeMap::new(),
            budget: PollBudget::new(),
            last_round: None,
        }
    }

    pub fn policy(&self) -> &CadencePolicy {
        &self.policy
    }

    /// Of the polled calendars (each with when it last changed), those to check at `now`;
    /// they count as checked from now on. A calendar never checked is due at once.
    pub fn due(
        &mut self,
        now: DateTime<Utc>,
        polled: &[(CalendarId, Option<DateTime<Utc>>)],
    ) -> Vec<CalendarId> {
        let elapsed = |at: Option<&DateTime<Utc>>| {
            // A clock stepped backwards makes the last check lie ahead: check again.
            at.and_then(|at| (now - *at).to_std().ok())
                .unwrap_or(Duration::MAX)
        };
        let round = self
            .last_round
            .map_or(Duration::ZERO, |at| elapsed(Some(&at)));
        self.last_round = Some(now);
        self.budget.earn(polled.len(), self.policy.budget, round);
        // This moment's share of the budget; a faster check spends one saved earlier.
        let shared = self.policy.intervals(now, polled, 0.0);
        let mut due = Vec::new();
        for (calendar, (pace, every)) in &shared {
            let since = elapsed(self.last_polled.get(calendar));
            let is_due = if since >= *every {
                self.budget.spend();
                true
            } else {
                since >= self.policy.wanted(*pace) && self.budget.try_spend()
            };
            if is_due {
                due.push(calendar.clone());
            }
        }
        for calendar in &due {
            self.last_polled.insert(calendar.clone(), now);
        }
        self.last_polled
            .retain(|calendar, _| shared.contains_key(calendar));
        due
    }
}
