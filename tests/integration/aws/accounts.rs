//! A tenant's accounts and links, made through calsync's own use cases as the API would
//! make them: OAuth accounts as if their owners had just consented, CalDAV accounts by
//! discovery.

use super::world::AwsWorld;
use calsync_core::adapters::oauth::TokenSet;
use calsync_core::domain::{AccountKind, CalendarId, Topology};
use calsync_core::ports::Job;
use calsync_core::usecases::{AddedAccount, NewLink};
use calsync_testkit::CaldavServer;
use chrono::Utc;
use zeroize::Zeroizing;

impl AwsWorld {
    /// A Google account as if its owner had just consented; returns its calendar's id.
    pub async fn connect_google(&self, calendar: &str) -> CalendarId {
        self.google.add_calendar(calendar, calendar);
        self.connect_google_calendars(&[calendar]).await.remove(0)
    }

    /// One Google account over the emulator's `calendars` (already added there); returns
    /// their ids, in order.
    pub async fn connect_google_calendars(&self, calendars: &[&str]) -> Vec<CalendarId> {
        let issued = self.google.issue_tokens();
        let tokens = TokenSet {
            access_token: issued.access_token,
            refresh_token: Some(issued.refresh_token),
            expires_at: Some(Utc::now() + issued.expires_in),
        };
        let added = self.add_oauth("google", AccountKind::Google, tokens).await;
        calendars.iter().map(|c| discovered(&added, c)).collect()
    }

    /// A Microsoft account as if its owner had just consented; returns the id of the Graph
    /// emulator's `calendar` (already added there).
    pub async fn connect_graph(&self, calendar: &str) -> CalendarId {
        let (access_token, refresh_token) = self.graph.issue_tokens();
        let tokens = TokenSet {
            access_token,
            refresh_token: Some(refresh_token),
            expires_at: Some(Utc::now() + chrono::TimeDelta::hours(1)),
        };
        let added = self
            .add_oauth("microsoft", AccountKind::Microsoft, tokens)
            .await;
        discovered(&added, calendar)
    }

    async fn add_oauth(&self, name: &str, kind: AccountKind, tokens: TokenSet) -> AddedAccount {
        self.services()
            .accounts
            .add_oauth(name, kind, tokens.to_secret().unwrap())
            .await
            .unwrap()
    }

    pub async fn connect_caldav(&self, server: &CaldavServer, url: &str) -> CalendarId {
        self.connect_caldav_calendars("dav", server, &[url])
            .await
            .remove(0)
    }

    /// One CalDAV account `name` on `server`; returns the ids of its calendars at `urls`.
    pub async fn connect_caldav_calendars(
        &self,
        name: &str,
        server: &CaldavServer,
        urls: &[&str],
    ) -> Vec<CalendarId> {
        let added = self
            .services()
            .accounts
            .add_caldav(
                name,
                &server.discovery_url(),
                &server.username,
                Zeroizing::new(server.password.clone()),
            )
            .await
            .unwrap();
        urls.iter().map(|url| discovered(&added, url)).collect()
    }

    /// Links the calendars as a pair, as the API would, announcing the link to push upkeep.
    pub async fn link(&self, name: &str, calendars: Vec<CalendarId>) {
        self.link_as(name, Topology::Pair, calendars).await;
    }

    pub async fn link_as(&self, name: &str, topology: Topology, calendars: Vec<CalendarId>) {
        self.services()
            .links
            .add(NewLink {
                name: name.into(),
                topology,
                calendars,
                rules: Default::default(),
            })
            .await
            .unwrap();
        self.runtime
            .queue()
            .unwrap()
            .enqueue(vec![Job::MaintainPush {
                tenant: self.tenant.clone(),
            }])
            .await
            .unwrap();
    }
}

/// The id of the calendar at `url` (trailing slashes aside) among those `added` discovered.
fn discovered(added: &AddedAccount, url: &str) -> CalendarId {
    added
        .calendars
        .iter()
        .find(|c| c.url.trim_end_matches('/') == url.trim_end_matches('/'))
        .unwrap_or_else(|| panic!("{url} not discovered: {:?}", added.calendars))
        .id
        .clone()
}
