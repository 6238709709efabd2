//! The api function: management API and OAuth callbacks (in progress).

use calsync_core::cloud::CloudRuntime;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

pub struct ApiFunction {
    _runtime: CloudRuntime,
}

impl ApiFunction {
    pub fn new(runtime: CloudRuntime) -> Self {
        Self { _runtime: runtime }
    }

    pub async fn handle(
        &self,
        _request: Request,
    ) -> Result<Response<Body>, std::convert::Infallible> {
        let mut response = Response::new(Body::from("not implemented yet"));
        *response.status_mut() = StatusCode::NOT_IMPLEMENTED;
        Ok(response)
    }
}
