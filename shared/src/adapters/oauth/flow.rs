//! Connecting an account: the authorization-code flow with PKCE (RFC 7636) through a
//! loopback redirect (RFC 8252 §7.3).

use super::http_client::OAuthHttp;
use super::{OAuthApp, OAuthEndpoints, OAuthError, TokenSet};
use chrono::{TimeDelta, Utc};
use oauth2::basic::{BasicClient, BasicErrorResponse, BasicTokenResponse};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use subtle::ConstantTimeEq;

/// An authorization started: send the user to `url`, then finish with what the redirect brings.
pub struct Authorization {
    pub url: String,
    state: CsrfToken,
    verifier: PkceCodeVerifier,
    redirect_uri: String,
}

impl Authorization {
    /// The `state` the redirect must bring back (a bearer secret until it is used).
    pub fn state(&self) -> &str {
        self.state.secret()
    }

    /// The PKCE verifier, for a caller that keeps the authorization across processes (the
    /// serverless API seals it until the callback arrives).
    pub fn pkce_verifier(&self) -> &str {
        self.verifier.secret()
    }

    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// An authorization started elsewhere, from what [`state`](Self::state),
    /// [`pkce_verifier`](Self::pkce_verifier) and [`redirect_uri`](Self::redirect_uri) gave.
    pub fn resume(state: String, verifier: String, redirect_uri: String) -> Self {
        Self {
            url: String::new(),
            state: CsrfToken::new(state),
            verifier: PkceCodeVerifier::new(verifier),
            redirect_uri,
        }
    }
}

pub fn begin_authorization(
    endpoints: &OAuthEndpoints,
    app: &OAuthApp,
    redirect_uri: &str,
) -> Result<Authorization, OAuthError> {
    let client = client(endpoints, app, redirect_uri)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge);
    for scope in &endpoints.scopes {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    for (name, value) in &endpoints.extra_authorize_params {
        request = request.add_extra_param(name.clone(), value.clone());
    }
    let (url, state) = request.url();
    Ok(Authorization {
        url: url.to_string(),
        state,
        verifier,
        redirect_uri: redirect_uri.to_string(),
    })
}

/// Exchanges the code the redirect brought, after checking it answers our own request.
pub async fn finish_authorization(
    http: &reqwest::Client,
    endpoints: &OAuthEndpoints,
    app: &OAuthApp,
    authorization: Authorization,
    code: &str,
    state: &str,
) -> Result<TokenSet, OAuthError> {
    let expected = authorization.state.secret().as_bytes();
    if !bool::from(expected.ct_eq(state.as_bytes())) {
        return Err(OAuthError::Refused(
            "the redirect's state does not match this request (possible CSRF)".into(),
        ));
    }
    let client = client(endpoints, app, &authorization.redirect_uri)?;
    let response = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .set_pkce_verifier(authorization.verifier)
        // A named client, not a closure: see `OAuthHttp` (callers' futures must be Send).
        .request_async(&OAuthHttp(http.clone()))
        .await
        .map_err(token_error)?;
    Ok(token_set(&response, None))
}

pub(super) type Client = BasicClient<
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

pub(super) fn client(
    endpoints: &OAuthEndpoints,
    app: &OAuthApp,
    redirect_uri: &str,
) -> Result<Client, OAuthError> {
    let config =
        |what: &str, e: oauth2::url::ParseError| OAuthError::Config(format!("{what}: {e}"));
    let mut client = BasicClient::new(ClientId::new(app.client_id.clone()))
        .set_auth_uri(
            AuthUrl::new(endpoints.authorize_url.clone())
                .map_err(|e| config("authorize URL", e))?,
        )
        .set_token_uri(
            TokenUrl::new(endpoints.token_url.clone()).map_err(|e| config("token URL", e))?,
        );
    if !redirect_uri.is_empty() {
        client = client.set_redirect_uri(
            RedirectUrl::new(redirect_uri.to_string()).map_err(|e| config("redirect URI", e))?,
        );
    }
    if let Some(secret) = &app.client_secret {
        client = client.set_client_secret(ClientSecret::new(secret.to_string()));
    }
    Ok(client)
}

pub(super) fn token_set(response: &BasicTokenResponse, previous_refresh: Option<&str>) -> TokenSet {
    TokenSet {
        access_token: response.access_token().secret().clone(),
        // Refreshes often omit the refresh token: the old one stays valid then.
        refresh_token: response
            .refresh_token()
            .map(|t| t.secret().clone())
            .or_else(|| previous_refresh.map(str::to_string)),
        expires_at: response
            .expires_in()
            .and_then(|d| TimeDelta::from_std(d).ok())
            .map(|d| Utc::now() + d),
    }
}

pub(super) fn token_error<E: std::error::Error>(
    error: RequestTokenError<E, BasicErrorResponse>,
) -> OAuthError {
    match error {
        // The provider's error code (invalid_grant, ...), never its description, which may echo input.
        RequestTokenError::ServerResponse(response) => {
            OAuthError::Rejected(response.error().to_string())
        }
        RequestTokenError::Request(e) => OAuthError::Unreachable(e.to_string()),
        RequestTokenError::Parse(..) => OAuthError::Malformed("the token response".into()),
        RequestTokenError::Other(reason) => OAuthError::Rejected(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoints() -> OAuthEndpoints {
        OAuthEndpoints {
            authorize_url: "https://accounts.example.org/o/auth".into(),
            token_url: "https://accounts.example.org/token".into(),
            scopes: vec!["calendar".into(), "offline_access".into()],
            extra_authorize_params: vec![("access_type".into(), "offline".into())],
        }
    }

    fn app() -> OAuthApp {
        OAuthApp {
            client_id: "client-1".into(),
            client_secret: None,
        }
    }

    #[test]
    fn the_authorization_url_carries_pkce_state_scopes_and_extras() {
        let auth =
            begin_authorization(&endpoints(), &app(), "http://127.0.0.1:5555/callback").unwrap();
        let url = url::Url::parse(&auth.url).unwrap();
        let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(query["response_type"], "code");
        assert_eq!(query["client_id"], "client-1");
        assert_eq!(query["code_challenge_method"], "S256");
        assert!(query["code_challenge"].len() >= 43);
        assert_eq!(query["state"], auth.state.secret().as_str());
        assert_eq!(query["scope"], "calendar offline_access");
        assert_eq!(query["access_type"], "offline");
        assert_eq!(query["redirect_uri"], "http://127.0.0.1:5555/callback");
        let again =
            begin_authorization(&endpoints(), &app(), "http://127.0.0.1:5555/callback").unwrap();
        assert_ne!(
            again.state.secret(),
            auth.state.secret(),
            "a fresh state per request"
        );
    }

    #[tokio::test]
    async fn a_redirect_with_another_state_is_refused_before_any_request() {
        let auth =
            begin_authorization(&endpoints(), &app(), "http://127.0.0.1:5555/callback").unwrap();
        // The token URL is unreachable: a refusal proves nothing was sent.
        let result = finish_authorization(
            &reqwest::Client::new(),
            &endpoints(),
            &app(),
            auth,
            "code",
            "forged",
        )
        .await;
        assert!(matches!(result, Err(OAuthError::Refused(_))), "{result:?}");
    }

    #[test]
    fn token_sets_never_print_their_tokens() {
        let tokens = TokenSet {
            access_token: "ya29.secret".into(),
            refresh_token: Some("1//refresh".into()),
            expires_at: None,
        };
        let shown = format!("{tokens:?}");
        assert!(!shown.contains("ya29") && !shown.contains("1//"), "{shown}");
        assert_eq!(
            TokenSet::from_secret(&tokens.to_secret().unwrap()).unwrap(),
            tokens
        );
    }
}
