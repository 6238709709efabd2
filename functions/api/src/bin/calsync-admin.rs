//! `calsync-admin`: tenants and API keys of a deployment (see `calsync_fn_api::admin`).

use calsync_core::cloud::CloudRuntime;
use calsync_core::ports::TenantDirectory;
use calsync_fn_api::admin::{Cli, run};
use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = CloudRuntime::from_env().await?;
    let store = runtime.store.as_ref();
    run(
        cli.command,
        store,
        tenant_directory(&runtime),
        &mut std::io::stdout(),
    )
    .await
}

/// Where tenants are registered for the scheduler: `None` until the DynamoDB store
/// implements [`TenantDirectory`] (issue 4); then `Some(runtime.store.as_ref())`.
fn tenant_directory(_runtime: &CloudRuntime) -> Option<&dyn TenantDirectory> {
    None
}
