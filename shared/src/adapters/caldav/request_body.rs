//! Request bodies: PROPFIND, sync-collection (RFC 6578) and calendar-multiget (RFC 4791).
//! Prefixes are fixed per namespace; every interpolated value is XML-escaped.

use super::xml::{APPLE_ICAL, CALDAV, CALENDARSERVER, DAV};
use quick_xml::escape::escape;
use std::fmt::Write;

const HEADER: &str = r#"<?xml version="1.0" encoding="utf-8"?>"#;
const NAMESPACES: &str = concat!(
    r#"xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" "#,
    r#"xmlns:cs="http://calendarserver.org/ns/" xmlns:a="http://apple.com/ns/ical/""#
);

/// A property name: `(namespace, local name)`.
pub(super) type PropName = (&'static str, &'static str);

fn prefix(namespace: &str) -> &'static str {
    match namespace {
        CALDAV => "c",
        CALENDARSERVER => "cs",
        APPLE_ICAL => "a",
        _ => "d",
    }
}

fn prop_list(props: &[PropName]) -> String {
    let mut out = String::from("<d:prop>");
    for (namespace, name) in props {
        debug_assert!(
            [DAV, CALDAV, CALENDARSERVER, APPLE_ICAL].contains(namespace),
            "unknown namespace {namespace}"
        );
        let _ = write!(out, "<{}:{name}/>", prefix(namespace));
    }
    out.push_str("</d:prop>");
    out
}

pub(super) fn propfind(props: &[PropName]) -> String {
    format!(
        "{HEADER}<d:propfind {NAMESPACES}>{}</d:propfind>",
        prop_list(props)
    )
}

/// An initial sync when `token` is `None`. Never carries `DAV:limit`: Xandikos 0.4 cuts the
/// reply without a 507 and its token skips the rest, losing changes.
pub(super) fn sync_collection(token: Option<&str>, props: &[PropName]) -> String {
    let token = match token {
        Some(token) => format!("<d:sync-token>{}</d:sync-token>", escape(token)),
        None => "<d:sync-token/>".to_string(),
    };
    format!(
        "{HEADER}<d:sync-collection {NAMESPACES}>{token}<d:sync-level>1</d:sync-level>{}</d:sync-collection>",
        prop_list(props)
    )
}

/// `hrefs` are already percent-encoded paths.
pub(super) fn calendar_multiget(hrefs: &[String]) -> String {
    let mut out = format!(
        "{HEADER}<c:calendar-multiget {NAMESPACES}>{}",
        prop_list(&[(DAV, "getetag"), (CALDAV, "calendar-data")])
    );
    for href in hrefs {
        let _ = write!(out, "<d:href>{}</d:href>", escape(href));
    }
    out.push_str("</c:calendar-multiget>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::caldav::xml::{self, Element};

    #[test]
    fn propfind_names_each_property_in_its_namespace() {
        let body = propfind(&[
            (DAV, "displayname"),
            (CALENDARSERVER, "getctag"),
            (APPLE_ICAL, "calendar-color"),
        ]);
        let root = xml::parse(body.as_bytes()).unwrap();
        assert!(root.is(DAV, "propfind"));
        let prop = root.child(DAV, "prop").unwrap();
        let names: Vec<(&str, &str)> = prop
            .children
            .iter()
            .map(|c: &Element| (c.namespace.as_str(), c.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                (DAV, "displayname"),
                (CALENDARSERVER, "getctag"),
                (APPLE_ICAL, "calendar-color")
            ]
        );
    }

    #[test]
    fn sync_collection_escapes_the_token_and_never_sends_a_limit() {
        let body = sync_collection(Some("data:,1&x=<2>"), &[(DAV, "getetag")]);
        let root = xml::parse(body.as_bytes()).unwrap();
        assert_eq!(root.child(DAV, "sync-token").unwrap().text, "data:,1&x=<2>");
        assert_eq!(root.child(DAV, "sync-level").unwrap().text, "1");
        assert!(root.find(DAV, "limit").is_none());
        let initial = xml::parse(sync_collection(None, &[(DAV, "getetag")]).as_bytes()).unwrap();
        assert_eq!(initial.child(DAV, "sync-token").unwrap().text, "");
    }

    #[test]
    fn multiget_lists_every_href() {
        let body = calendar_multiget(&["/c/a%40x.ics".into(), "/c/b.ics".into()]);
        let root = xml::parse(body.as_bytes()).unwrap();
        assert!(root.is(CALDAV, "calendar-multiget"));
        let hrefs: Vec<&str> = root
            .children_named(DAV, "href")
            .map(|h| h.text.as_str())
            .collect();
        assert_eq!(hrefs, ["/c/a%40x.ics", "/c/b.ics"]);
        assert!(root.find(CALDAV, "calendar-data").is_some());
    }
}
