//! The management API behind the `api` function: connect accounts (CalDAV with discovery;
//! Google and Microsoft through the authorization-code flow with PKCE), list calendars,
//! manage links and their rules, read status, queue syncs. Framework-agnostic: the function
//! adapts API Gateway events to [`ApiRequest`].
//!
//! Every `/api` request carries an API key ([`auth`]); the key's record names the tenant,
//! and every query of the request is scoped to it. Nothing in the path or the body can name
//! another tenant; another tenant's ids answer 404, like ids that do not exist.

mod accounts;
pub mod auth;
mod callback;
mod error;
mod http;
mod link_input;
mod links;
pub mod oauth;
pub mod routes;
mod views;

#[cfg(test)]
mod tests;

pub use error::ApiError;
pub use http::{ApiRequest, ApiResponse, MAX_BODY_BYTES};
pub use oauth::{AUTHORIZATION_LIFETIME, OAuthSettings};

use super::{CloudRuntime, MissingSetting};
use crate::domain::{AccountKind, TenantId};
use crate::ports::{ApiKeyStore, JobQueue, PendingAuthorizationStore, SecretSealer, Store};
use crate::usecases::{AccountService, Connector, LinkService, StatusService};
use auth::AuthError;
use chrono::{DateTime, Utc};
use oauth::AuthorizationFlows;
use routes::{Matched, Route};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;

/// What the API works with; [`ApiDeps::from_runtime`] wires the AWS adapters.
#[derive(Clone)]
pub struct ApiDeps {
    pub store: Arc<dyn Store>,
    pub keys: Arc<dyn ApiKeyStore>,
    pub pending: Arc<dyn PendingAuthorizationStore>,
    pub sealer: Arc<dyn SecretSealer>,
    pub queue: Arc<dyn JobQueue>,
    pub connector: Arc<dyn Connector>,
    pub oauth: OAuthSettings,
}

impl ApiDeps {
    /// DynamoDB, KMS and SQS of `runtime`; fails without a KMS key or a queue.
    pub fn from_runtime(
        runtime: &CloudRuntime,
        oauth: OAuthSettings,
    ) -> Result<Self, MissingSetting> {
        let sealer = runtime
            .sealer
            .clone()
            .ok_or(MissingSetting("CALSYNC_KMS_KEY_ID"))?;
        Ok(Self {
            store: runtime.store.clone(),
            keys: runtime.store.clone(),
            pending: runtime.store.clone(),
            sealer,
            queue: runtime.queue()?,
            connector: runtime.connector.clone(),
            oauth,
        })
    }
}

pub struct Api {
    deps: ApiDeps,
    flows: AuthorizationFlows,
    clock: fn() -> DateTime<Utc>,
}

/// An authenticated request: its tenant comes from its API key. (Owned: handler futures
/// holding a struct of borrowed parts trip rustc's "Send is not general enough".)
pub(super) struct TenantRequest {
    tenant: TenantId,
    body: Vec<u8>,
    query: Option<String>,
}

impl TenantRequest {
    fn query_param(&self, name: &str) -> Option<String> {
        let query = self.query.as_deref()?;
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }
}

/// The JSON body as `T`: malformed JSON is a 400, JSON of the wrong shape a 422.
pub(super) fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        use serde_json::error::Category;
        // The error's position only: serde's message may quote the input (a password).
        let at = format!("line {} column {}", e.line(), e.column());
        match e.classify() {
            Category::Data => ApiError::Unprocessable(format!(
                "the request body does not match the schema at {at}: {}",
                data_error_kind(&e)
            )),
            _ => ApiError::BadRequest(format!("the request body is not valid JSON ({at})")),
        }
    })
}

/// serde's data errors name fields and expected types; values only in `invalid value`
/// errors, which are cut before the value.
fn data_error_kind(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let text = text.split(" at line ").next().unwrap_or_default();
    match text.split_once(": ") {
        Some((kind, _)) if kind.starts_with("invalid value") => kind.to_string(),
        _ => text.to_string(),
    }
}

impl Api {
    pub fn new(deps: ApiDeps) -> Result<Self, ApiError> {
        let flows = AuthorizationFlows::new(
            deps.pending.clone(),
            deps.sealer.clone(),
            deps.oauth.clone(),
        )?;
        Ok(Self {
            deps,
            flows,
            clock: Utc::now,
        })
    }

    fn accounts(&self, tenant: &TenantId) -> AccountService {
        AccountService {
            tenant: tenant.clone(),
            store: self.deps.store.clone(),
            sealer: self.deps.sealer.clone(),
            connector: self.deps.connector.clone(),
        }
    }

    fn links(&self, tenant: &TenantId) -> LinkService {
        LinkService {
            tenant: tenant.clone(),
            store: self.deps.store.clone(),
        }
    }

    fn status_service(&self, tenant: &TenantId) -> StatusService {
        StatusService {
            tenant: tenant.clone(),
            store: self.deps.store.clone(),
        }
    }

    /// Answers one request; never fails (every problem is a status with a JSON error).
    pub async fn handle(&self, request: ApiRequest) -> ApiResponse {
        let started = Instant::now();
        let span = tracing::info_span!(
            "api_request",
            request_id = request.request_id.as_deref().unwrap_or("-"),
            tenant = tracing::field::Empty,
        );
        let response = self.route(&request).instrument(span.clone()).await;
        span.in_scope(|| {
            // Method and route template only: paths hold ids, query strings OAuth codes.
            tracing::info!(
                method = %request.method,
                route = response.route,
                status = response.status,
                millis = started.elapsed().as_millis() as u64,
                "api request"
            );
        });
        response
    }

    async fn route(&self, request: &ApiRequest) -> ApiResponse {
        let (spec, params) = match routes::match_route(&request.method, &request.path) {
            Matched::Found { spec, params } => (spec, params),
            Matched::MethodNotAllowed { allowed } => {
                return ApiError::MethodNotAllowed { allowed }.response();
            }
            Matched::NotFound => return ApiError::NotFound("route".into()).response(),
        };
        let mut response = match self.serve(spec.route, &params, request).await {
            Ok(response) => response,
            Err(error) => {
                if let Some(cause) = error.cause() {
                    tracing::error!(%cause, status = error.status(), "api request failed");
                }
                error.response()
            }
        };
        response.route = spec.label;
        response
    }

    async fn serve(
        &self,
        route: Route,
        params: &[String],
        request: &ApiRequest,
    ) -> Result<ApiResponse, ApiError> {
        match route {
            Route::GoogleCallback => {
                return Ok(self.oauth_callback(request, AccountKind::Google).await);
            }
            Route::MicrosoftCallback => {
                return Ok(self.oauth_callback(request, AccountKind::Microsoft).await);
            }
            _ => {}
        }
        let authorization = request.header("authorization").map(str::to_string);
        let tenant =
            match auth::authenticate(self.deps.keys.as_ref(), authorization.as_deref()).await {
                Ok(tenant) => tenant,
                Err(AuthError::Rejected) => return Err(ApiError::Unauthorized),
                Err(AuthError::Store(e)) => return Err(e.into()),
            };
        tracing::Span::current().record("tenant", tenant.as_str());
        if request.body.len() > MAX_BODY_BYTES {
            return Err(ApiError::TooLarge);
        }
        let tenant_request = TenantRequest {
            tenant,
            body: request.body.clone(),
            query: request.query.clone(),
        };
        let r = &tenant_request;
        let id = params.first().cloned().unwrap_or_default();
        let id = id.as_str();
        match route {
            Route::AddCaldavAccount => self.add_caldav(r).await,
            Route::StartGoogleAccount => self.start_oauth(r, AccountKind::Google).await,
            Route::StartMicrosoftAccount => self.start_oauth(r, AccountKind::Microsoft).await,
            Route::ListAccounts => self.list_accounts(r).await,
            Route::DeleteAccount => self.delete_account(r, id).await,
            Route::ListCalendars => self.list_calendars(r).await,
            Route::ListLinks => self.list_links(r).await,
            Route::CreateLink => self.create_link(r).await,
            Route::GetLink => self.get_link(r, id).await,
            Route::UpdateLink => self.update_link(r, id).await,
            Route::DeleteLink => self.delete_link(r, id).await,
            Route::LinkStatus => self.link_status(r, id).await,
            Route::SyncLink => self.sync_link(r, id).await,
            Route::Status => self.status(r).await,
            Route::GoogleCallback | Route::MicrosoftCallback => {
                Err(ApiError::Internal("callbacks are served above".into()))
            }
        }
    }
}
