//! The adaptive poller's policy from the command line (`serve`, `sync`, `status`).

use crate::cli::PollingArgs;
use calsync_core::usecases::cadence::{CadencePolicy, WorkingHours};
use std::time::Duration;

impl PollingArgs {
    pub fn policy(&self) -> anyhow::Result<CadencePolicy> {
        let budget = Duration::from_secs(self.interval.max(1));
        if self.fixed_polling {
            return Ok(CadencePolicy::fixed(budget));
        }
        let working_hours = match self.working_hours.as_deref() {
            Some("off") => None,
            Some(text) => Some(text.parse::<WorkingHours>()?),
            None => Some(local_office_hours()),
        };
        Ok(CadencePolicy::around(budget, working_hours))
    }
}

/// Mon-Fri 08:00-18:00 where this machine is (UTC when its zone cannot be told).
fn local_office_hours() -> WorkingHours {
    let zone = iana_time_zone::get_timezone()
        .ok()
        .and_then(|name| name.parse().ok())
        .unwrap_or(chrono_tz::UTC);
    WorkingHours::office(zone)
}
