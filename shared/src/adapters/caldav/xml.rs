//! A small, bounded, namespace-aware XML reader (quick-xml's `NsReader`) that turns a WebDAV
//! response body into a tree of [`Element`]s.
//!
//! Server replies are untrusted input, so the reader refuses what a CalDAV server never needs
//! to send and an attacker would: any DTD (no entity can be declared, so "billion laughs" and
//! external entities are impossible; quick-xml never expands entities by itself), undefined
//! entity references, nesting deeper than [`MAX_DEPTH`] and more than [`MAX_ELEMENTS`]
//! elements. The body itself is already bounded by the HTTP layer.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};

pub(super) const DAV: &str = "DAV:";
pub(super) const CALDAV: &str = "urn:ietf:params:xml:ns:caldav";
pub(super) const CALENDARSERVER: &str = "http://calendarserver.org/ns/";
pub(super) const APPLE_ICAL: &str = "http://apple.com/ns/ical/";

/// WebDAV replies nest about eight levels deep; 64 leaves room for any real server.
pub(super) const MAX_DEPTH: usize = 64;
/// A Depth:1 listing of a 100,000-event calendar stays well below this.
pub(super) const MAX_ELEMENTS: usize = 2_000_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum XmlError {
    #[error("the response is not UTF-8")]
    NotUtf8,
    #[error("malformed XML: {0}")]
    Syntax(String),
    #[error("XML document type declarations are refused")]
    Doctype,
    #[error("undefined XML entity &{0};")]
    UndefinedEntity(String),
    #[error("XML nested deeper than {0} levels")]
    TooDeep(usize),
    #[error("XML with more than {0} elements")]
    TooManyElements(usize),
    #[error("the response holds no XML element")]
    Empty,
}

/// One element with its resolved namespace, its attributes (by local name) and the
/// concatenation of its direct text and CDATA content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Element {
    pub namespace: String,
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn is(&self, namespace: &str, name: &str) -> bool {
        self.namespace == namespace && self.name == name
    }

    pub fn child(&self, namespace: &str, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(namespace, name))
    }

    pub fn children_named<'a>(
        &'a self,
        namespace: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.is(namespace, name))
    }

    /// Depth-first search for the first descendant (or self) with this name.
    pub fn find(&self, namespace: &str, name: &str) -> Option<&Element> {
        if self.is(namespace, name) {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(namespace, name))
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The text with surrounding whitespace removed; `None` when nothing is left.
    pub fn trimmed_text(&self) -> Option<&str> {
        let text = self.text.trim();
        (!text.is_empty()).then_some(text)
    }
}

/// Parses a whole document and returns its root element.
pub(super) fn parse(body: &[u8]) -> Result<Element, XmlError> {
    parse_bounded(body, MAX_DEPTH, MAX_ELEMENTS)
}

fn parse_bounded(body: &[u8], max_depth: usize, max_elements: usize) -> Result<Element, XmlError> {
    let text = std::str::from_utf8(body).map_err(|_| XmlError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = NsReader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut elements = 0usize;
    loop {
        let (namespace, event) = reader
            .read_resolved_event()
            .map_err(|e| XmlError::Syntax(e.to_string()))?;
        match event {
            Event::Start(start) | Event::Empty(start) if root.is_some() => {
                return Err(XmlError::Syntax(format!(
                    "a second root element <{}>",
                    start.name().as_ref()
                )));
            }
            Event::Start(start) => {
                let element = open_element(namespace, &start, &mut elements, max_elements)?;
                if stack.len() >= max_depth {
                    return Err(XmlError::TooDeep(max_depth));
                }
                stack.push(element);
            }
            Event::Empty(start) => {
                let element = open_element(namespace, &start, &mut elements, max_elements)?;
                attach(&mut stack, &mut root, element);
            }
            Event::End(_) => {
                // quick-xml checks that end names match their start tags.
                if let Some(element) = stack.pop() {
                    attach(&mut stack, &mut root, element);
                }
            }
            Event::Text(text) => {
                if let Some(top) = stack.last_mut() {
                    top.text
                        .push_str(&text.xml_content(XmlVersion::Implicit1_0));
                }
            }
            Event::CData(data) => {
                if let Some(top) = stack.last_mut() {
                    top.text
                        .push_str(&data.xml_content(XmlVersion::Implicit1_0));
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => resolve_predefined_entity(&reference)
                        .ok_or_else(|| XmlError::UndefinedEntity(reference.to_string()))?
                        .to_string(),
                    Err(e) => return Err(XmlError::Syntax(e.to_string())),
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::DocType(_) => return Err(XmlError::Doctype),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Syntax(
            "the document ends inside an element".into(),
        ));
    }
    root.ok_or(XmlError::Empty)
}

fn open_element(
    namespace: ResolveResult<'_>,
    start: &BytesStart<'_>,
    elements: &mut usize,
    max_elements: usize,
) -> Result<Element, XmlError> {
    *elements += 1;
    if *elements > max_elements {
        return Err(XmlError::TooManyElements(max_elements));
    }
    let namespace = match namespace {
        ResolveResult::Bound(ns) => ns.0.to_string(),
        ResolveResult::Unbound => String::new(),
        ResolveResult::Unknown(prefix) => {
            return Err(XmlError::Syntax(format!("undeclared prefix {prefix:?}")));
        }
    };
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| XmlError::Syntax(e.to_string()))?;
        // Namespace declarations are resolved by the reader; only plain attributes matter.
        if attribute.key.as_namespace_binding().is_some() {
            continue;
        }
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| XmlError::Syntax(e.to_string()))?;
        attributes.push((
            attribute.key.local_name().as_ref().to_string(),
            value.into_owned(),
        ));
    }
    Ok(Element {
        namespace,
        name: start.local_name().as_ref().to_string(),
        attributes,
        children: Vec::new(),
        text: String::new(),
    })
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, element: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn resolves_namespaces_whatever_the_prefix() {
        for doc in [
            r#"<d:multistatus xmlns:d="DAV:"><d:response/></d:multistatus>"#,
            r#"<D:multistatus xmlns:D="DAV:"><D:response/></D:multistatus>"#,
            r#"<multistatus xmlns="DAV:"><response/></multistatus>"#,
            r#"<ns0:multistatus xmlns:ns0="DAV:"><ns0:response/></ns0:multistatus>"#,
        ] {
            let root = parse(doc.as_bytes()).unwrap();
            assert!(root.is(DAV, "multistatus"), "{doc}");
            assert!(root.child(DAV, "response").is_some(), "{doc}");
        }
    }

    #[test]
    fn a_prefix_redeclared_on_a_child_resolves_to_the_inner_namespace() {
        // sabre/dav 1.8 writes CalDAV privileges as `<d:read-free-busy xmlns:d="urn:...caldav"/>`
        // inside a `d:` = DAV: document.
        let doc = r#"<d:privilege xmlns:d="DAV:"><d:read-free-busy xmlns:d="urn:ietf:params:xml:ns:caldav"/></d:privilege>"#;
        let root = parse(doc.as_bytes()).unwrap();
        assert!(root.is(DAV, "privilege"));
        assert!(root.child(CALDAV, "read-free-busy").is_some());
    }

    #[test]
    fn text_unescapes_predefined_and_character_references_and_cdata() {
        let doc = "<a xmlns=\"DAV:\">x &amp; y &lt;&#65;&#x42;&gt;<![CDATA[<raw & kept>]]></a>";
        let root = parse(doc.as_bytes()).unwrap();
        assert_eq!(root.text, "x & y <AB><raw & kept>");
    }

    #[test]
    fn attributes_are_read_by_local_name() {
        let doc = r#"<C:comp xmlns:C="urn:ietf:params:xml:ns:caldav" name="VEVENT"/>"#;
        let root = parse(doc.as_bytes()).unwrap();
        assert_eq!(root.attribute("name"), Some("VEVENT"));
        assert!(root.attributes.iter().all(|(k, _)| k != "C"));
    }

    #[test]
    fn billion_laughs_is_refused_quickly() {
        let doc = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<multistatus xmlns="DAV:"><response><href>&lol9;</href></response></multistatus>"#;
        let started = Instant::now();
        assert_eq!(parse(doc.as_bytes()), Err(XmlError::Doctype));
        assert!(started.elapsed() < Duration::from_millis(100));
    }

    #[test]
    fn undefined_entities_are_refused_not_expanded() {
        let doc = r#"<multistatus xmlns="DAV:"><href>&xxe;</href></multistatus>"#;
        assert_eq!(
            parse(doc.as_bytes()),
            Err(XmlError::UndefinedEntity("xxe".into()))
        );
    }

    #[test]
    fn deeply_nested_xml_is_refused_quickly() {
        let depth = 100_000;
        let doc = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        let started = Instant::now();
        assert_eq!(parse(doc.as_bytes()), Err(XmlError::TooDeep(MAX_DEPTH)));
        assert!(started.elapsed() < Duration::from_millis(500));
    }

    #[test]
    fn too_many_elements_are_refused() {
        let doc = format!("<a>{}</a>", "<b/>".repeat(10));
        assert!(parse_bounded(doc.as_bytes(), 8, 11).is_ok());
        assert_eq!(
            parse_bounded(doc.as_bytes(), 8, 10),
            Err(XmlError::TooManyElements(10))
        );
    }

    #[test]
    fn nesting_up_to_the_limit_is_accepted() {
        let doc = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        assert!(parse(doc.as_bytes()).is_ok());
    }

    #[test]
    fn malformed_documents_are_errors() {
        for doc in [
            "",
            "<a><b></a>",
            "<a>",
            "<a/><b/>",
            "<x:a/>",
            "not xml at all",
        ] {
            assert!(parse(doc.as_bytes()).is_err(), "{doc:?} should be refused");
        }
        assert_eq!(parse(&[0xff, 0xfe, 0x00]), Err(XmlError::NotUtf8));
    }

    #[test]
    fn a_byte_order_mark_is_tolerated() {
        let doc = "\u{feff}<?xml version=\"1.0\"?><a xmlns=\"DAV:\"/>";
        assert!(parse(doc.as_bytes()).unwrap().is(DAV, "a"));
    }
}
