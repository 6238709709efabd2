//! Hrefs and resource URLs.
//!
//! Servers disagree on escaping: Radicale and DAViCal return `a%40x.ics`, Xandikos returns
//! `a@x.ics` for the same resource. A [`RemoteId`] is therefore the percent-DECODED absolute
//! path, and request URLs are built from it with one encoding: everything outside the RFC 3986
//! unreserved characters and `/` is percent-encoded, which every server tested accepts.

use crate::domain::RemoteId;
use crate::ports::ProviderError;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use url::Url;

/// RFC 3986 §2.3 unreserved characters, plus the path separator.
const PATH_KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

pub(super) fn encode_path(decoded: &str) -> String {
    utf8_percent_encode(decoded, PATH_KEEP).to_string()
}

/// Decodes a path. Resource names that are not UTF-8 once decoded do not occur on CalDAV
/// servers in practice; they are read lossily rather than refused.
pub(super) fn decode_path(path: &str) -> String {
    percent_decode_str(path).decode_utf8_lossy().into_owned()
}

/// The decoded absolute path an href denotes, resolved against the URL it came from.
/// `None` for hrefs that cannot be read as a URL.
pub(super) fn decoded_path_of(href: &str, base: &Url) -> Option<String> {
    let href = href.trim();
    if href.starts_with("http://") || href.starts_with("https://") {
        let url = Url::parse(href).ok()?;
        return Some(decode_path(url.path()));
    }
    if href.starts_with('/') {
        // Taken verbatim (not through a URL parser): Xandikos returns names unescaped, and a
        // resource named `a?b.ics` must not lose `?b.ics` as a query.
        return Some(decode_path(href));
    }
    let joined = base.join(&encode_path(&decode_path(href))).ok()?;
    Some(decode_path(joined.path()))
}

/// The URL of a decoded absolute path on the host of `base`.
pub(super) fn url_for_path(base: &Url, decoded_path: &str) -> Url {
    let mut url = base.clone();
    url.set_path(&encode_path(decoded_path));
    url.set_query(None);
    url.set_fragment(None);
    url
}

pub(super) fn url_of(base: &Url, id: &RemoteId) -> Url {
    url_for_path(base, &id.0)
}

/// A collection URL in canonical form: consistently encoded path ending in `/`, no query,
/// fragment or credentials. Calendar ids derive from it, so it must not depend on how a
/// server happened to escape the href.
pub(super) fn collection_url(url: &Url) -> Url {
    let mut path = decode_path(url.path());
    if !path.ends_with('/') {
        path.push('/');
    }
    let mut url = url_for_path(url, &path);
    // Only fails for URLs that cannot carry credentials, which then have none to remove.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url
}

/// The canonical URL of a stored calendar address.
pub(super) fn calendar_url(address: &str) -> Result<Url, ProviderError> {
    let url = Url::parse(address).map_err(|_| {
        ProviderError::Permanent("the calendar address is not a valid URL".to_string())
    })?;
    Ok(collection_url(&url))
}

/// Whether two decoded paths name the same collection (trailing slash optional).
pub(super) fn same_collection(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

/// Whether a decoded path names a direct or indirect member of the collection at `collection`.
/// Dot segments are refused: `/cal/../other/x.ics` must not pass for a member of `/cal/`.
pub(super) fn is_inside(collection: &str, path: &str) -> bool {
    if path
        .split('/')
        .any(|segment| segment == "." || segment == "..")
    {
        return false;
    }
    let prefix = if collection.ends_with('/') {
        collection.to_string()
    } else {
        format!("{collection}/")
    };
    path.len() > prefix.len() && path.starts_with(&prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote_id_of(href: &str, base: &Url) -> Option<RemoteId> {
        decoded_path_of(href, base).map(RemoteId)
    }

    fn base() -> Url {
        Url::parse("http://127.0.0.1:5232/alice/cal/").unwrap()
    }

    #[test]
    fn escaped_and_unescaped_hrefs_give_the_same_remote_id() {
        let radicale = remote_id_of("/alice/cal/a%40x.ics", &base()).unwrap();
        let xandikos = remote_id_of("/alice/cal/a@x.ics", &base()).unwrap();
        let full_url = remote_id_of("http://127.0.0.1:5232/alice/cal/a%40x.ics", &base()).unwrap();
        assert_eq!(radicale, RemoteId("/alice/cal/a@x.ics".into()));
        assert_eq!(radicale, xandikos);
        assert_eq!(radicale, full_url);
    }

    #[test]
    fn relative_hrefs_resolve_against_the_collection() {
        assert_eq!(
            remote_id_of("b%20c.ics", &base()).unwrap(),
            RemoteId("/alice/cal/b c.ics".into())
        );
    }

    #[test]
    fn unescaped_reserved_characters_stay_in_the_name() {
        assert_eq!(
            remote_id_of("/alice/cal/a?b#c.ics", &base()).unwrap(),
            RemoteId("/alice/cal/a?b#c.ics".into())
        );
    }

    #[test]
    fn urls_encode_everything_but_unreserved_and_slash() {
        let url = url_of(&base(), &RemoteId("/alice/cal/a@x y?#%+é~.ics".into()));
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:5232/alice/cal/a%40x%20y%3F%23%25%2B%C3%A9~.ics"
        );
        // And back.
        assert_eq!(
            remote_id_of(url.path(), &base()).unwrap().0,
            "/alice/cal/a@x y?#%+é~.ics"
        );
    }

    #[test]
    fn collection_urls_are_canonical() {
        let a = collection_url(&Url::parse("http://u:p@h/user/calendars/my%40cal?x=1#f").unwrap());
        let b = collection_url(&Url::parse("http://h/user/calendars/my@cal/").unwrap());
        assert_eq!(a.as_str(), "http://h/user/calendars/my%40cal/");
        assert_eq!(a, b);
    }

    #[test]
    fn membership_is_by_path_prefix() {
        assert!(is_inside("/alice/cal/", "/alice/cal/a.ics"));
        assert!(is_inside("/alice/cal", "/alice/cal/a.ics"));
        assert!(!is_inside("/alice/cal/", "/alice/cal/"));
        assert!(!is_inside("/alice/cal/", "/alice/calendar/a.ics"));
        assert!(same_collection("/alice/cal/", "/alice/cal"));
        assert!(!is_inside("/alice/cal/", "/alice/cal/../bob/a.ics"));
        assert!(!is_inside("/alice/cal/", "/alice/cal/./a.ics"));
    }
}
