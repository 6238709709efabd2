//! The webhook function behind the HTTP API's `/webhooks/*` routes: Google channel
//! notifications, Graph change notifications (with the validation handshake) and Graph
//! lifecycle events. It validates each one and queues sync jobs on SQS; nothing slow runs
//! inline, so providers get their answer within their timeouts (Graph: 3 s).

use calsync_core::cloud::metrics::{Metrics, names};
use calsync_core::cloud::{CloudConfig, CloudRuntime, MissingSetting};
use calsync_core::usecases::{Outcome, WebhookReceiver, WebhookRequest, WebhookResponse};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

pub struct WebhookFunction {
    receiver: WebhookReceiver,
    config: CloudConfig,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Google,
    Graph,
    GraphLifecycle,
}

impl Route {
    /// Matched on the path's end, so a custom domain's base path or a stage prefix does not
    /// matter.
    fn of(path: &str) -> Option<Self> {
        let path = path.trim_end_matches('/');
        if path.ends_with("/webhooks/google") {
            Some(Self::Google)
        } else if path.ends_with("/webhooks/graph/lifecycle") {
            Some(Self::GraphLifecycle)
        } else if path.ends_with("/webhooks/graph") {
            Some(Self::Graph)
        } else {
            None
        }
    }

    fn kind(self) -> &'static str {
        match self {
            Self::Google => "google",
            Self::Graph => "graph",
            Self::GraphLifecycle => "graph-lifecycle",
        }
    }
}

impl WebhookFunction {
    pub fn new(runtime: &CloudRuntime) -> Result<Self, MissingSetting> {
        Ok(Self {
            receiver: runtime.webhook_receiver()?,
            config: runtime.config.clone(),
        })
    }

    /// Never fails: every problem is an HTTP status for the provider (which retries 5xx).
    pub async fn handle(
        &self,
        request: Request,
    ) -> Result<Response<Body>, std::convert::Infallible> {
        let mut metrics = Metrics::new(&self.config, "webhook");
        let Some(route) = Route::of(request.uri().path()) else {
            return Ok(plain(StatusCode::NOT_FOUND, "no such webhook"));
        };
        let incoming = webhook_request(request);
        let answer = match route {
            Route::Google => self.receiver.google(&incoming).await,
            Route::Graph => self.receiver.graph(&incoming).await,
            Route::GraphLifecycle => self.receiver.graph_lifecycle(&incoming).await,
        };
        metrics.count_by(names::NOTIFICATIONS_RECEIVED, "Kind", route.kind(), 1);
        match answer.outcome {
            Outcome::Accepted | Outcome::Acknowledged | Outcome::Validated => {
                metrics.count(names::NOTIFICATIONS_ACCEPTED, 1)
            }
            Outcome::Rejected | Outcome::Failed => metrics.count(names::NOTIFICATIONS_REJECTED, 1),
        }
        tracing::info!(kind = route.kind(), status = answer.status, outcome = ?answer.outcome, "notification");
        metrics.flush();
        Ok(response(answer))
    }
}

fn webhook_request(request: Request) -> WebhookRequest {
    let (parts, body) = request.into_parts();
    WebhookRequest {
        query: parts.uri.query().map(str::to_string),
        headers: parts
            .headers
            .iter()
            .filter_map(|(name, value)| {
                Some((name.as_str().to_string(), value.to_str().ok()?.to_string()))
            })
            .collect(),
        body: body.to_vec(),
    }
}

fn response(answer: WebhookResponse) -> Response<Body> {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = Response::new(Body::from(answer.body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        lambda_http::http::header::CONTENT_TYPE,
        lambda_http::http::HeaderValue::from_static(answer.content_type),
    );
    response
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests {
    use super::Route;

    #[test]
    fn routes_are_matched_on_the_end_of_the_path() {
        assert_eq!(Route::of("/webhooks/google"), Some(Route::Google));
        assert_eq!(Route::of("/prod/webhooks/graph"), Some(Route::Graph));
        assert_eq!(
            Route::of("/webhooks/graph/lifecycle/"),
            Some(Route::GraphLifecycle)
        );
        assert_eq!(Route::of("/webhooks/other"), None);
        assert_eq!(Route::of("/api/links"), None);
    }
}
