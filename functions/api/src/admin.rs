//! `calsync-admin`: the operator's bootstrap for the serverless deployment. It creates
//! tenants and their API keys in the stack's DynamoDB table, with the same configuration as
//! the functions (`CALSYNC_TABLE_NAME`, AWS credentials and region from the environment).
//! A new key is printed once, on standard output, and never stored in clear.

use anyhow::Context;
use calsync_core::cloud::api::auth::create_key;
use calsync_core::domain::{IdError, TenantId};
use calsync_core::ports::{ApiKeyStore, TenantDirectory};
use clap::{Parser, Subcommand};
use rand::Rng;
use std::io::Write;

#[derive(Parser)]
#[command(
    name = "calsync-admin",
    about = "Tenants and API keys of a calsync deployment"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// API keys.
    #[command(subcommand)]
    Key(KeyCommand),
}

#[derive(Subcommand)]
pub enum TenantCommand {
    /// Registers a tenant and prints its first API key.
    Create {
        /// The tenant id (1-64 of [A-Za-z0-9_-]); a random one when absent.
        #[arg(long)]
        id: Option<String>,
        #[arg(long, default_value = "first key")]
        label: String,
    },
}

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Prints a new API key for the tenant (shown once).
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Lists the tenant's keys (ids, labels, creation times; never secrets).
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Revokes a key: requests with it get 401 from then on.
    Revoke {
        #[arg(long)]
        tenant: String,
        id: String,
    },
}

/// `t` and 12 random base32 characters.
pub fn new_tenant_id() -> Result<TenantId, IdError> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut rng = rand::rng();
    let suffix: String = (0..12)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    TenantId::parse(format!("t{suffix}"))
}

fn tenant_id(text: &str) -> anyhow::Result<TenantId> {
    TenantId::parse(text).with_context(|| format!("{text:?} is not a tenant id"))
}

/// Runs one command; new keys go to `out` (standard output), the rest to standard error.
/// `directory` is where tenants are registered for the scheduler.
pub async fn run(
    command: Command,
    keys: &dyn ApiKeyStore,
    directory: &dyn TenantDirectory,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    match command {
        Command::Tenant(TenantCommand::Create { id, label }) => {
            let tenant = match id {
                Some(id) => tenant_id(&id)?,
                None => new_tenant_id()?,
            };
            directory
                .create_tenant(&tenant, now)
                .await
                .with_context(|| format!("registering tenant {tenant}"))?;
            let issued = create_key(keys, &tenant, &label, now).await?;
            eprintln!("tenant {tenant}, key {} ({label}):", issued.record.id);
            writeln!(out, "{}", issued.key.as_str())?;
        }
        Command::Key(KeyCommand::Create { tenant, label }) => {
            let tenant = tenant_id(&tenant)?;
            let issued = create_key(keys, &tenant, &label, now).await?;
            eprintln!("key {} for tenant {tenant}:", issued.record.id);
            writeln!(out, "{}", issued.key.as_str())?;
        }
        Command::Key(KeyCommand::List { tenant }) => {
            for key in keys.list_api_keys(&tenant_id(&tenant)?).await? {
                writeln!(
                    out,
                    "{}\t{}\t{}",
                    key.id,
                    key.created_at.to_rfc3339(),
                    key.label
                )?;
            }
        }
        Command::Key(KeyCommand::Revoke { tenant, id }) => {
            keys.delete_api_key(&tenant_id(&tenant)?, &id)
                .await
                .with_context(|| format!("revoking key {id}"))?;
            eprintln!("revoked key {id}");
        }
    }
    Ok(())
}
