//! `calsync-admin`: tenants and API keys of a deployment (see `calsync_fn_api::admin`).

use calsync_core::cloud::CloudRuntime;
use calsync_fn_api::admin::{Cli, run};
use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = CloudRuntime::from_env().await?;
    let store = runtime.store.as_ref();
    // The table is both the key store and the tenant directory the scheduler pages through.
    run(cli.command, store, store, &mut std::io::stdout()).await
}
