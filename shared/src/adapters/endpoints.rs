//! Where the cloud providers live. Every endpoint can be overridden from the environment, so
//! tests, sovereign clouds and emulators can be targeted without code changes.

use super::oauth::{OAuthApp, OAuthEndpoints};
use zeroize::Zeroizing;

pub const GOOGLE_API_DEFAULT: &str = "https://www.googleapis.com/calendar/v3";
pub const GOOGLE_AUTHORIZE_DEFAULT: &str = "https://accounts.google.com/o/oauth2/v2/auth";
pub const GOOGLE_TOKEN_DEFAULT: &str = "https://oauth2.googleapis.com/token";
pub const GRAPH_API_DEFAULT: &str = "https://graph.microsoft.com/v1.0";
pub const MS_LOGIN_DEFAULT: &str = "https://login.microsoftonline.com";

/// Google asks for consent again (`prompt=consent`) so that it always returns a refresh token.
const GOOGLE_SCOPES: &[&str] = &["https://www.googleapis.com/auth/calendar"];
/// `offline_access` is what makes the Microsoft identity platform return a refresh token.
const MS_SCOPES: &[&str] = &["offline_access", "User.Read", "Calendars.ReadWrite"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderEndpoints {
    /// Google Calendar API v3 base (`CALSYNC_GOOGLE_API_URL`).
    pub google_api: String,
    pub google_oauth: OAuthEndpoints,
    /// Microsoft Graph v1.0 base (`CALSYNC_GRAPH_API_URL`).
    pub graph_api: String,
    pub microsoft_oauth: OAuthEndpoints,
}

impl ProviderEndpoints {
    /// From `CALSYNC_GOOGLE_API_URL`, `CALSYNC_GOOGLE_OAUTH_URL` (a base: `<base>/o/oauth2/v2/auth`
    /// and `<base>/token`), `CALSYNC_GRAPH_API_URL`, `CALSYNC_MS_LOGIN_URL` (a base:
    /// `<base>/<tenant>/oauth2/v2.0/{authorize,token}`) and `CALSYNC_MS_TENANT` (`common`).
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Self {
        let trim = |url: String| url.trim_end_matches('/').to_string();
        let (google_authorize, google_token) = match var("CALSYNC_GOOGLE_OAUTH_URL").map(trim) {
            Some(base) => (format!("{base}/o/oauth2/v2/auth"), format!("{base}/token")),
            None => (
                GOOGLE_AUTHORIZE_DEFAULT.to_string(),
                GOOGLE_TOKEN_DEFAULT.to_string(),
            ),
        };
        let login = var("CALSYNC_MS_LOGIN_URL")
            .map(trim)
            .unwrap_or_else(|| MS_LOGIN_DEFAULT.into());
        let ms_tenant = var("CALSYNC_MS_TENANT").unwrap_or_else(|| "common".into());
        Self {
            google_api: var("CALSYNC_GOOGLE_API_URL")
                .map(trim)
                .unwrap_or_else(|| GOOGLE_API_DEFAULT.into()),
            google_oauth: OAuthEndpoints {
                authorize_url: google_authorize,
                token_url: google_token,
                scopes: GOOGLE_SCOPES.iter().map(|s| s.to_string()).collect(),
                extra_authorize_params: vec![
                    ("access_type".into(), "offline".into()),
                    ("prompt".into(), "consent".into()),
                ],
            },
            graph_api: var("CALSYNC_GRAPH_API_URL")
                .map(trim)
                .unwrap_or_else(|| GRAPH_API_DEFAULT.into()),
            microsoft_oauth: OAuthEndpoints {
                authorize_url: format!("{login}/{ms_tenant}/oauth2/v2.0/authorize"),
                token_url: format!("{login}/{ms_tenant}/oauth2/v2.0/token"),
                scopes: MS_SCOPES.iter().map(|s| s.to_string()).collect(),
                extra_authorize_params: Vec::new(),
            },
        }
    }
}

/// The OAuth applications calsync is registered as, from `CALSYNC_GOOGLE_CLIENT_ID` /
/// `CALSYNC_GOOGLE_CLIENT_SECRET` and `CALSYNC_MS_CLIENT_ID` / `CALSYNC_MS_CLIENT_SECRET`.
#[derive(Debug, Clone, Default)]
pub struct OAuthApps {
    pub google: Option<OAuthApp>,
    pub microsoft: Option<OAuthApp>,
}

impl OAuthApps {
    pub fn from_env() -> Self {
        let app = |id: &str, secret: &str| {
            let client_id = std::env::var(id).ok().filter(|v| !v.is_empty())?;
            Some(OAuthApp {
                client_id,
                client_secret: std::env::var(secret)
                    .ok()
                    .filter(|v| !v.is_empty())
                    .map(Zeroizing::new),
            })
        };
        Self {
            google: app("CALSYNC_GOOGLE_CLIENT_ID", "CALSYNC_GOOGLE_CLIENT_SECRET"),
            microsoft: app("CALSYNC_MS_CLIENT_ID", "CALSYNC_MS_CLIENT_SECRET"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_public_endpoints() {
        let e = ProviderEndpoints::from_lookup(|_| None);
        assert_eq!(e.google_api, GOOGLE_API_DEFAULT);
        assert_eq!(e.google_oauth.token_url, GOOGLE_TOKEN_DEFAULT);
        assert_eq!(
            e.microsoft_oauth.authorize_url,
            "https://login.microsoftonline.com/common/oauth2/v2.0/authorize"
        );
        assert!(
            e.microsoft_oauth
                .scopes
                .contains(&"offline_access".to_string())
        );
    }

    #[test]
    fn every_endpoint_can_point_at_an_emulator() {
        let e = ProviderEndpoints::from_lookup(|name| match name {
            "CALSYNC_GOOGLE_API_URL" => Some("http://127.0.0.1:1/calendar/v3/".into()),
            "CALSYNC_GOOGLE_OAUTH_URL" => Some("http://127.0.0.1:1".into()),
            "CALSYNC_GRAPH_API_URL" => Some("http://127.0.0.1:2/v1.0".into()),
            "CALSYNC_MS_LOGIN_URL" => Some("http://127.0.0.1:2/".into()),
            _ => None,
        });
        assert_eq!(e.google_api, "http://127.0.0.1:1/calendar/v3");
        assert_eq!(
            e.google_oauth.authorize_url,
            "http://127.0.0.1:1/o/oauth2/v2/auth"
        );
        assert_eq!(e.google_oauth.token_url, "http://127.0.0.1:1/token");
        assert_eq!(e.graph_api, "http://127.0.0.1:2/v1.0");
        assert_eq!(
            e.microsoft_oauth.token_url,
            "http://127.0.0.1:2/common/oauth2/v2.0/token"
        );
    }
}
