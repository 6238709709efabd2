//! Connecting Google and Microsoft accounts through the API: the authorization-code flow
//! with PKCE (RFC 7636) whose redirect comes back to the deployment's callback, possibly to
//! another Lambda instance than the one that started it.
//!
//! Starting stores what the callback needs under SHA-256(state), with the PKCE verifier
//! sealed under the tenant and that hash, for ten minutes. The callback takes the record
//! (one-time: a replayed state finds nothing) and the account goes to the tenant recorded
//! there: the browser that calls back cannot choose it.

use super::error::ApiError;
use crate::adapters::endpoints::{OAuthApps, ProviderEndpoints};
use crate::adapters::oauth::{
    Authorization, OAuthApp, OAuthEndpoints, OAuthError, TokenSet, begin_authorization,
    finish_authorization,
};
use crate::domain::{AccountId, AccountKind, TenantId};
use crate::ports::{PendingAuthorization, PendingAuthorizationStore, SealContext, SecretSealer};
use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

/// How long a user has to consent.
pub const AUTHORIZATION_LIFETIME: TimeDelta = TimeDelta::minutes(10);

/// Where Google and Microsoft live, the registered applications and the public base URL
/// their redirects come back to.
#[derive(Debug, Clone)]
pub struct OAuthSettings {
    pub endpoints: ProviderEndpoints,
    pub apps: OAuthApps,
    /// `CALSYNC_PUBLIC_URL`: callbacks are `{public_url}/oauth/{google|microsoft}/callback`.
    pub public_url: Option<String>,
}

impl OAuthSettings {
    pub fn from_env(public_url: Option<String>) -> Self {
        Self {
            endpoints: ProviderEndpoints::from_env(),
            apps: OAuthApps::from_env(),
            public_url,
        }
    }

    fn provider(&self, kind: AccountKind) -> Result<(&OAuthEndpoints, &OAuthApp), ApiError> {
        let (endpoints, app, variable) = match kind {
            AccountKind::Google => (
                &self.endpoints.google_oauth,
                self.apps.google.as_ref(),
                "CALSYNC_GOOGLE_CLIENT_ID",
            ),
            AccountKind::Microsoft => (
                &self.endpoints.microsoft_oauth,
                self.apps.microsoft.as_ref(),
                "CALSYNC_MS_CLIENT_ID",
            ),
            AccountKind::Caldav => {
                return Err(ApiError::Unprocessable(
                    "CalDAV accounts use a password, not OAuth".into(),
                ));
            }
        };
        let app = app.ok_or_else(|| {
            ApiError::Unprocessable(format!(
                "{} accounts are not enabled on this deployment ({variable} is not set)",
                kind.as_str()
            ))
        })?;
        Ok((endpoints, app))
    }
}

/// Why a callback could not connect an account, in words for the user's browser.
#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    #[error("this authorization is unknown, expired or already used; start again from the API")]
    UnknownState,
    #[error("access was not granted ({0})")]
    Denied(String),
    #[error("the provider did not accept the authorization: {0}")]
    Exchange(#[from] OAuthError),
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// A callback that checked out: whose account it is and its tokens.
pub struct Authorized {
    pub tenant: TenantId,
    pub account_name: String,
    pub tokens: TokenSet,
}

#[derive(Clone)]
pub struct AuthorizationFlows {
    pub pending: Arc<dyn PendingAuthorizationStore>,
    pub sealer: Arc<dyn SecretSealer>,
    pub settings: OAuthSettings,
    pub http: reqwest::Client,
}

/// The store key of a state: a database reader learns no usable state.
fn state_key(state: &str) -> String {
    hex::encode(Sha256::digest(state.as_bytes()))
}

/// Binds the sealed verifier to its tenant and to this one authorization.
fn seal_context(tenant: &TenantId, key: &str) -> Result<SealContext, ApiError> {
    let account = AccountId::parse(format!("oauth-{}", &key[..32]))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(SealContext {
        tenant: tenant.clone(),
        account,
    })
}

impl AuthorizationFlows {
    pub fn new(
        pending: Arc<dyn PendingAuthorizationStore>,
        sealer: Arc<dyn SecretSealer>,
        settings: OAuthSettings,
    ) -> Result<Self, ApiError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            // Token endpoints answer directly (RFC 6749 §3.2); following a redirect could
            // hand the code and client secret to another host.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ApiError::Internal(format!("building the OAuth HTTP client: {e}")))?;
        Ok(Self {
            pending,
            sealer,
            settings,
            http,
        })
    }

    /// Refuses a provider this deployment has no OAuth application for.
    pub fn ensure_enabled(&self, kind: AccountKind) -> Result<(), ApiError> {
        self.settings.provider(kind).map(|_| ())
    }

    fn redirect_uri(&self, kind: AccountKind) -> Result<String, ApiError> {
        let base = self.settings.public_url.as_deref().ok_or_else(|| {
            ApiError::Unavailable("CALSYNC_PUBLIC_URL is not set: no OAuth callback URL".into())
        })?;
        Ok(format!(
            "{}/oauth/{}/callback",
            base.trim_end_matches('/'),
            kind.as_str()
        ))
    }

    /// Starts connecting a `kind` account named `name` for `tenant`: the address to send
    /// the user to, and when it stops being usable.
    pub async fn begin(
        &self,
        tenant: &TenantId,
        kind: AccountKind,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), ApiError> {
        let (endpoints, app) = self.settings.provider(kind)?;
        let redirect_uri = self.redirect_uri(kind)?;
        let authorization = begin_authorization(endpoints, app, &redirect_uri)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let key = state_key(authorization.state());
        let sealed_verifier = self
            .sealer
            .seal(
                &seal_context(tenant, &key)?,
                authorization.pkce_verifier().as_bytes(),
            )
            .await
            .map_err(|e| ApiError::Unavailable(e.to_string()))?;
        let expires_at = now + AUTHORIZATION_LIFETIME;
        let pending = PendingAuthorization {
            tenant: tenant.clone(),
            provider: kind,
            account_name: name.to_string(),
            sealed_verifier,
            redirect_uri,
            expires_at,
        };
        self.pending
            .put_pending_authorization(&key, &pending)
            .await?;
        Ok((authorization.url, expires_at))
    }

    /// Finishes what the redirect to `kind`'s callback brought: `code` and `state`, or the
    /// provider's `error`.
    pub async fn finish(
        &self,
        kind: AccountKind,
        code: Option<&str>,
        state: Option<&str>,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Authorized, CallbackError> {
        let state = state
            .filter(|s| !s.is_empty())
            .ok_or(CallbackError::UnknownState)?;
        let key = state_key(state);
        // Taken before anything else, so even a denied or failed attempt cannot be replayed.
        let pending = self
            .pending
            .take_pending_authorization(&key, now)
            .await
            .map_err(ApiError::from)?
            .filter(|p| p.provider == kind)
            .ok_or(CallbackError::UnknownState)?;
        if let Some(error) = error {
            // The provider's error code only; descriptions may echo input.
            let code: String = error
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .take(64)
                .collect();
            return Err(CallbackError::Denied(code));
        }
        let code = code
            .filter(|c| !c.is_empty())
            .ok_or_else(|| CallbackError::Denied("no authorization code".into()))?;
        let verifier = self
            .sealer
            .open(
                &seal_context(&pending.tenant, &key)?,
                &pending.sealed_verifier,
            )
            .await
            .map_err(|e| ApiError::Internal(format!("opening the PKCE verifier: {e}")))?;
        let verifier = String::from_utf8(verifier.to_vec())
            .map_err(|_| ApiError::Internal("the PKCE verifier is not text".into()))?;
        let (endpoints, app) = self.settings.provider(kind)?;
        let authorization =
            Authorization::resume(state.to_string(), verifier, pending.redirect_uri.clone());
        let tokens =
            finish_authorization(&self.http, endpoints, app, authorization, code, state).await?;
        Ok(Authorized {
            tenant: pending.tenant,
            account_name: pending.account_name,
            tokens,
        })
    }
}
