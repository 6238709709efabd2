//! Keeping an account's access token valid: refresh shortly before it expires, or once after
//! the API refused it (401), and hand every renewed token set back to be stored.

use super::flow::{client, token_error, token_set};
use super::http_client::send;
use super::{OAuthApp, OAuthEndpoints, OAuthError, TokenSet};
use crate::ports::{ProviderError, SecretSink};
use chrono::{TimeDelta, Utc};
use oauth2::RefreshToken;
use std::sync::Arc;
use tokio::sync::Mutex;
use zeroize::Zeroizing;

/// Refresh this long before the stated expiry, so a token never expires in flight.
const EXPIRY_MARGIN: TimeDelta = TimeDelta::seconds(60);

pub struct TokenKeeper {
    http: reqwest::Client,
    endpoints: OAuthEndpoints,
    app: OAuthApp,
    tokens: Mutex<TokenSet>,
    sink: Option<Arc<dyn SecretSink>>,
}

impl TokenKeeper {
    pub fn new(
        http: reqwest::Client,
        endpoints: OAuthEndpoints,
        app: OAuthApp,
        tokens: TokenSet,
        sink: Option<Arc<dyn SecretSink>>,
    ) -> Self {
        Self {
            http,
            endpoints,
            app,
            tokens: Mutex::new(tokens),
            sink,
        }
    }

    /// A valid access token, refreshed first when it is about to expire.
    pub async fn bearer(&self) -> Result<Zeroizing<String>, ProviderError> {
        let mut tokens = self.tokens.lock().await;
        let expiring = tokens
            .expires_at
            .is_some_and(|at| at - EXPIRY_MARGIN <= Utc::now());
        if expiring {
            *tokens = self.refreshed(&tokens).await?;
        }
        Ok(Zeroizing::new(tokens.access_token.clone()))
    }

    /// After the API refused `rejected` (HTTP 401): refresh, unless another request already
    /// did since. The caller retries once with the new token.
    pub async fn refresh_after_rejection(&self, rejected: &str) -> Result<(), ProviderError> {
        let mut tokens = self.tokens.lock().await;
        if tokens.access_token == rejected {
            *tokens = self.refreshed(&tokens).await?;
        }
        Ok(())
    }

    async fn refreshed(&self, current: &TokenSet) -> Result<TokenSet, ProviderError> {
        let refresh = current.refresh_token.as_deref().ok_or_else(|| {
            ProviderError::Auth(
                "the access token expired and there is no refresh token; reconnect the account"
                    .into(),
            )
        })?;
        let client = client(&self.endpoints, &self.app, "")
            .map_err(|e| ProviderError::Permanent(e.to_string()))?;
        // The future owns its client (a cheap clone): a borrowed one makes the future not
        // `Send` for every lifetime, which `async_trait` adapters need.
        let http = self.http.clone();
        let response = client
            .exchange_refresh_token(&RefreshToken::new(refresh.to_string()))
            .request_async(&move |request| {
                let http = http.clone();
                async move { send(&http, request).await }
            })
            .await
            .map_err(|e| match token_error(e) {
                OAuthError::Unreachable(reason) => {
                    ProviderError::Transient(format!("token refresh: {reason}"))
                }
                other => ProviderError::Auth(format!("{other}; reconnect the account")),
            })?;
        let renewed = token_set(&response, Some(refresh));
        if let Some(sink) = &self.sink {
            let secret = renewed
                .to_secret()
                .map_err(|e| ProviderError::Permanent(e.to_string()))?;
            // Not storing it only costs a refresh next time: log, don't fail the request.
            if let Err(error) = sink.store(&secret).await {
                tracing::warn!(%error, "could not store the refreshed token");
            }
        }
        Ok(renewed)
    }
}
