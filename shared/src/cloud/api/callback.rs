//! `GET /oauth/{google|microsoft}/callback`: where the provider sends the user's browser
//! back. It answers with a small page for the user, never with tokens or the code.

use super::Api;
use super::http::{ApiRequest, ApiResponse};
use super::oauth::CallbackError;
use crate::domain::AccountKind;

impl Api {
    pub(super) async fn oauth_callback(
        &self,
        request: &ApiRequest,
        kind: AccountKind,
    ) -> ApiResponse {
        let (code, state, error) = (
            request.query_param("code"),
            request.query_param("state"),
            request.query_param("error"),
        );
        let finished = self
            .flows
            .finish(
                kind,
                code.as_deref(),
                state.as_deref(),
                error.as_deref(),
                (self.clock)(),
            )
            .await;
        let authorized = match finished {
            Ok(authorized) => authorized,
            Err(error) => return failure_page(&error),
        };
        let added = match authorized.tokens.to_secret() {
            Ok(secret) => {
                self.accounts(&authorized.tenant)
                    .add_oauth(&authorized.account_name, kind, secret)
                    .await
            }
            Err(e) => return failure_page(&CallbackError::Exchange(e)),
        };
        match added {
            Ok(added) => {
                tracing::info!(
                    tenant = %authorized.tenant,
                    account = %added.account.id,
                    calendars = added.calendars.len(),
                    "account connected through the OAuth callback"
                );
                page(
                    200,
                    "Connected",
                    &format!(
                        "calsync connected the {} account \u{201c}{}\u{201d} with {} calendar(s). \
                         You can close this tab.",
                        kind.as_str(),
                        added.account.name,
                        added.calendars.len()
                    ),
                )
            }
            Err(error) => failure_page(&CallbackError::Api(error.into())),
        }
    }
}

fn failure_page(error: &CallbackError) -> ApiResponse {
    let status = match error {
        CallbackError::UnknownState | CallbackError::Denied(_) => 400,
        CallbackError::Exchange(_) => 502,
        CallbackError::Api(api) => api.status(),
    };
    if let CallbackError::Api(api) = error
        && let Some(cause) = api.cause()
    {
        tracing::error!(%cause, "OAuth callback failed");
    } else {
        tracing::warn!(status, error = %error, "OAuth callback refused");
    }
    page(
        status,
        "Not connected",
        &format!("calsync could not connect the account: {error}."),
    )
}

fn page(status: u16, title: &str, message: &str) -> ApiResponse {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>calsync: {}</title></head>\
         <body><h1>{}</h1><p>{}</p></body></html>",
        escape(title),
        escape(title),
        escape(message)
    );
    ApiResponse::html(status, body)
        // The address bar holds the authorization code: no referrer to anything linked.
        .with_header("referrer-policy", "no-referrer")
        .with_header("content-security-policy", "default-src 'none'")
}

/// The account name is the tenant's own text: escaped like any other.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_escape_what_they_show() {
        let response = page(
            200,
            "Connected",
            "account <script>alert('x')</script> & more",
        );
        assert!(!response.body.contains("<script>"), "{}", response.body);
        assert!(response.body.contains("&lt;script&gt;"));
        assert_eq!(response.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(response.content_type, "text/html; charset=utf-8");
    }
}
