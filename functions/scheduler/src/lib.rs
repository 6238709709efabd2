//! The scheduler function, run by an EventBridge rule every minute: plans every tenant's
//! calendar checks for the coming minute (batched, spread with SQS delays), push channel
//! upkeep, 15-minute fallback polls of push calendars and the daily reconciliation. See
//! `calsync_core::cloud::schedule`.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use calsync_core::cloud::metrics::{Metrics, names};
use calsync_core::cloud::schedule::{CloudScheduler, SchedulePolicy, TickReport};
use calsync_core::cloud::{CloudConfig, CloudRuntime, MissingSetting};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use lambda_runtime::{Error, LambdaEvent};
use serde_json::{Value, json};

pub struct SchedulerFunction {
    scheduler: CloudScheduler,
    config: CloudConfig,
}

impl SchedulerFunction {
    pub fn new(runtime: &CloudRuntime) -> Result<Self, MissingSetting> {
        Ok(Self {
            scheduler: CloudScheduler::new(runtime, runtime.queue()?),
            config: runtime.config.clone(),
        })
    }

    /// The same function with other intervals (tests check every second).
    pub fn with_policy(mut self, policy: SchedulePolicy) -> Self {
        self.scheduler.policy = policy;
        self
    }

    /// A failure is returned to Lambda, and EventBridge retries the tick (a repeated tick
    /// only repeats cheap checks).
    pub async fn handle(
        &self,
        event: LambdaEvent<EventBridgeEvent<Value>>,
    ) -> Result<Value, Error> {
        let tick = tick_start(event.payload.time);
        let mut metrics = Metrics::new(&self.config, "scheduler");
        let report = self.scheduler.tick(tick).await;
        let outcome = match report {
            Ok(report) => {
                record(&mut metrics, &report);
                tracing::info!(tick = %tick, ?report, "tick planned");
                Ok(json!({
                    "tick": tick,
                    "tenants": report.tenants,
                    "checks": report.checks,
                    "push_upkeeps": report.push_upkeeps,
                    "failed_tenants": report.failed_tenants,
                }))
            }
            Err(error) => {
                metrics.count(names::RENEWAL_FAILURES, 1);
                tracing::error!(%error, "tick failed");
                Err(error.into())
            }
        };
        metrics.flush();
        outcome
    }
}

/// The minute the event was scheduled for (EventBridge may deliver a little late), or now.
fn tick_start(scheduled: Option<DateTime<Utc>>) -> DateTime<Utc> {
    let at = scheduled.unwrap_or_else(Utc::now);
    at.duration_trunc(TimeDelta::minutes(1)).unwrap_or(at)
}

fn record(metrics: &mut Metrics, report: &TickReport) {
    metrics.count(names::CHECKS_SCHEDULED, report.checks);
    metrics.count(names::RENEWALS_SCHEDULED, report.push_upkeeps);
    if report.failed_tenants > 0 {
        metrics.count(names::RENEWAL_FAILURES, report.failed_tenants);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_tick_is_the_scheduled_minute() {
        let late = Utc.with_ymd_and_hms(2026, 11, 23, 9, 41, 7).unwrap();
        assert_eq!(
            tick_start(Some(late)),
            Utc.with_ymd_and_hms(2026, 11, 23, 9, 41, 0).unwrap()
        );
    }
}
