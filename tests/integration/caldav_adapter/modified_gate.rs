//! The `getlastmodified` gate before the sync report, on real servers: where it is proven
//! (Radicale) an unchanged check is one Depth:0 PROPFIND, and no change is ever hidden
//! (one in the same second as the stored value, a deletion); elsewhere nothing regresses.

use super::support::{AdapterCalendar, account, ics, removals, upserts, window};
use calsync_core::adapters::caldav::CaldavAccount;
use calsync_core::domain::{CalendarInfo, GateTrust, SyncCursor};
use calsync_core::ports::{ChangeBatch, ChangeFeed, Listing};
use calsync_testkit::{RecordingProxy, SeenRequest, ServerKind};
use std::time::Duration;

on_every_server!(the_gate_never_hides_an_edit_or_a_deletion);

/// The adapter reaching the calendar through a proxy that records its requests.
struct Watched {
    calendar: AdapterCalendar,
    proxy: RecordingProxy,
    account: CaldavAccount,
    info: CalendarInfo,
}

impl Watched {
    async fn new(kind: ServerKind, hint: &str) -> Self {
        let calendar = AdapterCalendar::new(kind, hint).await;
        let proxy = RecordingProxy::start(&calendar.server.root_url).await;
        let account = account(
            &calendar.server,
            &proxy.through(&calendar.server.discovery_url()),
            &calendar.server.password,
        );
        let info = CalendarInfo {
            url: proxy.through(&calendar.info.url),
            ..calendar.info.clone()
        };
        Self {
            calendar,
            proxy,
            account,
            info,
        }
    }

    async fn changes(&self, cursor: &SyncCursor) -> ChangeBatch {
        self.account
            .changes(&self.info, cursor, window())
            .await
            .unwrap()
    }

    /// Polls the server's `Date` until it is at least `second` (Unix seconds): changes made
    /// afterwards get later mtimes than any value read before.
    async fn until_server_second(&self, second: i64) {
        for _ in 0..100 {
            if server_second(&self.calendar.raw.url).await >= second {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server's clock did not reach {second}");
    }

    /// Polls until a value read now would be settled, and a change made now gets a later
    /// second than the stored value.
    async fn until_settled(&self, cursor: &SyncCursor) {
        let seen = cursor.modified_gate.as_ref().and_then(|g| g.seen);
        if let Some(seen) = seen {
            self.until_server_second(seen + 2).await;
        }
    }

    /// Initial sync, an edit seen by a delta (the gate earns its trust where it works) and a
    /// check after the value settled: the cursor an idle calendar then has.
    async fn settled_cursor(&self) -> SyncCursor {
        let raw = &self.calendar.raw;
        raw.put("a.ics", &ics("a", "A")).await;
        raw.put("b.ics", &ics("b", "B")).await;
        let first = self.changes(&SyncCursor::default()).await;
        self.until_settled(&first.cursor).await;
        let etag = raw.put("a.ics", &ics("a", "A edited")).await;
        let edited = self.changes(&first.cursor).await;
        self.assert_reports_edit(&edited.listing, "a.ics", &etag, "the first edit");
        self.until_settled(&edited.cursor).await;
        self.changes(&edited.cursor).await.cursor
    }
}

impl Watched {
    /// Asserts that the listing carries the member's new version (servers may list more:
    /// DAViCal's deltas, sabre/dav's complete listings).
    fn assert_reports_edit(&self, listing: &Listing, name: &str, etag: &str, context: &str) {
        let reported = upserts(listing);
        let id = self.calendar.remote_id(name);
        assert_eq!(
            reported.get(&id),
            Some(&Some(etag.to_string())),
            "{}: {context}: {listing:?}",
            self.calendar.server.kind
        );
    }

    fn reports_deletion(&self, listing: &Listing, name: &str) -> bool {
        let id = self.calendar.remote_id(name);
        match listing {
            Listing::Complete { .. } => !upserts(listing).contains_key(&id),
            _ => removals(listing).contains(&id),
        }
    }
}

async fn server_second(url: &str) -> i64 {
    let response = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, url)
        .send()
        .await
        .unwrap();
    let date = response.headers().get("date").unwrap().to_str().unwrap();
    chrono::DateTime::parse_from_rfc2822(date)
        .unwrap()
        .timestamp()
}

fn depth0_propfind() -> SeenRequest {
    SeenRequest {
        method: "PROPFIND".into(),
        depth: Some("0".into()),
        path: String::new(),
    }
}

fn without_paths(requests: Vec<SeenRequest>) -> Vec<SeenRequest> {
    requests
        .into_iter()
        .map(|r| SeenRequest {
            path: String::new(),
            ..r
        })
        .collect()
}

#[tokio::test]
async fn radicale_an_unchanged_check_sends_only_the_gate_request() {
    let watched = Watched::new(ServerKind::Radicale, "gate only when unchanged").await;
    let settled = watched.settled_cursor().await;
    let gate = settled.modified_gate.clone().unwrap();
    assert_eq!(gate.trust, GateTrust::Trusted);
    assert!(gate.settled, "{gate:?}");

    watched.proxy.take();
    let unchanged = watched.changes(&settled).await;
    assert!(matches!(unchanged.listing, Listing::Unchanged));
    assert_eq!(unchanged.cursor, settled, "nothing to record");
    assert_eq!(without_paths(watched.proxy.take()), vec![depth0_propfind()]);
}

#[tokio::test]
async fn radicale_a_change_in_the_same_second_as_the_stored_value_is_found() {
    let watched = Watched::new(ServerKind::Radicale, "gate same second").await;
    let settled = watched.settled_cursor().await;
    let raw = &watched.calendar.raw;
    let c = raw.put("c.ics", &ics("c", "C")).await;
    let seen_c = watched.changes(&settled).await;
    watched.assert_reports_edit(&seen_c.listing, "c.ics", &c, "an edit after settling");
    // Right after the edit the value read is (almost always) from its reply's own second: not
    // settled, so the next check is a full one whatever the gate says.
    let gate = seen_c.cursor.modified_gate.clone().unwrap();
    let d = raw.put("d.ics", &ics("d", "D")).await;
    let stored_second = gate.seen.unwrap();
    let made_after = server_second(&raw.url).await - stored_second;
    let next = watched.changes(&seen_c.cursor).await;
    watched.assert_reports_edit(
        &next.listing,
        "d.ics",
        &d,
        &format!("a change made {made_after} s after the stored value's second"),
    );
}

async fn the_gate_never_hides_an_edit_or_a_deletion(kind: ServerKind) {
    let watched = Watched::new(kind, "gate never hides").await;
    let settled = watched.settled_cursor().await;
    let raw = &watched.calendar.raw;
    let b = raw.put("b.ics", &ics("b", "B edited")).await;
    let edited = watched.changes(&settled).await;
    watched.assert_reports_edit(&edited.listing, "b.ics", &b, "an edit after settling");
    watched.until_settled(&edited.cursor).await;
    let idle = watched.changes(&edited.cursor).await;
    raw.delete("a.ics").await;
    let deleted = watched.changes(&idle.cursor).await;
    assert!(
        watched.reports_deletion(&deleted.listing, "a.ics"),
        "{kind}: {:?}",
        deleted.listing
    );
    let gate = deleted.cursor.modified_gate;
    if kind.has_sync_collection() {
        assert!(gate.is_some(), "{kind}: the gate was asked once at least");
    } else {
        assert_eq!(gate, None, "{kind}: no gate without sync-collection");
    }
}

#[tokio::test]
async fn a_server_whose_gate_proved_useless_is_not_asked_again() {
    for kind in [ServerKind::Xandikos, ServerKind::Davical] {
        let watched = Watched::new(kind, "gate useless").await;
        let settled = watched.settled_cursor().await;
        let trust = settled.modified_gate.as_ref().map(|g| g.trust);
        watched.proxy.take();
        watched.changes(&settled).await;
        let asked_gate = without_paths(watched.proxy.take()).contains(&depth0_propfind());
        assert_eq!(
            asked_gate,
            trust != Some(GateTrust::Unusable),
            "{kind}: gate {trust:?}"
        );
    }
}
