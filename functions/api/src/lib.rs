//! The api function behind the HTTP API's `/api/*` and `/oauth/*/callback` routes: the
//! management API of `calsync-core` (`cloud::api`), adapted from API Gateway events. Every
//! request is answered in-process; syncs it asks for go to SQS.

pub mod admin;

use calsync_core::cloud::api::{Api, ApiDeps, ApiError, ApiRequest, ApiResponse, OAuthSettings};
use calsync_core::cloud::metrics::{Metrics, names};
use calsync_core::cloud::{CloudConfig, CloudRuntime, MissingSetting};
use lambda_http::http::{HeaderName, HeaderValue, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Setting(#[from] MissingSetting),
    #[error(transparent)]
    Api(#[from] ApiError),
}

pub struct ApiFunction {
    api: Api,
    config: CloudConfig,
}

impl ApiFunction {
    /// Google and Microsoft endpoints and OAuth applications from the environment.
    pub fn new(runtime: CloudRuntime) -> Result<Self, StartError> {
        let oauth = OAuthSettings::from_env(runtime.config.public_url.clone());
        Self::with_oauth(runtime, oauth)
    }

    /// With explicit OAuth settings (tests point them at the emulators).
    pub fn with_oauth(runtime: CloudRuntime, oauth: OAuthSettings) -> Result<Self, StartError> {
        let api = Api::new(ApiDeps::from_runtime(&runtime, oauth)?)?;
        Ok(Self {
            api,
            config: runtime.config,
        })
    }

    /// Never fails: every problem is an HTTP status.
    pub async fn handle(
        &self,
        request: Request,
    ) -> Result<Response<Body>, std::convert::Infallible> {
        let response = self.api.handle(api_request(request)).await;
        let mut metrics = Metrics::new(&self.config, "api");
        metrics.count_by(names::API_REQUESTS, "Route", response.route, 1);
        metrics.count_by(
            names::API_RESPONSES,
            "StatusClass",
            response.status_class(),
            1,
        );
        metrics.flush();
        Ok(lambda_response(response))
    }
}

fn api_request(request: Request) -> ApiRequest {
    let request_id = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.request_id.clone(),
        _ => None,
    }
    .or_else(|| request.lambda_context_ref().map(|c| c.request_id.clone()));
    // The path as the client sent it, without the stage lambda_http may have put in front.
    let path = match request.raw_http_path() {
        "" => request.uri().path().to_string(),
        raw => raw.to_string(),
    };
    let (parts, body) = request.into_parts();
    ApiRequest {
        method: parts.method.as_str().to_string(),
        path,
        query: parts.uri.query().map(str::to_string),
        headers: parts
            .headers
            .iter()
            .filter_map(|(name, value)| {
                Some((name.as_str().to_string(), value.to_str().ok()?.to_string()))
            })
            .collect(),
        body: body.to_vec(),
        request_id,
    }
}

fn lambda_response(answer: ApiResponse) -> Response<Body> {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = if answer.body.is_empty() {
        Body::Empty
    } else {
        Body::from(answer.body)
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        lambda_http::http::header::CONTENT_TYPE,
        HeaderValue::from_static(answer.content_type),
    );
    for (name, value) in answer.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.insert(name, value);
        }
    }
    response
}

#[cfg(test)]
mod tests;
