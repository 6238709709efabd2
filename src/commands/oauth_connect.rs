//! Connecting a Google or Microsoft account: the authorization-code flow with PKCE through a
//! loopback redirect (RFC 8252 §7.3). calsync prints the address to open, listens on
//! 127.0.0.1 for the browser to come back, exchanges the code, and seals the tokens.

use crate::runtime::Embedded;
use anyhow::{Context, anyhow, bail};
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use calsync_core::adapters::endpoints::{OAuthApps, ProviderEndpoints};
use calsync_core::adapters::oauth::{begin_authorization, finish_authorization};
use calsync_core::domain::AccountKind;
use calsync_core::usecases::AddedAccount;
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// How long the browser has to come back.
const WAIT_FOR_BROWSER: Duration = Duration::from_secs(300);

type Redirect = Result<(String, String), String>;

pub async fn connect(
    app: &Embedded,
    kind: AccountKind,
    name: &str,
) -> anyhow::Result<AddedAccount> {
    let endpoints = ProviderEndpoints::from_env();
    let apps = OAuthApps::from_env();
    let (oauth, client) = match kind {
        AccountKind::Google => (
            endpoints.google_oauth,
            apps.google.context("set CALSYNC_GOOGLE_CLIENT_ID (and CALSYNC_GOOGLE_CLIENT_SECRET) to your Google OAuth client")?,
        ),
        AccountKind::Microsoft => (
            endpoints.microsoft_oauth,
            apps.microsoft.context("set CALSYNC_MS_CLIENT_ID (and CALSYNC_MS_CLIENT_SECRET) to your Microsoft app registration")?,
        ),
        AccountKind::Caldav => bail!("CalDAV accounts use a password, not OAuth"),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("listening on 127.0.0.1 for the browser's redirect")?;
    let redirect_uri = format!(
        "http://127.0.0.1:{}/callback",
        listener.local_addr()?.port()
    );
    let authorization = begin_authorization(&oauth, &client, &redirect_uri)?;
    println!(
        "Open this address in a browser and allow calsync to use your calendars:\n\n  {}\n",
        authorization.url
    );
    std::io::stdout().flush()?;
    eprintln!("waiting for the browser to come back to {redirect_uri} ...");
    let (code, state) = wait_for_redirect(listener).await?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let tokens = finish_authorization(&http, &oauth, &client, authorization, &code, &state)
        .await
        .context("exchanging the authorization code")?;
    let added = app
        .accounts()
        .add_oauth(name, kind, tokens.to_secret()?)
        .await
        .with_context(|| format!("adding account {name}"))?;
    Ok(added)
}

/// Serves `GET /callback` once and returns its `code` and `state`.
async fn wait_for_redirect(listener: tokio::net::TcpListener) -> anyhow::Result<(String, String)> {
    let (sender, receiver) = oneshot::channel::<Redirect>();
    let slot = Arc::new(Mutex::new(Some(sender)));
    let router = Router::new()
        .route("/callback", get(callback))
        .with_state(slot);
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let outcome = tokio::time::timeout(WAIT_FOR_BROWSER, receiver).await;
    server.abort();
    let redirect = outcome
        .map_err(|_| {
            anyhow!(
                "no answer from the browser within {} minutes",
                WAIT_FOR_BROWSER.as_secs() / 60
            )
        })?
        .map_err(|_| anyhow!("the redirect listener stopped"))?;
    redirect.map_err(|reason| anyhow!("authorization refused: {reason}"))
}

async fn callback(
    State(slot): State<Arc<Mutex<Option<oneshot::Sender<Redirect>>>>>,
    Query(query): Query<HashMap<String, String>>,
) -> Html<&'static str> {
    let redirect = match (query.get("code"), query.get("state"), query.get("error")) {
        (Some(code), Some(state), None) => Ok((code.clone(), state.clone())),
        // The provider's error code only (e.g. access_denied); descriptions may echo input.
        (_, _, Some(error)) => Err(error
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(64)
            .collect()),
        _ => Err("the redirect carried no code".into()),
    };
    let ok = redirect.is_ok();
    if let Ok(mut slot) = slot.lock()
        && let Some(sender) = slot.take()
    {
        let _ = sender.send(redirect);
    }
    Html(if ok {
        "<p>calsync is connected. You can close this tab.</p>"
    } else {
        "<p>calsync was not given access. You can close this tab.</p>"
    })
}
