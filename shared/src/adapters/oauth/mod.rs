//! OAuth 2.0 for the Google and Microsoft adapters, over the `oauth2` crate: the
//! authorization-code flow with PKCE (for connecting an account) and a token keeper that
//! refreshes access tokens and hands renewed tokens back to be sealed and stored.

mod flow;
mod http_client;
mod keeper;

pub use flow::{Authorization, begin_authorization, finish_authorization};
pub use keeper::TokenKeeper;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// What is sealed as an OAuth account's secret.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TokenSet {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &"<redacted>")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl TokenSet {
    pub fn to_secret(&self) -> Result<Zeroizing<Vec<u8>>, OAuthError> {
        serde_json::to_vec(self)
            .map(Zeroizing::new)
            .map_err(|e| OAuthError::Malformed(e.to_string()))
    }

    pub fn from_secret(secret: &[u8]) -> Result<Self, OAuthError> {
        serde_json::from_slice(secret)
            .map_err(|_| OAuthError::Malformed("the stored token set".into()))
    }
}

/// An identity provider's endpoints and what to ask it for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthEndpoints {
    pub authorize_url: String,
    pub token_url: String,
    pub scopes: Vec<String>,
    /// Provider specifics (Google: `access_type=offline`, `prompt=consent` to get a refresh token).
    pub extra_authorize_params: Vec<(String, String)>,
}

/// The registered application (client) calsync acts as.
#[derive(Clone)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthApp")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("invalid OAuth configuration: {0}")]
    Config(String),
    /// The user denied access, or the redirect did not come from our own request.
    #[error("authorization refused: {0}")]
    Refused(String),
    /// The token endpoint said no (revoked or expired refresh token, bad client).
    #[error("the identity provider refused the token request: {0}")]
    Rejected(String),
    #[error("the identity provider could not be reached: {0}")]
    Unreachable(String),
    #[error("malformed OAuth data: {0}")]
    Malformed(String),
}
