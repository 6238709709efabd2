//! The api Lambda: see the library for what it does.

use calsync_core::cloud::{CloudRuntime, init_logging};
use calsync_fn_api::ApiFunction;
use lambda_http::{Error, Request, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_logging();
    let function = ApiFunction::new(CloudRuntime::from_env().await?)?;
    lambda_http::run(service_fn(|request: Request| function.handle(request))).await
}
