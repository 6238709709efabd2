//! `/api/accounts*` and `/api/calendars`: connecting, listing and removing accounts.

use super::error::ApiError;
use super::http::ApiResponse;
use super::views::{AccountView, AddedAccountView, AuthorizationStarted};
use super::{Api, TenantRequest, parse_body};
use crate::domain::{AccountId, AccountKind};
use crate::usecases::UseCaseError;
use serde::Deserialize;
use zeroize::Zeroizing;

/// Longer fields are refused: no sane address, user name or password is this long.
const MAX_FIELD: usize = 2048;
const MAX_NAME: usize = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddCaldav {
    name: String,
    url: String,
    username: String,
    #[serde(deserialize_with = "zeroizing")]
    password: Zeroizing<String>,
}

fn zeroizing<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Zeroizing<String>, D::Error> {
    String::deserialize(d).map(Zeroizing::new)
}

impl std::fmt::Debug for AddCaldav {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddCaldav")
            .field("name", &self.name)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StartOAuth {
    name: String,
}

fn check_name(name: &str) -> Result<(), ApiError> {
    if name.trim().is_empty() || name.len() > MAX_NAME {
        return Err(ApiError::Unprocessable(format!(
            "the account name must be 1 to {MAX_NAME} characters"
        )));
    }
    Ok(())
}

impl Api {
    pub(super) async fn add_caldav(
        &self,
        request: &TenantRequest,
    ) -> Result<ApiResponse, ApiError> {
        let input: AddCaldav = parse_body(&request.body)?;
        check_name(&input.name)?;
        for (field, value) in [("url", &input.url), ("username", &input.username)] {
            if value.trim().is_empty() || value.len() > MAX_FIELD {
                return Err(ApiError::Unprocessable(format!(
                    "{field} must be 1 to {MAX_FIELD} characters"
                )));
            }
        }
        if input.password.len() > MAX_FIELD {
            return Err(ApiError::Unprocessable(format!(
                "password must be at most {MAX_FIELD} characters"
            )));
        }
        let added = self
            .accounts(&request.tenant)
            .add_caldav(
                &input.name,
                input.url.trim(),
                &input.username,
                input.password,
            )
            .await?;
        Ok(ApiResponse::json(201, &AddedAccountView::from(&added)))
    }

    pub(super) async fn start_oauth(
        &self,
        request: &TenantRequest,
        kind: AccountKind,
    ) -> Result<ApiResponse, ApiError> {
        self.flows.ensure_enabled(kind)?;
        let input: StartOAuth = parse_body(&request.body)?;
        check_name(&input.name)?;
        let name = input.name.trim();
        // Checked now too, so the user is not sent through a consent that cannot succeed.
        if self.accounts(&request.tenant).find(name).await?.is_some() {
            return Err(ApiError::Conflict(format!(
                "an account named {name:?} already exists"
            )));
        }
        let (authorization_url, expires_at) = self
            .flows
            .begin(&request.tenant, kind, name, (self.clock)())
            .await?;
        Ok(ApiResponse::json(
            201,
            &AuthorizationStarted {
                authorization_url,
                expires_at,
            },
        ))
    }

    pub(super) async fn list_accounts(
        &self,
        request: &TenantRequest,
    ) -> Result<ApiResponse, ApiError> {
        let accounts = self.accounts(&request.tenant).list().await?;
        let views: Vec<AccountView> = accounts.iter().map(AccountView::from).collect();
        Ok(ApiResponse::json(200, &views))
    }

    pub(super) async fn delete_account(
        &self,
        request: &TenantRequest,
        id: &str,
    ) -> Result<ApiResponse, ApiError> {
        let account = self.own_account(request, id).await?;
        match self.accounts(&request.tenant).remove(&account.name).await {
            Ok(()) => Ok(ApiResponse::no_content()),
            // Its calendars are in a link: the state of the account forbids it.
            Err(UseCaseError::Invalid(why)) => Err(ApiError::Conflict(why)),
            Err(other) => Err(other.into()),
        }
    }

    pub(super) async fn list_calendars(
        &self,
        request: &TenantRequest,
    ) -> Result<ApiResponse, ApiError> {
        let mut calendars = self.deps.store.list_calendars(&request.tenant).await?;
        if let Some(account) = request.query_param("account") {
            let account = self.own_account(request, &account).await?;
            calendars.retain(|c| c.account == account.id);
        }
        Ok(ApiResponse::json(200, &calendars))
    }

    /// The tenant's account `id`; anything else (malformed, unknown, another tenant's) is
    /// the same 404.
    async fn own_account(
        &self,
        request: &TenantRequest,
        id: &str,
    ) -> Result<crate::domain::Account, ApiError> {
        let not_found = || ApiError::NotFound(format!("account {id:?}"));
        let id = AccountId::parse(id).map_err(|_| not_found())?;
        self.deps
            .store
            .get_account(&request.tenant, &id)
            .await?
            .ok_or_else(not_found)
    }
}
