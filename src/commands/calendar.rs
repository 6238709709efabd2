//! `calsync calendar list`

use crate::cli::CalendarCommand;
use crate::output::{Table, print_json};
use crate::runtime::Embedded;
use serde::Serialize;
use std::process::ExitCode;

#[derive(Serialize)]
struct CalendarRow<'a> {
    id: &'a str,
    account: &'a str,
    name: &'a str,
    url: &'a str,
    read_only: bool,
    detection: String,
}

pub async fn run(app: &Embedded, command: CalendarCommand) -> anyhow::Result<ExitCode> {
    let CalendarCommand::List(flag) = command;
    let view = app.status().overview().await?;
    let rows: Vec<CalendarRow<'_>> = view
        .calendars
        .iter()
        .map(|c| CalendarRow {
            id: c.calendar.id.as_str(),
            account: &c.account_name,
            name: &c.calendar.name,
            url: &c.calendar.url,
            read_only: c.calendar.read_only,
            detection: serde_json::to_value(c.sync.method)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        })
        .collect();
    if flag.json {
        print_json(&rows)?;
    } else {
        let mut table = Table::new(&["ID", "ACCOUNT", "NAME", "URL"]);
        for row in &rows {
            table.row(&[row.id, row.account, row.name, row.url]);
        }
        table.print();
    }
    Ok(ExitCode::SUCCESS)
}
