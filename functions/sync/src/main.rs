//! The sync Lambda: see the library for what it does.

use calsync_core::cloud::sync_worker::WorkerSettings;
use calsync_core::cloud::{CloudRuntime, init_logging};
use calsync_fn_sync::SyncFunction;
use lambda_runtime::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_logging();
    let function = SyncFunction::new(CloudRuntime::from_env().await?, WorkerSettings::default());
    lambda_runtime::run(service_fn(|event| function.handle(event))).await
}
