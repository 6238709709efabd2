//! `calsync status`

use crate::output::{Table, print_json, when};
use crate::runtime::Embedded;
use std::process::ExitCode;

pub async fn run(app: &Embedded, json: bool) -> anyhow::Result<ExitCode> {
    let view = app.status().overview().await?;
    if json {
        print_json(&view)?;
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
