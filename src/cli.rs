//! Command-line definitions.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "calsync",
    version,
    about = "Two-way calendar sync: CalDAV (and soon Google and Microsoft 365), no duplicates, no loops",
    long_about = None
)]
pub struct Cli {
    /// Where calsync keeps its database and key file.
    #[arg(
        long,
        env = "CALSYNC_DATA_DIR",
        default_value = "./calsync-data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// Log as JSON lines (for log collectors) instead of text.
    #[arg(long, global = true)]
    pub log_json: bool,
    /// More logging (-v: info, -vv: debug). `RUST_LOG` overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Connect, list and remove accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// List the calendars found in the accounts.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Create, list, remove and resume links between calendars.
    #[command(subcommand)]
    Link(LinkCommand),
    /// Sync every link: once with --once, else every --interval seconds.
    Sync(SyncArgs),
    /// Keep every link in sync: push where providers offer it, else adaptive polling
    /// averaging one check per calendar every --interval seconds.
    Serve(ServeArgs),
    /// How each link and calendar is doing.
    Status(StatusArgs),
    /// Benchmarks, printed as JSON with --json (runs the `calsync-bench` binary built beside
    /// this one; `scripts/bench.sh` starts the servers they need).
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The benchmark and its options, e.g. `caldav --events 2000 --json`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

#[derive(Debug, Args)]
pub struct JsonFlag {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Connect an account and discover its calendars.
    #[command(subcommand)]
    Add(AddAccount),
    /// List connected accounts.
    List(JsonFlag),
    /// Disconnect an account (its calendars must not be in a link).
    Remove { name: String },
}

#[derive(Debug, Subcommand)]
pub enum AddAccount {
    /// A CalDAV account (Nextcloud, iCloud, Fastmail, Posteo, SOGo, Radicale, Baïkal, ...).
    Caldav(AddCaldav),
    /// A Google account: prints an address to open in a browser (needs CALSYNC_GOOGLE_CLIENT_ID).
    Google(AddOAuth),
    /// A Microsoft 365 / Outlook account: prints an address to open in a browser (needs
    /// CALSYNC_MS_CLIENT_ID).
    Microsoft(AddOAuth),
}

#[derive(Debug, Args)]
pub struct AddOAuth {
    /// Your name for this account.
    pub name: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AddCaldav {
    /// Your name for this account.
    pub name: String,
    /// The server address; discovery finds the calendars from here.
    #[arg(long)]
    pub url: String,
    #[arg(long)]
    pub username: String,
    /// Read the password from standard input (else from CALSYNC_PASSWORD).
    #[arg(long)]
    pub password_stdin: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// List every calendar with the id to use in `link add`.
    List(JsonFlag),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TopologyArg {
    Pair,
    Star,
    Mesh,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PrivacyArg {
    Full,
    Busy,
    Title,
}

#[derive(Debug, Subcommand)]
pub enum LinkCommand {
    /// Link calendars (ids from `calsync calendar list`).
    Add(AddLink),
    List(JsonFlag),
    /// Remove a link; copies it made stay where they are.
    Remove {
        name: String,
    },
    /// Resume a link stopped by the deletion guard.
    Resume {
        name: String,
        /// Accept the deletions that tripped the guard (once).
        #[arg(long)]
        allow_deletes: bool,
    },
}

#[derive(Debug, Args)]
pub struct AddLink {
    pub name: String,
    #[arg(long, value_enum)]
    pub topology: TopologyArg,
    /// The hub of a star.
    #[arg(long)]
    pub hub: Option<String>,
    /// In a star, also copy each spoke's events to the other spokes.
    #[arg(long)]
    pub relay_spokes: bool,
    /// What copies reveal.
    #[arg(long, value_enum, default_value = "full")]
    pub privacy: PrivacyArg,
    /// Privacy of the copies made in one calendar: `ID=busy` (repeatable).
    #[arg(long = "privacy-to", value_name = "ID=PRIVACY")]
    pub privacy_to: Vec<String>,
    /// Pair: first -> second only. Star: hub -> spokes only.
    #[arg(long)]
    pub one_way: bool,
    #[arg(long)]
    pub skip_all_day: bool,
    /// Skip events marked free.
    #[arg(long)]
    pub skip_free: bool,
    /// Skip invitations the calendar's owner declined.
    #[arg(long)]
    pub skip_declined: bool,
    /// Only copy events whose title matches this regular expression.
    #[arg(long, value_name = "RE")]
    pub include_title: Option<String>,
    /// Never copy events whose title matches this regular expression.
    #[arg(long, value_name = "RE")]
    pub exclude_title: Option<String>,
    #[arg(long, default_value_t = 30)]
    pub past_days: u32,
    #[arg(long, default_value_t = 180)]
    pub future_days: u32,
    /// The calendars, at least two.
    #[arg(required = true, num_args = 2..)]
    pub calendars: Vec<String>,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// One pass, then exit (0 only if every link synced).
    #[arg(long)]
    pub once: bool,
    /// Re-examine every event, not only the changed ones.
    #[arg(long)]
    pub full: bool,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub polling: PollingArgs,
}

/// How often calendars without push are checked (`serve`, `sync`; `status` shows the result).
#[derive(Debug, Clone, Args)]
pub struct PollingArgs {
    /// Average seconds between checks of each calendar without push. Adaptive polling checks
    /// recently changed calendars more often (every ~4 s at 15) and idle ones less (60 s),
    /// staying within this average.
    #[arg(long, default_value_t = 15, env = "CALSYNC_POLL_INTERVAL")]
    pub interval: u64,
    /// Check every calendar exactly every --interval seconds instead.
    #[arg(long, env = "CALSYNC_FIXED_POLLING")]
    pub fixed_polling: bool,
    /// When calendars are checked more often, e.g. "Mon-Fri 08:00-18:00 Europe/Berlin", or
    /// "off" [default: Mon-Fri 08:00-18:00 in this machine's time zone].
    #[arg(long, env = "CALSYNC_WORKING_HOURS")]
    pub working_hours: Option<String>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub polling: PollingArgs,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub polling: PollingArgs,
    /// The public HTTPS base URL at which Google and Microsoft reach this process
    /// (`<url>/webhooks/google`, `/webhooks/graph`, `/webhooks/graph/lifecycle`). Enables push.
    #[arg(long, env = "CALSYNC_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Where the webhook receiver listens (behind your TLS-terminating proxy).
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: std::net::SocketAddr,
    /// Seconds between fallback checks of calendars with push (lost notifications).
    #[arg(long, default_value_t = 900)]
    pub push_fallback_poll: u64,
    /// Seconds between checks that every push channel exists and is renewed in time.
    #[arg(long, default_value_t = 60)]
    pub channel_upkeep: u64,
    /// Seconds a push channel is asked to live (default: each provider's maximum).
    #[arg(long)]
    pub channel_life: Option<i64>,
}
