//! The WebDAV `multistatus` reply (RFC 4918 §13) and `error` bodies (§16), read from the
//! element tree of [`super::xml`].

use super::xml::{self, DAV, Element, XmlError};

/// One `DAV:response`: an href with either a status of its own (a 404 member, a 507
/// truncation mark) or the properties that came back with a 2xx propstat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct DavResponse {
    /// As the server wrote it: percent-encoded or not (Xandikos), path or full URL.
    pub href: String,
    /// The response-level status, when the server gave one instead of propstats.
    pub status: Option<u16>,
    /// The properties found (from propstats with a 2xx status), in document order.
    pub props: Vec<Element>,
}

impl DavResponse {
    pub fn prop(&self, namespace: &str, name: &str) -> Option<&Element> {
        self.props.iter().find(|p| p.is(namespace, name))
    }

    /// The property's trimmed text; `None` when it is absent or empty.
    pub fn prop_text(&self, namespace: &str, name: &str) -> Option<String> {
        self.prop(namespace, name)
            .and_then(Element::trimmed_text)
            .map(str::to_string)
    }

    /// The hrefs inside a property (`current-user-principal`, `calendar-home-set`, ...).
    pub fn prop_hrefs(&self, namespace: &str, name: &str) -> Vec<String> {
        self.prop(namespace, name)
            .map(|p| {
                p.children_named(DAV, "href")
                    .filter_map(Element::trimmed_text)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether a property holding element names (resourcetype, supported-report-set,
    /// current-user-privilege-set) contains `namespace:name` anywhere inside.
    pub fn prop_contains(&self, property: (&str, &str), wanted: (&str, &str)) -> bool {
        self.prop(property.0, property.1).is_some_and(|p| {
            p.children
                .iter()
                .any(|c| c.find(wanted.0, wanted.1).is_some())
        })
    }

    /// A member that is gone: 404 as its own status (sync-collection, multiget).
    pub fn is_not_found(&self) -> bool {
        self.status == Some(404)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Multistatus {
    pub responses: Vec<DavResponse>,
    /// RFC 6578 §6.4: the token of a sync-collection reply.
    pub sync_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum MultistatusError {
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error("expected a DAV:multistatus reply, got <{0}>")]
    NotMultistatus(String),
}

pub(super) fn parse(body: &[u8]) -> Result<Multistatus, MultistatusError> {
    let root = xml::parse(body)?;
    if !root.is(DAV, "multistatus") {
        return Err(MultistatusError::NotMultistatus(root.name));
    }
    let mut out = Multistatus {
        sync_token: root
            .child(DAV, "sync-token")
            .and_then(Element::trimmed_text)
            .map(str::to_string),
        ..Multistatus::default()
    };
    for response in root.children_named(DAV, "response") {
        let status = response
            .child(DAV, "status")
            .and_then(Element::trimmed_text)
            .and_then(status_code);
        let mut props = Vec::new();
        for propstat in response.children_named(DAV, "propstat") {
            let ok = propstat
                .child(DAV, "status")
                .and_then(Element::trimmed_text)
                .and_then(status_code)
                .is_some_and(|code| (200..300).contains(&code));
            if ok && let Some(prop) = propstat.child(DAV, "prop") {
                props.extend(prop.children.iter().cloned());
            }
        }
        // RFC 4918 §14.24 lets one status-only response carry several hrefs; a response
        // with propstats has exactly one. Only the first is read there: giving the
        // properties to each of thousands of hrefs would multiply them without bound.
        let hrefs = response
            .children_named(DAV, "href")
            .filter_map(Element::trimmed_text)
            .take(if props.is_empty() { usize::MAX } else { 1 });
        for href in hrefs {
            out.responses.push(DavResponse {
                href: href.to_string(),
                status,
                props: props.clone(),
            });
        }
    }
    Ok(out)
}

/// `HTTP/1.1 404 Not Found` -> 404.
fn status_code(line: &str) -> Option<u16> {
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The conditions named in a `DAV:error` body (RFC 4918 §16), e.g. `valid-sync-token`.
/// Returns `(namespace, name)` of each child; an unreadable body gives none.
pub(super) fn error_conditions(body: &[u8]) -> Vec<(String, String)> {
    match xml::parse(body) {
        Ok(root) if root.is(DAV, "error") => root
            .children
            .into_iter()
            .map(|c| (c.namespace, c.name))
            .collect(),
        _ => Vec::new(),
    }
}

pub(super) fn has_condition(body: &[u8], namespace: &str, name: &str) -> bool {
    error_conditions(body)
        .iter()
        .any(|(ns, n)| ns == namespace && n == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::caldav::xml::{CALDAV, CALENDARSERVER};

    #[test]
    fn status_lines_are_read() {
        assert_eq!(status_code("HTTP/1.1 404 Not Found"), Some(404));
        assert_eq!(status_code("HTTP/1.0 200 OK"), Some(200));
        assert_eq!(status_code("garbage"), None);
    }

    #[test]
    fn radicale_initial_sync_lists_a_404_tombstone_and_the_token() {
        let reply = parse(fixture!("radicale/sync-initial.xml").as_bytes()).unwrap();
        assert!(
            reply
                .sync_token
                .as_deref()
                .unwrap()
                .starts_with("http://radicale.org/ns/sync/")
        );
        let gone: Vec<_> = reply
            .responses
            .iter()
            .filter(|r| r.is_not_found())
            .collect();
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].href, "/alice/capture/gone.ics");
        let present: Vec<_> = reply
            .responses
            .iter()
            .filter(|r| r.prop_text(DAV, "getetag").is_some())
            .map(|r| r.href.as_str())
            .collect();
        assert_eq!(
            present,
            ["/alice/capture/a%40x.ics", "/alice/capture/b.ics"]
        );
    }

    #[test]
    fn xandikos_token_follows_the_responses_and_hrefs_are_unescaped() {
        let reply = parse(fixture!("xandikos/sync-delta.xml").as_bytes()).unwrap();
        assert_eq!(
            reply.sync_token.as_deref(),
            Some("d3ed844b598e4a43b2ce34e1762c6a0702b47ecf")
        );
        let removed = reply.responses.iter().find(|r| r.is_not_found()).unwrap();
        assert_eq!(removed.href, "/user/calendars/capture/a@x.ics");
    }

    #[test]
    fn properties_of_failed_propstats_are_left_out() {
        let reply = parse(fixture!("sabre/gate.xml").as_bytes()).unwrap();
        let calendar = &reply.responses[0];
        assert_eq!(
            calendar.prop_text(CALENDARSERVER, "getctag").as_deref(),
            Some("5")
        );
        // sabre/dav 1.8 answers sync-token with 404: it must not look present.
        assert!(calendar.prop(DAV, "sync-token").is_none());
    }

    #[test]
    fn element_valued_properties_are_searched_by_namespace() {
        let reply = parse(fixture!("sabre/home.xml").as_bytes()).unwrap();
        let calendar = reply
            .responses
            .iter()
            .find(|r| r.href == "/calendars/alice/capture/")
            .unwrap();
        assert!(calendar.prop_contains((DAV, "resourcetype"), (CALDAV, "calendar")));
        assert!(calendar.prop_contains((DAV, "current-user-privilege-set"), (DAV, "write")));
        assert!(!calendar.prop_contains((DAV, "supported-report-set"), (DAV, "sync-collection")));
        let outbox = reply
            .responses
            .iter()
            .find(|r| r.href == "/calendars/alice/outbox/")
            .unwrap();
        assert!(!outbox.prop_contains((DAV, "resourcetype"), (CALDAV, "calendar")));
    }

    #[test]
    fn error_bodies_name_their_condition() {
        assert!(has_condition(
            fixture!("radicale/sync-badtoken.xml").as_bytes(),
            DAV,
            "valid-sync-token"
        ));
        assert!(has_condition(
            fixture!("xandikos/sync-badtoken.xml").as_bytes(),
            DAV,
            "valid-sync-token"
        ));
        assert!(!has_condition(
            fixture!("sabre/sync-initial.xml").as_bytes(),
            DAV,
            "valid-sync-token"
        ));
        assert!(!has_condition(b"not xml", DAV, "valid-sync-token"));
    }

    #[test]
    fn an_error_body_is_not_a_multistatus() {
        assert!(matches!(
            parse(fixture!("sabre/multiget-missing.xml").as_bytes()),
            Err(MultistatusError::NotMultistatus(name)) if name == "error"
        ));
    }

    #[test]
    fn a_propstat_response_with_many_hrefs_reads_only_the_first() {
        // 5,000 hrefs x 5,000 properties once meant 25 million copied elements.
        let doc = format!(
            r#"<multistatus xmlns="DAV:"><response>{}<propstat><prop>{}</prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>"#,
            "<href>/c/a.ics</href>".repeat(5_000),
            "<x/>".repeat(5_000)
        );
        let started = std::time::Instant::now();
        let reply = parse(doc.as_bytes()).unwrap();
        assert_eq!(reply.responses.len(), 1);
        assert_eq!(reply.responses[0].props.len(), 5_000);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn a_status_response_may_carry_several_hrefs() {
        let doc = r#"<multistatus xmlns="DAV:"><response><href>/c/a.ics</href><href>/c/b.ics</href><status>HTTP/1.1 404 Not Found</status></response></multistatus>"#;
        let reply = parse(doc.as_bytes()).unwrap();
        assert_eq!(reply.responses.len(), 2);
        assert!(reply.responses.iter().all(DavResponse::is_not_found));
    }
}
