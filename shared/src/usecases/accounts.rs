//! Connecting accounts: discovery, sealing the credential, storing what was found.

use super::{Connector, Credentials, UseCaseError};
use crate::domain::{Account, AccountId, AccountKind, CalendarId, CalendarInfo, TenantId};
use crate::ports::{SealContext, SealError, SecretSealer, SecretSink, Store};
use async_trait::async_trait;
use chrono::Utc;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use zeroize::Zeroizing;

#[derive(Debug, Clone)]
pub struct AddedAccount {
    pub account: Account,
    pub calendars: Vec<CalendarInfo>,
}

#[derive(Clone)]
pub struct AccountService {
    pub tenant: TenantId,
    pub store: Arc<dyn Store>,
    pub sealer: Arc<dyn SecretSealer>,
    pub connector: Arc<dyn Connector>,
}

impl AccountService {
    /// Discovers the calendars behind `url`, then stores the account with its password sealed.
    pub async fn add_caldav(
        &self,
        name: &str,
        url: &str,
        username: &str,
        password: Zeroizing<String>,
    ) -> Result<AddedAccount, UseCaseError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(UseCaseError::Invalid(
                "the account name must not be empty".into(),
            ));
        }
        if self.find(name).await?.is_some() {
            return Err(UseCaseError::Conflict(format!(
                "an account named {name:?} already exists"
            )));
        }
        let credentials = Credentials {
            kind: AccountKind::Caldav,
            url: Some(url.to_string()),
            username: Some(username.to_string()),
            secret: Zeroizing::new(password.as_bytes().to_vec()),
            renewed: None,
        };
        let provider = self.connector.connect(&credentials).await?;
        let discovered = provider.calendars().await?;
        if discovered.is_empty() {
            return Err(UseCaseError::Invalid(format!(
                "no event calendars found at {url} for {username}"
            )));
        }
        let id = account_id(AccountKind::Caldav, url, username)?;
        let context = SealContext {
            tenant: self.tenant.clone(),
            account: id.clone(),
        };
        let sealed_secret = self.sealer.seal(&context, &credentials.secret).await?;
        let account = Account {
            id: id.clone(),
            name: name.to_string(),
            kind: AccountKind::Caldav,
            url: Some(url.to_string()),
            username: Some(username.to_string()),
            sealed_secret,
            created_at: Utc::now(),
        };
        self.store.put_account(&self.tenant, &account).await?;
        let calendars = self
            .store_calendars(&id, AccountKind::Caldav, discovered)
            .await?;
        Ok(AddedAccount { account, calendars })
    }

    /// Stores an OAuth account (Google, Microsoft) whose token set was just obtained, after
    /// discovering its calendars with it.
    pub async fn add_oauth(
        &self,
        name: &str,
        kind: AccountKind,
        token_set: Zeroizing<Vec<u8>>,
    ) -> Result<AddedAccount, UseCaseError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(UseCaseError::Invalid(
                "the account name must not be empty".into(),
            ));
        }
        if self.find(name).await?.is_some() {
            return Err(UseCaseError::Conflict(format!(
                "an account named {name:?} already exists"
            )));
        }
        let credentials = Credentials {
            kind,
            url: None,
            username: None,
            secret: token_set,
            renewed: None,
        };
        let provider = self.connector.connect(&credentials).await?;
        let discovered = provider.calendars().await?;
        if discovered.is_empty() {
            return Err(UseCaseError::Invalid(
                "the account has no event calendars".into(),
            ));
        }
        // The owner's address names the account (so adding it again keeps its id).
        let owner = discovered
            .iter()
            .flat_map(|c| c.owner_emails.iter())
            .next()
            .cloned()
            .unwrap_or_else(|| discovered[0].url.clone());
        let id = account_id(kind, "", &owner)?;
        let context = SealContext {
            tenant: self.tenant.clone(),
            account: id.clone(),
        };
        let sealed_secret = self.sealer.seal(&context, &credentials.secret).await?;
        let account = Account {
            id: id.clone(),
            name: name.to_string(),
            kind,
            url: None,
            username: Some(owner),
            sealed_secret,
            created_at: Utc::now(),
        };
        self.store.put_account(&self.tenant, &account).await?;
        let calendars = self.store_calendars(&id, kind, discovered).await?;
        Ok(AddedAccount { account, calendars })
    }

    async fn store_calendars(
        &self,
        account: &AccountId,
        kind: AccountKind,
        discovered: Vec<crate::ports::DiscoveredCalendar>,
    ) -> Result<Vec<CalendarInfo>, UseCaseError> {
        let mut calendars = Vec::new();
        for found in discovered {
            // Provider calendar ids are unique per account only: the account is part of the address.
            let address = match kind {
                AccountKind::Caldav => found.url.clone(),
                _ => format!("{account}/{}", found.url),
            };
            let calendar = CalendarInfo {
                id: CalendarId::derive(kind.as_str(), &address),
                account: account.clone(),
                name: found.name,
                url: found.url,
                color: found.color,
                owner_emails: found.owner_emails,
                read_only: found.read_only,
                capabilities: found.capabilities,
            };
            self.store.put_calendar(&self.tenant, &calendar).await?;
            calendars.push(calendar);
        }
        Ok(calendars)
    }

    pub async fn list(&self) -> Result<Vec<Account>, UseCaseError> {
        Ok(self.store.list_accounts(&self.tenant).await?)
    }

    pub async fn find(&self, name: &str) -> Result<Option<Account>, UseCaseError> {
        Ok(self.list().await?.into_iter().find(|a| a.name == name))
    }

    pub async fn remove(&self, name: &str) -> Result<(), UseCaseError> {
        let account = self
            .find(name)
            .await?
            .ok_or_else(|| UseCaseError::NotFound(format!("account {name:?}")))?;
        let calendars = self.store.list_calendars(&self.tenant).await?;
        let links = self.store.list_links(&self.tenant).await?;
        for link in &links {
            let used = calendars
                .iter()
                .any(|c| c.account == account.id && link.contains(&c.id));
            if used {
                return Err(UseCaseError::Invalid(format!(
                    "account {name:?} has calendars in link {:?}; remove the link first",
                    link.name
                )));
            }
        }
        Ok(self.store.delete_account(&self.tenant, &account.id).await?)
    }

    /// Opens an account's credentials for one pass.
    pub async fn credentials(&self, account: &Account) -> Result<Credentials, UseCaseError> {
        let context = SealContext {
            tenant: self.tenant.clone(),
            account: account.id.clone(),
        };
        let secret = self.sealer.open(&context, &account.sealed_secret).await?;
        Ok(Credentials {
            kind: account.kind,
            url: account.url.clone(),
            username: account.username.clone(),
            secret,
            renewed: Some(Arc::new(RenewedSecret {
                service: self.clone(),
                account: account.id.clone(),
            })),
        })
    }
}

/// Seals a renewed secret and stores it with its account.
struct RenewedSecret {
    service: AccountService,
    account: AccountId,
}

#[async_trait]
impl SecretSink for RenewedSecret {
    async fn store(&self, secret: &[u8]) -> Result<(), SealError> {
        let service = &self.service;
        let context = SealContext {
            tenant: service.tenant.clone(),
            account: self.account.clone(),
        };
        let sealed = service.sealer.seal(&context, secret).await?;
        let stored = service
            .store
            .get_account(&service.tenant, &self.account)
            .await;
        let mut account = match stored {
            Ok(Some(account)) => account,
            Ok(None) => {
                return Err(SealError::KeyUnavailable(format!(
                    "account {} is gone",
                    self.account
                )));
            }
            Err(error) => return Err(SealError::KeyUnavailable(error.to_string())),
        };
        account.sealed_secret = sealed;
        service
            .store
            .put_account(&service.tenant, &account)
            .await
            .map_err(|error| SealError::NotStored(error.to_string()))
    }
}

/// Derived from what identifies the account, so adding it again keeps its id.
fn account_id(kind: AccountKind, url: &str, username: &str) -> Result<AccountId, UseCaseError> {
    let digest = Sha256::digest(format!("{}\n{url}\n{username}", kind.as_str()).as_bytes());
    Ok(AccountId::parse(format!(
        "a{}",
        &hex::encode(digest)[..12]
    ))?)
}
