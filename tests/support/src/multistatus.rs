//! Just enough of a WebDAV multistatus (RFC 4918 §14.16) to list a collection's members: each
//! response's own href and its getetag. Elements are matched by local name; the observer does
//! not need namespace rigour, only to be right about these two values.

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member {
    pub href: String,
    /// None when the server reported no ETag (a collection, or a 404 propstat).
    pub etag: Option<String>,
}

pub(crate) fn parse_members(xml: &str) -> Vec<Member> {
    let mut reader = Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut members = Vec::new();
    let mut href = None;
    let mut etag = None;
    let mut text = String::new();
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("unreadable multistatus ({e}): {xml}"));
        match event {
            Event::Start(start) => {
                path.push(start.local_name().as_ref().to_string());
                text.clear();
            }
            Event::Empty(_) => {}
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::CData(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => match r.resolve_char_ref() {
                Ok(Some(c)) => text.push(c),
                _ => {
                    let name = r.xml10_content();
                    text.push_str(resolve_predefined_entity(&name).unwrap_or_default());
                }
            },
            Event::End(_) => {
                let ended = path.pop().unwrap_or_default();
                let parent = path.last().map(String::as_str);
                match (ended.as_str(), parent) {
                    ("href", Some("response")) => href = Some(text.trim().to_string()),
                    ("getetag", _) if !text.trim().is_empty() => {
                        etag = Some(text.trim().to_string());
                    }
                    ("response", _) => {
                        if let Some(href) = href.take() {
                            members.push(Member {
                                href,
                                etag: etag.take(),
                            });
                        }
                        etag = None;
                    }
                    _ => {}
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    members
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_carry_their_own_href_and_unescaped_etag() {
        let xml = r#"<?xml version="1.0"?>
<multistatus xmlns="DAV:">
  <response>
    <href>/alice/cal/</href>
    <propstat><prop><getetag/></prop><status>HTTP/1.1 404 Not Found</status></propstat>
  </response>
  <response>
    <href>/alice/cal/a%40b.ics</href>
    <propstat><prop><getetag>&quot;abc&quot;</getetag></prop>
      <status>HTTP/1.1 200 OK</status></propstat>
  </response>
  <D:response xmlns:D="DAV:">
    <D:href>/alice/cal/c.ics</D:href>
    <D:propstat><D:prop><D:getetag>"1-2"</D:getetag></D:prop></D:propstat>
  </D:response>
</multistatus>"#;
        assert_eq!(
            parse_members(xml),
            vec![
                Member {
                    href: "/alice/cal/".into(),
                    etag: None
                },
                Member {
                    href: "/alice/cal/a%40b.ics".into(),
                    etag: Some("\"abc\"".into())
                },
                Member {
                    href: "/alice/cal/c.ics".into(),
                    etag: Some("\"1-2\"".into())
                },
            ]
        );
    }
}
