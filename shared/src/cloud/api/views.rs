//! What the API answers with. Accounts are shown without their sealed secret.

use crate::domain::{Account, AccountId, AccountKind, CalendarInfo};
use crate::usecases::AddedAccount;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct AccountView {
    pub id: AccountId,
    pub name: String,
    pub kind: AccountKind,
    pub url: Option<String>,
    pub username: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<&Account> for AccountView {
    fn from(account: &Account) -> Self {
        Self {
            id: account.id.clone(),
            name: account.name.clone(),
            kind: account.kind,
            url: account.url.clone(),
            username: account.username.clone(),
            created_at: account.created_at,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AddedAccountView {
    pub account: AccountView,
    pub calendars: Vec<CalendarInfo>,
}

impl From<&AddedAccount> for AddedAccountView {
    fn from(added: &AddedAccount) -> Self {
        Self {
            account: AccountView::from(&added.account),
            calendars: added.calendars.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AuthorizationStarted {
    /// Where to send the user's browser; the provider redirects back to the callback.
    pub authorization_url: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SyncQueued {
    pub queued: bool,
    pub calendars: Vec<crate::domain::CalendarId>,
}
