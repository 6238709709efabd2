//! What the webhook receiver and the management API read off an HTTP request, whatever
//! framework delivered it.

/// The value of header `name` (matched case-insensitively), if present.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Query parameter `name`, percent-decoded.
pub fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_ignore_case_and_queries_are_decoded() {
        let headers = vec![("X-Goog-Channel-ID".to_string(), "ch".to_string())];
        assert_eq!(header(&headers, "x-goog-channel-id"), Some("ch"));
        assert_eq!(header(&headers, "x-goog-channel-token"), None);
        assert_eq!(
            query_param(Some("validationToken=a%3Ab+c&x=1"), "validationToken").as_deref(),
            Some("a:b c")
        );
        assert_eq!(query_param(None, "x"), None);
    }
}
