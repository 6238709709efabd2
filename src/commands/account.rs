//! `calsync account ...`

use crate::cli::{AccountCommand, AddAccount, AddCaldav};
use crate::output::{Table, print_json};
use crate::runtime::Embedded;
use anyhow::{Context, bail};
use calsync_core::domain::AccountKind;
use calsync_core::usecases::AddedAccount;
use serde::Serialize;
use std::io::Read;
use std::process::ExitCode;
use zeroize::Zeroizing;

#[derive(Serialize)]
struct AccountRow<'a> {
    id: &'a str,
    /// The account's own name, so every listing has `id`, `account`, `name` and `url`.
    account: &'a str,
    name: &'a str,
    kind: &'a str,
    url: Option<&'a str>,
    username: Option<&'a str>,
}

pub async fn run(app: &Embedded, command: AccountCommand) -> anyhow::Result<ExitCode> {
    match command {
        AccountCommand::Add(AddAccount::Caldav(args)) => add_caldav(app, args).await,
        AccountCommand::Add(AddAccount::Google(args)) => {
            let added = super::oauth_connect::connect(app, AccountKind::Google, &args.name).await?;
            print_added(&added, args.json)
        }
        AccountCommand::Add(AddAccount::Microsoft(args)) => {
            let added =
                super::oauth_connect::connect(app, AccountKind::Microsoft, &args.name).await?;
            print_added(&added, args.json)
        }
        AccountCommand::List(flag) => {
            let accounts = app.accounts().list().await?;
            let rows: Vec<AccountRow<'_>> = accounts
                .iter()
                .map(|a| AccountRow {
                    id: a.id.as_str(),
                    account: &a.name,
                    name: &a.name,
                    kind: a.kind.as_str(),
                    url: a.url.as_deref(),
                    username: a.username.as_deref(),
                })
                .collect();
            if flag.json {
                print_json(&rows)?;
            } else {
                let mut table = Table::new(&["NAME", "KIND", "USER", "URL"]);
                for row in &rows {
                    table.row(&[
                        row.name,
                        row.kind,
                        row.username.unwrap_or(""),
                        row.url.unwrap_or(""),
                    ]);
                }
                table.print();
            }
            Ok(ExitCode::SUCCESS)
        }
        AccountCommand::Remove { name } => {
            app.accounts().remove(&name).await?;
            eprintln!("removed account {name}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn add_caldav(app: &Embedded, args: AddCaldav) -> anyhow::Result<ExitCode> {
    let password = read_password(args.password_stdin)?;
    let added = app
        .accounts()
        .add_caldav(&args.name, &args.url, &args.username, password)
        .await
        .with_context(|| format!("adding account {}", args.name))?;
    print_added(&added, args.json)
}

fn print_added(added: &AddedAccount, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        print_json(&added.calendars)?;
    } else {
        println!(
            "added account {} with {} calendar(s):",
            added.account.name,
            added.calendars.len()
        );
        let mut table = Table::new(&["ID", "NAME", "URL"]);
        for calendar in &added.calendars {
            table.row(&[calendar.id.as_str(), &calendar.name, &calendar.url]);
        }
        table.print();
    }
    Ok(ExitCode::SUCCESS)
}

/// From standard input (one line, trailing newline removed) or CALSYNC_PASSWORD; never a flag,
/// which would end up in shell history and `ps`.
fn read_password(from_stdin: bool) -> anyhow::Result<Zeroizing<String>> {
    if from_stdin {
        let mut text = Zeroizing::new(String::new());
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading the password from standard input")?;
        let trimmed = Zeroizing::new(text.trim_end_matches(['\r', '\n']).to_string());
        if trimmed.is_empty() {
            bail!("the password read from standard input is empty");
        }
        return Ok(trimmed);
    }
    match std::env::var("CALSYNC_PASSWORD") {
        Ok(password) if !password.is_empty() => Ok(Zeroizing::new(password)),
        _ => bail!("no password: pass --password-stdin (and pipe it in) or set CALSYNC_PASSWORD"),
    }
}
