use super::*;
use crate::adapters::caldav::multistatus;

fn listing(xml: &str) -> Vec<DavResponse> {
    multistatus::parse(xml.as_bytes()).unwrap().responses
}

fn calendars_in(xml: &str, base: &str) -> Vec<DiscoveredCalendar> {
    let base = Url::parse(base).unwrap();
    listing(xml)
        .iter()
        .filter_map(|r| calendar_from(r, &base, &["alice@example.org".to_string()]))
        .collect()
}

#[test]
fn radicale_home_lists_one_writable_calendar_with_sync_collection() {
    let found = calendars_in(
        fixture!("radicale/home.xml"),
        "http://127.0.0.1:5232/alice/",
    );
    assert_eq!(found.len(), 1);
    let calendar = &found[0];
    assert_eq!(calendar.url, "http://127.0.0.1:5232/alice/capture/");
    assert_eq!(calendar.name, "alice/capture");
    assert!(!calendar.read_only);
    assert!(calendar.capabilities.sync_collection);
    assert!(calendar.capabilities.ctag);
    assert_eq!(calendar.owner_emails, ["alice@example.org"]);
}

#[test]
fn xandikos_home_skips_the_home_itself_and_lists_both_calendars() {
    let found = calendars_in(
        fixture!("xandikos/home.xml"),
        "http://127.0.0.1:8081/user/calendars/",
    );
    let urls: Vec<&str> = found.iter().map(|c| c.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "http://127.0.0.1:8081/user/calendars/capture/",
            "http://127.0.0.1:8081/user/calendars/calendar/"
        ]
    );
    assert!(
        found
            .iter()
            .all(|c| c.capabilities.sync_collection && !c.read_only)
    );
}

#[test]
fn sabre_1_8_calendar_has_a_ctag_but_no_sync_collection_and_the_outbox_is_skipped() {
    let found = calendars_in(
        fixture!("sabre/home.xml"),
        "http://127.0.0.1:8082/calendars/alice/",
    );
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].url,
        "http://127.0.0.1:8082/calendars/alice/capture/"
    );
    // No displayname: the last path segment names it.
    assert_eq!(found[0].name, "capture");
    assert!(!found[0].capabilities.sync_collection);
    assert!(found[0].capabilities.ctag);
    assert!(!found[0].read_only);
}

#[test]
fn davical_home_skips_proxy_collections() {
    let found = calendars_in(
        fixture!("davical/home.xml"),
        "http://127.0.0.1:8083/caldav.php/alice/",
    );
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].url,
        "http://127.0.0.1:8083/caldav.php/alice/capture/"
    );
    assert!(found[0].capabilities.sync_collection);
}

#[test]
fn owner_addresses_are_mailto_only_and_lower_case() {
    let sabre = listing(fixture!("sabre/principal.xml"));
    assert_eq!(owner_emails(&sabre[0]), ["alice@example.org"]);
    let davical = listing(fixture!("davical/principal.xml"));
    assert_eq!(owner_emails(&davical[0]), ["alice@example.org"]);
    // Radicale lists only the principal path.
    let radicale = listing(fixture!("radicale/principal.xml"));
    assert!(owner_emails(&radicale[0]).is_empty());
    let mixed = listing(
        r#"<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><response><href>/p/</href><propstat><prop><C:calendar-user-address-set><href>MAILTO:Bob@Example.ORG</href><href>mailto:bob@example.org</href><href>urn:uuid:1</href></C:calendar-user-address-set></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>"#,
    );
    assert_eq!(owner_emails(&mixed[0]), ["bob@example.org"]);
}

fn one_calendar(props: &str) -> Option<DiscoveredCalendar> {
    let xml = format!(
        r#"<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><response><href>/c/x/</href><propstat><prop><resourcetype><collection/><C:calendar/></resourcetype>{props}</prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>"#
    );
    calendars_in(&xml, "http://h/c/").into_iter().next()
}

#[test]
fn task_lists_are_not_event_calendars() {
    let tasks = r#"<C:supported-calendar-component-set><C:comp name="VTODO"/></C:supported-calendar-component-set>"#;
    assert!(one_calendar(tasks).is_none());
    let events = r#"<C:supported-calendar-component-set><C:comp name="vevent"/></C:supported-calendar-component-set>"#;
    assert!(one_calendar(events).is_some());
    assert!(one_calendar("").is_some());
}

#[test]
fn read_only_when_privileges_allow_no_writing() {
    let read =
        "<current-user-privilege-set><privilege><read/></privilege></current-user-privilege-set>";
    assert!(one_calendar(read).unwrap().read_only);
    let bind = "<current-user-privilege-set><privilege><read/></privilege><privilege><write-content/></privilege></current-user-privilege-set>";
    assert!(!one_calendar(bind).unwrap().read_only);
    // Missing property: assume writable.
    assert!(!one_calendar("").unwrap().read_only);
}

#[test]
fn sync_collection_needs_both_the_report_and_a_token() {
    let report = "<supported-report-set><supported-report><report><sync-collection/></report></supported-report></supported-report-set>";
    assert!(!one_calendar(report).unwrap().capabilities.sync_collection);
    let both = format!("{report}<sync-token>data:,1</sync-token>");
    assert!(one_calendar(&both).unwrap().capabilities.sync_collection);
    assert!(
        !one_calendar("<sync-token>data:,1</sync-token>")
            .unwrap()
            .capabilities
            .sync_collection
    );
}

#[test]
fn calendar_colour_is_read() {
    let colour =
        r##"<A:calendar-color xmlns:A="http://apple.com/ns/ical/">#FF2968FF</A:calendar-color>"##;
    assert_eq!(
        one_calendar(colour).unwrap().color.as_deref(),
        Some("#FF2968FF")
    );
}
