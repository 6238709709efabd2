//! Host names refused before any lookup: names that only mean something inside a network
//! (and would resolve to it through a search domain or a local resolver).

/// Why the host name `host` may not be used, or `None`.
pub fn name_refusal(host: &str) -> Option<&'static str> {
    let name = host.trim_end_matches('.').to_ascii_lowercase();
    // A single label ("metadata", "intranet") is completed by the resolver's search domains.
    if !name.contains('.') {
        return Some("a single-label (unqualified) host name");
    }
    if name == "metadata.google.internal" {
        return Some("the cloud metadata service");
    }
    // RFC 6761 (localhost), RFC 6762 (local), RFC 8375 (home.arpa); ICANN reserved
    // .internal for private use in 2024 (EC2's internal names live under it).
    for (suffix, why) in [
        ("localhost", "a loopback name"),
        ("local", "a link-local (mDNS) name"),
        ("internal", "a private-use name"),
        ("home.arpa", "a home-network name"),
    ] {
        if name == suffix || name.ends_with(&format!(".{suffix}")) {
            return Some(why);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_and_metadata_names_are_refused_in_any_case_and_with_a_root_dot() {
        for (host, reason) in [
            ("localhost", "single-label"),
            ("metadata", "single-label"),
            ("LOCALHOST.", "single-label"),
            ("app.localhost", "loopback"),
            ("metadata.google.internal", "metadata"),
            ("Metadata.Google.Internal.", "metadata"),
            ("ip-10-0-0-1.ec2.internal", "private-use"),
            ("printer.local", "mDNS"),
            ("nas.home.arpa", "home-network"),
        ] {
            let found = name_refusal(host).unwrap_or_else(|| panic!("{host} was allowed"));
            assert!(found.contains(reason), "{host}: {found}");
        }
    }

    #[test]
    fn ordinary_public_names_pass() {
        for host in [
            "caldav.fastmail.com",
            "cloud.example.org",
            "posteo.de",
            "localhost.example.org",
            "internal.example.com",
        ] {
            assert_eq!(name_refusal(host), None, "{host}");
        }
    }
}
