use super::*;
use reqwest::{Method, StatusCode};

fn reply(url: &str, status: u16, body: &str) -> HttpReply {
    HttpReply {
        method: Method::GET,
        url: Url::parse(url).unwrap(),
        status: StatusCode::from_u16(status).unwrap(),
        etag: None,
        retry_after: None,
        date: None,
        body: body.as_bytes().to_vec(),
    }
}

fn ids(listing: &Listing) -> Vec<(String, Option<String>)> {
    let items = match listing {
        Listing::Delta(items) | Listing::Complete { items, .. } => items,
        Listing::Unchanged => return Vec::new(),
    };
    items
        .iter()
        .map(|item| match item {
            ItemChange::Upserted {
                remote_id, etag, ..
            } => (remote_id.0.clone(), etag.as_ref().map(|e| e.0.clone())),
            ItemChange::Removed { remote_id } => (remote_id.0.clone(), Some("REMOVED".into())),
        })
        .collect()
}

const RADICALE: &str = "http://127.0.0.1:5232/alice/capture/";
const XANDIKOS: &str = "http://127.0.0.1:8081/user/calendars/capture/";
const DAVICAL: &str = "http://127.0.0.1:8083/caldav.php/alice/capture/";
const SABRE: &str = "http://127.0.0.1:8082/calendars/alice/capture/";

fn one_page(url: &str, body: &str, initial: bool) -> (Page, Listing) {
    let mut members = Members::new(initial);
    let page = read_sync_page(
        &reply(url, 207, body),
        &Url::parse(url).unwrap(),
        &mut members,
    )
    .unwrap();
    (page, members.into_listing())
}

#[test]
fn sync_collection_ignores_radicale_404_tombstones_in_an_initial_sync() {
    let (page, listing) = one_page(RADICALE, fixture!("radicale/sync-initial.xml"), true);
    assert!(!page.truncated);
    assert!(
        page.token
            .unwrap()
            .starts_with("http://radicale.org/ns/sync/")
    );
    assert!(matches!(
        listing,
        Listing::Complete {
            windowed: false,
            ..
        }
    ));
    let found = ids(&listing);
    let paths: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["/alice/capture/a@x.ics", "/alice/capture/b.ics"]);
    assert_eq!(
        found[0].1.as_deref(),
        Some("\"b0860dc5ff6ab34efaf36d6ac9dad9ab6ba61313176b47b10ee08f49e8157eff\"")
    );
}

#[test]
fn an_incremental_sync_reports_changes_and_removals() {
    for (url, body, removed) in [
        (
            RADICALE,
            fixture!("radicale/sync-delta.xml"),
            "/alice/capture/a@x.ics",
        ),
        (
            XANDIKOS,
            fixture!("xandikos/sync-delta.xml"),
            "/user/calendars/capture/a@x.ics",
        ),
        (
            DAVICAL,
            fixture!("davical/sync-delta.xml"),
            "/caldav.php/alice/capture/a@x.ics",
        ),
    ] {
        let (page, listing) = one_page(url, body, false);
        assert!(page.token.is_some(), "{url}");
        assert!(matches!(listing, Listing::Delta(_)), "{url}");
        let found = ids(&listing);
        assert_eq!(found.len(), 2, "{url}");
        assert!(
            found.contains(&(removed.to_string(), Some("REMOVED".into()))),
            "{url}"
        );
    }
}

#[test]
fn xandikos_unescaped_hrefs_decode_like_escaped_ones() {
    let (_, xandikos) = one_page(XANDIKOS, fixture!("xandikos/sync-initial.xml"), true);
    let (_, radicale) = one_page(RADICALE, fixture!("radicale/sync-initial.xml"), true);
    let name = |listing: &Listing| ids(listing)[0].0.rsplit('/').next().unwrap().to_string();
    assert_eq!(name(&xandikos), "a@x.ics");
    assert_eq!(name(&xandikos), name(&radicale));
}

#[test]
fn invalid_tokens_are_recognised_on_every_server_that_reports_them() {
    let radicale = reply(RADICALE, 403, fixture!("radicale/sync-badtoken.xml"));
    assert_eq!(classify_failure(&radicale, true), SyncFailure::InvalidToken);
    let xandikos = reply(XANDIKOS, 412, fixture!("xandikos/sync-badtoken.xml"));
    assert_eq!(classify_failure(&xandikos, true), SyncFailure::InvalidToken);
    let conflict = reply(RADICALE, 409, fixture!("radicale/sync-badtoken.xml"));
    assert_eq!(classify_failure(&conflict, true), SyncFailure::InvalidToken);
    // An initial sync has no token to be invalid.
    assert_eq!(classify_failure(&radicale, false), SyncFailure::Other);
}

#[test]
fn sabre_report_not_supported_means_no_sync_collection() {
    let sabre = reply(SABRE, 403, fixture!("sabre/sync-initial.xml"));
    assert_eq!(classify_failure(&sabre, false), SyncFailure::Unsupported);
    assert_eq!(classify_failure(&sabre, true), SyncFailure::Unsupported);
    assert_eq!(
        classify_failure(&reply(SABRE, 501, ""), false),
        SyncFailure::Unsupported
    );
    assert_eq!(
        classify_failure(&reply(SABRE, 500, ""), true),
        SyncFailure::Other
    );
}

const TRUNCATED: &str = r#"<multistatus xmlns="DAV:">
  <response><href>/c/a.ics</href><propstat><prop><getetag>"1"</getetag></prop><status>HTTP/1.1 200 OK</status></propstat></response>
  <response><href>/c/b.ics</href><propstat><prop><getetag>"2"</getetag></prop><status>HTTP/1.1 200 OK</status></propstat></response>
  <response><href>/c/</href><status>HTTP/1.1 507 Insufficient Storage</status></response>
  <sync-token>page-2</sync-token>
</multistatus>"#;

const SECOND_PAGE: &str = r#"<multistatus xmlns="DAV:">
  <response><href>/c/a.ics</href><status>HTTP/1.1 404 Not Found</status></response>
  <response><href>/c/c.ics</href><propstat><prop><getetag>W/"3"</getetag></prop><status>HTTP/1.1 200 OK</status></propstat></response>
  <sync-token>done</sync-token>
</multistatus>"#;

#[test]
fn a_507_on_the_collection_marks_truncation_and_later_pages_apply_removals() {
    let url = Url::parse("http://h/c/").unwrap();
    let mut members = Members::new(true);
    let first = read_sync_page(&reply("http://h/c/", 207, TRUNCATED), &url, &mut members).unwrap();
    assert!(first.truncated);
    assert_eq!(first.token.as_deref(), Some("page-2"));
    members.next_page();
    let second =
        read_sync_page(&reply("http://h/c/", 207, SECOND_PAGE), &url, &mut members).unwrap();
    assert!(!second.truncated);
    let listing = members.into_listing();
    assert!(matches!(listing, Listing::Complete { .. }));
    // a.ics went away between the pages; the weak prefix is dropped from c.ics's ETag.
    assert_eq!(
        ids(&listing),
        [
            ("/c/b.ics".to_string(), Some("\"2\"".to_string())),
            ("/c/c.ics".to_string(), Some("\"3\"".to_string()))
        ]
    );
}

#[test]
fn the_etag_listing_skips_the_collection_itself() {
    for (url, body, count) in [
        (RADICALE, fixture!("radicale/etags.xml"), 2),
        (XANDIKOS, fixture!("xandikos/etags.xml"), 2),
        (SABRE, fixture!("sabre/etags.xml"), 2),
        (DAVICAL, fixture!("davical/etags.xml"), 2),
    ] {
        let items = read_etag_listing(&reply(url, 207, body), &Url::parse(url).unwrap()).unwrap();
        assert_eq!(items.len(), count, "{url}");
        let collection = Url::parse(url).unwrap();
        for item in &items {
            let ItemChange::Upserted {
                remote_id, etag, ..
            } = item
            else {
                panic!("a listing holds only upserts");
            };
            assert!(remote_id.0.starts_with(collection.path()), "{url}");
            assert!(etag.is_some(), "{url}");
        }
    }
}

#[test]
fn the_gate_reads_ctag_and_token_verbatim() {
    let first = |body: &str| {
        gate_from(
            multistatus::parse(body.as_bytes())
                .unwrap()
                .responses
                .first(),
        )
    };
    let radicale = first(fixture!("radicale/gate.xml"));
    // Radicale's ctag holds literal quotes; opaque, kept as they are.
    assert!(radicale.ctag.unwrap().starts_with('"'));
    assert!(
        radicale
            .sync_token
            .unwrap()
            .starts_with("http://radicale.org/ns/sync/")
    );
    let xandikos = first(fixture!("xandikos/gate.xml"));
    assert_eq!(xandikos.ctag, xandikos.sync_token);
    let sabre = first(fixture!("sabre/gate.xml"));
    assert_eq!(sabre.ctag.as_deref(), Some("5"));
    assert_eq!(sabre.sync_token, None);
    let davical = first(fixture!("davical/gate.xml"));
    assert_eq!(davical.sync_token.as_deref(), Some("data:,6"));
}
