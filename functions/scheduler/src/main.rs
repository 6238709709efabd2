//! The scheduler Lambda: see the library for what it does.

use calsync_core::cloud::{CloudRuntime, init_logging};
use calsync_fn_scheduler::SchedulerFunction;
use lambda_runtime::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_logging();
    let function = SchedulerFunction::new(&CloudRuntime::from_env().await?)?;
    lambda_runtime::run(service_fn(|event| function.handle(event))).await
}
