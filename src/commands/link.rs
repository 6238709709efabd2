//! `calsync link ...`

use crate::cli::{AddLink, LinkCommand, PrivacyArg, TopologyArg};
use crate::output::{Table, print_json};
use crate::runtime::Embedded;
use anyhow::{Context, anyhow};
use calsync_core::domain::{
    CalendarId, Filters, LinkRules, Privacy, SyncWindow, TitlePattern, Topology,
};
use calsync_core::usecases::NewLink;
use std::collections::BTreeMap;
use std::process::ExitCode;

pub async fn run(app: &Embedded, command: LinkCommand) -> anyhow::Result<ExitCode> {
    match command {
        LinkCommand::Add(args) => {
            let new = new_link(args)?;
            let link = app.links().add(new).await?;
            println!(
                "added link {} ({} calendars)",
                link.name,
                link.calendars.len()
            );
        }
        LinkCommand::List(flag) => {
            let links = app.links().list().await?;
            if flag.json {
                print_json(&links)?;
            } else {
                let mut table = Table::new(&["NAME", "TOPOLOGY", "PRIVACY", "CALENDARS"]);
                for link in &links {
                    let topology = match &link.topology {
                        Topology::Pair => "pair".to_string(),
                        Topology::Mesh => "mesh".to_string(),
                        Topology::Star { hub, .. } => format!("star (hub {hub})"),
                    };
                    let calendars = link
                        .calendars
                        .iter()
                        .map(CalendarId::as_str)
                        .collect::<Vec<_>>()
                        .join(" ");
                    table.row(&[
                        &link.name,
                        &topology,
                        privacy_name(link.rules.privacy),
                        &calendars,
                    ]);
                }
                table.print();
            }
        }
        LinkCommand::Remove { name } => {
            app.links().remove(&name).await?;
            println!("removed link {name}; the copies it made stay where they are");
        }
        LinkCommand::Resume {
            name,
            allow_deletes,
        } => {
            app.links().resume(&name, allow_deletes).await?;
            println!(
                "resumed link {name}{}",
                if allow_deletes {
                    " (deletions allowed once)"
                } else {
                    ""
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn privacy_name(privacy: Privacy) -> &'static str {
    match privacy {
        Privacy::Full => "full",
        Privacy::Busy => "busy",
        Privacy::Title => "title",
    }
}

fn privacy(arg: PrivacyArg) -> Privacy {
    match arg {
        PrivacyArg::Full => Privacy::Full,
        PrivacyArg::Busy => Privacy::Busy,
        PrivacyArg::Title => Privacy::Title,
    }
}

fn calendar_id(text: &str) -> anyhow::Result<CalendarId> {
    CalendarId::parse(text)
        .with_context(|| format!("{text:?} is not a calendar id (see `calsync calendar list`)"))
}

fn new_link(args: AddLink) -> anyhow::Result<NewLink> {
    let calendars = args
        .calendars
        .iter()
        .map(|c| calendar_id(c))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let topology = match args.topology {
        TopologyArg::Pair => Topology::Pair,
        TopologyArg::Mesh => Topology::Mesh,
        TopologyArg::Star => Topology::Star {
            hub: calendar_id(
                args.hub
                    .as_deref()
                    .ok_or_else(|| anyhow!("a star needs --hub ID"))?,
            )?,
            relay_spokes: args.relay_spokes,
        },
    };
    let mut privacy_by_target = BTreeMap::new();
    for rule in &args.privacy_to {
        let (id, level) = rule
            .split_once('=')
            .ok_or_else(|| anyhow!("--privacy-to takes ID=full|busy|title, got {rule:?}"))?;
        let level = match level {
            "full" => Privacy::Full,
            "busy" => Privacy::Busy,
            "title" => Privacy::Title,
            other => return Err(anyhow!("unknown privacy {other:?} in --privacy-to")),
        };
        privacy_by_target.insert(calendar_id(id)?, level);
    }
    let pattern = |re: &Option<String>| re.as_deref().map(TitlePattern::parse).transpose();
    let rules = LinkRules {
        privacy: privacy(args.privacy),
        privacy_by_target,
        one_way: args.one_way,
        filters: Filters {
            skip_all_day: args.skip_all_day,
            skip_free: args.skip_free,
            skip_declined: args.skip_declined,
            include_title: pattern(&args.include_title)?,
            exclude_title: pattern(&args.exclude_title)?,
        },
        window: SyncWindow {
            past_days: args.past_days,
            future_days: args.future_days,
        },
        ..LinkRules::default()
    };
    Ok(NewLink {
        name: args.name,
        topology,
        calendars,
        rules,
    })
}
