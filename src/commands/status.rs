//! `calsync status`

use crate::output::{Table, print_json, when};
use crate::runtime::Embedded;
use calsync_core::domain::CalendarId;
use calsync_core::usecases::cadence::{CadencePolicy, Pace};
use calsync_core::usecases::{PollingView, StatusView};
use serde::Serialize;
use std::collections::BTreeMap;
use std::process::ExitCode;

/// The overview plus how the poller (with the same polling options) treats each calendar.
#[derive(Serialize)]
struct StatusJson<'a> {
    #[serde(flatten)]
    view: &'a StatusView,
    polling: &'a BTreeMap<CalendarId, PollingView>,
}

pub async fn run(app: &Embedded, json: bool, cadence: &CadencePolicy) -> anyhow::Result<ExitCode> {
    let view = app.status().overview().await?;
    let polling = view.polling(cadence, chrono::Utc::now());
    if json {
        print_json(&StatusJson {
            view: &view,
            polling: &polling,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("Links");
    let mut links = Table::new(&["NAME", "STATE", "EVENTS", "LAST SUCCESS", "LAST ERROR"]);
    for entry in &view.links {
        let status = &entry.status;
        let state = match (&status.halted, status.last_run) {
            (Some(_), _) => "HALTED",
            (None, None) => "new",
            (None, Some(_)) if status.last_success == status.last_run => "ok",
            (None, Some(_)) => "retrying",
        };
        links.row(&[
            &entry.link.name,
            state,
            &status.event_count.to_string(),
            &when(status.last_success),
            status
                .halted
                .as_deref()
                .or(status.last_error.as_deref())
                .unwrap_or(""),
        ]);
    }
    links.print();
    println!("\nCalendars");
    let mut calendars = Table::new(&[
        "ID",
        "ACCOUNT",
        "NAME",
        "ITEMS",
        "DETECTION",
        "POLLING",
        "LAST CHANGE",
        "LAST CHECK",
        "LAST ERROR",
    ]);
    for entry in &view.calendars {
        let method = serde_json::to_value(entry.sync.method)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        calendars.row(&[
            entry.calendar.id.as_str(),
            &entry.account_name,
            &entry.calendar.name,
            &entry.sync.item_count.to_string(),
            &method,
            &polling_cell(polling.get(&entry.calendar.id)),
            &when(entry.sync.last_changed),
            &when(entry.sync.last_checked),
            entry.sync.last_error.as_deref().unwrap_or(""),
        ]);
    }
    calendars.print();
    if !view.push_channels.is_empty() {
        println!("\nPush channels");
        let mut channels = Table::new(&["CALENDAR", "PROVIDER", "EXPIRES", "CHANNEL"]);
        for channel in &view.push_channels {
            channels.row(&[
                channel.calendar.as_str(),
                channel.provider.as_str(),
                &when(Some(channel.expires_at)),
                &channel.id,
            ]);
        }
        channels.print();
    }
    if !view.dead_jobs.is_empty() {
        println!("\nDead jobs (no longer retried: fix the cause, then `calsync sync --once`)");
        let mut dead = Table::new(&["PARKED", "ID", "ATTEMPTS", "ERROR"]);
        for job in &view.dead_jobs {
            dead.row(&[
                &when(Some(job.parked_at)),
                &job.id,
                &job.attempts.to_string(),
                &job.error,
            ]);
        }
        dead.print();
    }
    Ok(ExitCode::SUCCESS)
}

/// "active, 4 s" — or "push" / "not linked" for calendars the poller leaves alone.
fn polling_cell(view: Option<&PollingView>) -> String {
    let Some(view) = view else {
        return "push or unlinked".to_string();
    };
    let pace = match view.pace {
        Pace::Active => "active",
        Pace::Working => "working hours",
        Pace::Idle => "idle",
        Pace::Fixed => "fixed",
    };
    format!("{pace}, {} s", seconds(view.wanted_every_s))
}

/// Whole seconds as such, others to a tenth: "4", "1.3" (a 5-s budget's active pace is 4/3 s).
fn seconds(value: f64) -> String {
    let tenths = (value * 10.0).round() / 10.0;
    if tenths.fract() == 0.0 {
        format!("{tenths:.0}")
    } else {
        format!("{tenths:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::seconds;

    #[test]
    fn paces_read_as_whole_seconds_or_tenths() {
        assert_eq!(seconds(4.0), "4");
        assert_eq!(seconds(60.0), "60");
        assert_eq!(seconds(1.333_333_333), "1.3");
        assert_eq!(seconds(2.96), "3");
    }
}
