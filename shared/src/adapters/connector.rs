//! The composition root's [`Connector`]: which adapter serves which kind of account.

use super::caldav::{CaldavAccount, CaldavOptions};
use super::endpoints::{OAuthApps, ProviderEndpoints};
use super::graph::GraphAccount;
use super::net_guard::NetGuard;
use super::oauth::TokenSet;
use crate::domain::AccountKind;
use crate::ports::{CalendarProvider, ProviderError};
use crate::usecases::{Connector, Credentials};
use async_trait::async_trait;
use std::sync::Arc;
use zeroize::Zeroizing;

#[derive(Debug, Clone)]
pub struct ProviderConnector {
    /// Timeouts, size limits and the URL policy (SSRF guard) of every CalDAV account.
    pub caldav: CaldavOptions,
    /// Where Google and Microsoft live (public endpoints, or emulators in tests).
    pub endpoints: ProviderEndpoints,
    /// The OAuth applications used to refresh Google and Microsoft tokens.
    pub apps: OAuthApps,
}

impl Default for ProviderConnector {
    /// Public endpoints, no OAuth applications: CalDAV only.
    fn default() -> Self {
        Self {
            caldav: CaldavOptions::default(),
            endpoints: ProviderEndpoints::from_lookup(|_| None),
            apps: OAuthApps::default(),
        }
    }
}

impl ProviderConnector {
    /// Endpoints and OAuth applications from the environment (`CALSYNC_*`); CalDAV servers
    /// anywhere (the embedded runtime: self-hosters sync servers on their own network).
    pub fn from_env() -> Self {
        Self {
            caldav: CaldavOptions::default(),
            endpoints: ProviderEndpoints::from_env(),
            apps: OAuthApps::from_env(),
        }
    }

    /// The same, with every CalDAV connection behind `guard` (the serverless deployment:
    /// a tenant's address must not reach the cloud's internal network).
    pub fn with_net_guard(self, guard: &NetGuard) -> Self {
        Self {
            caldav: guard.guard(self.caldav),
            ..self
        }
    }
}

impl ProviderConnector {
    fn microsoft(
        &self,
        credentials: &Credentials,
    ) -> Result<Arc<dyn CalendarProvider>, ProviderError> {
        let app = self.apps.microsoft.clone().ok_or_else(|| {
            ProviderError::Permanent(
                "no Microsoft OAuth application is configured (CALSYNC_MS_CLIENT_ID)".into(),
            )
        })?;
        let tokens = TokenSet::from_secret(&credentials.secret).map_err(|_| {
            ProviderError::Permanent("the stored Microsoft token set cannot be read".into())
        })?;
        Ok(Arc::new(GraphAccount::new(
            &self.endpoints.graph_api,
            self.endpoints.microsoft_oauth.clone(),
            app,
            tokens,
            credentials.renewed.clone(),
        )?))
    }
}

#[async_trait]
impl Connector for ProviderConnector {
    async fn connect(
        &self,
        credentials: &Credentials,
    ) -> Result<Arc<dyn CalendarProvider>, ProviderError> {
        match credentials.kind {
            AccountKind::Caldav => {
                let url = credentials.url.as_deref().ok_or_else(|| {
                    ProviderError::Permanent("a CalDAV account needs an address".into())
                })?;
                let username = credentials.username.as_deref().unwrap_or_default();
                let password = std::str::from_utf8(&credentials.secret).map_err(|_| {
                    ProviderError::Permanent("the stored CalDAV password is not UTF-8".into())
                })?;
                let account = CaldavAccount::new(
                    url,
                    username,
                    Zeroizing::new(password.to_string()),
                    self.caldav.clone(),
                )?;
                Ok(Arc::new(account))
            }
            AccountKind::Google => Ok(Arc::new(super::google::GoogleAccount::from_credentials(
                credentials,
                &self.endpoints,
                self.apps.google.as_ref(),
            )?)),
            AccountKind::Microsoft => self.microsoft(credentials),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials(kind: AccountKind, url: Option<&str>, secret: &[u8]) -> Credentials {
        Credentials {
            kind,
            url: url.map(str::to_string),
            username: Some("alice".into()),
            secret: Zeroizing::new(secret.to_vec()),
            renewed: None,
        }
    }

    #[tokio::test]
    async fn a_caldav_account_connects_without_network_io() {
        let connector = ProviderConnector::default();
        let connected = connector
            .connect(&credentials(
                AccountKind::Caldav,
                Some("https://dav.example/"),
                b"pw",
            ))
            .await;
        assert!(connected.is_ok());
    }

    #[tokio::test]
    async fn cloud_accounts_connect_from_their_token_sets_without_network_io() {
        let app = crate::adapters::oauth::OAuthApp {
            client_id: "app".into(),
            client_secret: None,
        };
        let mut connector = ProviderConnector::default();
        connector.apps.google = Some(app.clone());
        connector.apps.microsoft = Some(app);
        let secret = TokenSet {
            access_token: "a".into(),
            refresh_token: Some("r".into()),
            expires_at: None,
        }
        .to_secret()
        .unwrap();
        for (kind, unreadable) in [
            (AccountKind::Google, "reconnect"),
            (AccountKind::Microsoft, "token set"),
        ] {
            let connected = connector.connect(&credentials(kind, None, &secret)).await;
            assert!(connected.is_ok_and(|p| p.push().is_some()), "{kind:?}");
            let Err(ProviderError::Permanent(message)) = connector
                .connect(&credentials(kind, None, b"not json"))
                .await
            else {
                panic!("{kind:?}: an unreadable token set should be refused");
            };
            assert!(message.contains(unreadable), "{kind:?}: {message}");
        }
    }

    #[tokio::test]
    async fn unusable_credentials_are_refused_clearly() {
        let connector = ProviderConnector::default();
        for (creds, expected) in [
            (
                credentials(AccountKind::Caldav, None, b"pw"),
                "needs an address",
            ),
            (
                credentials(AccountKind::Caldav, Some("https://dav.example/"), &[0xff]),
                "not UTF-8",
            ),
            (
                credentials(AccountKind::Caldav, Some("https://u:p@dav.example/"), b"pw"),
                "must not contain credentials",
            ),
            (
                credentials(AccountKind::Caldav, Some("ftp://dav.example/"), b"pw"),
                "unsupported URL scheme",
            ),
            (
                credentials(AccountKind::Google, None, b"{}"),
                "no Google OAuth application",
            ),
            (
                credentials(AccountKind::Microsoft, None, b"{}"),
                "no Microsoft OAuth application",
            ),
        ] {
            let Err(ProviderError::Permanent(message)) = connector.connect(&creds).await else {
                panic!("{creds:?} should be refused");
            };
            assert!(message.contains(expected), "{message}");
        }
    }
}
