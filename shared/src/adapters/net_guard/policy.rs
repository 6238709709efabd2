//! The URL check before every request (redirect targets included): scheme, names that only
//! mean something locally, and literal IP addresses (which never reach the resolver).

use super::addresses::refusal;
use super::names::name_refusal;
use crate::adapters::caldav::UrlPolicy;
use std::net::{IpAddr, SocketAddr};
use url::{Host, Url};

#[derive(Debug, Clone)]
pub(super) struct PublicUrlPolicy {
    pub allow_plain_http: bool,
    pub trusted: Vec<SocketAddr>,
}

impl PublicUrlPolicy {
    fn check_ip(&self, ip: IpAddr, url: &Url) -> Result<(), String> {
        let port = url.port_or_known_default().unwrap_or(0);
        if self.trusted.contains(&SocketAddr::new(ip, port)) {
            return Ok(());
        }
        match refusal(ip) {
            Some(why) => Err(format!("{ip} is {why}")),
            None => Ok(()),
        }
    }
}

impl UrlPolicy for PublicUrlPolicy {
    fn approve(&self, url: &Url) -> Result<(), String> {
        match url.scheme() {
            "https" => {}
            "http" if self.allow_plain_http => {}
            other => return Err(format!("only https addresses are allowed, not {other}")),
        }
        // The URL parser has already turned every IPv4 spelling (2130706433, 0177.0.0.1,
        // 0x7f.1) into an address, so numeric hosts are never mistaken for names here.
        match url.host() {
            None => Err("the address has no host".into()),
            Some(Host::Ipv4(ip)) => self.check_ip(IpAddr::V4(ip), url),
            Some(Host::Ipv6(ip)) => self.check_ip(IpAddr::V6(ip), url),
            Some(Host::Domain(name)) => match name_refusal(name) {
                Some(why) => Err(format!("{name} is {why}")),
                None => Ok(()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict() -> PublicUrlPolicy {
        PublicUrlPolicy {
            allow_plain_http: false,
            trusted: Vec::new(),
        }
    }

    fn verdict(policy: &PublicUrlPolicy, url: &str) -> Result<(), String> {
        policy.approve(&Url::parse(url).unwrap())
    }

    #[test]
    fn every_spelling_of_a_refused_address_is_refused() {
        for (url, reason) in [
            ("https://127.0.0.1/", "loopback"),
            ("https://2130706433/", "127.0.0.1 is a loopback"),
            ("https://0177.0.0.1/", "127.0.0.1 is a loopback"),
            ("https://0x7f.1/", "127.0.0.1 is a loopback"),
            ("https://127.1/", "127.0.0.1 is a loopback"),
            ("https://[::1]/", "loopback"),
            ("https://[::ffff:7f00:1]/", "loopback"),
            ("https://[fe80::1]/", "link-local"),
            ("https://[fd00:ec2::254]/latest/meta-data/", "metadata"),
            ("https://169.254.169.254/latest/meta-data/", "metadata"),
            ("https://10.0.0.5:8443/dav/", "private"),
            ("https://0.0.0.0/", "unspecified"),
            ("https://localhost/", "single-label"),
            (
                "https://metadata.google.internal/computeMetadata/v1/",
                "metadata",
            ),
        ] {
            let err = verdict(&strict(), url).expect_err(url);
            assert!(err.contains(reason), "{url}: {err}");
        }
    }

    #[test]
    fn plain_http_needs_the_explicit_test_setting() {
        let err = verdict(&strict(), "http://dav.example.org/").unwrap_err();
        assert!(err.contains("only https"), "{err}");
        let relaxed = PublicUrlPolicy {
            allow_plain_http: true,
            ..strict()
        };
        assert!(verdict(&relaxed, "http://dav.example.org/").is_ok());
        assert!(verdict(&relaxed, "ftp://dav.example.org/").is_err());
        assert!(verdict(&strict(), "https://dav.example.org/remote.php/dav").is_ok());
        assert!(verdict(&strict(), "https://93.184.215.14:8443/").is_ok());
    }

    #[test]
    fn a_trusted_test_server_is_trusted_on_its_own_port_only() {
        let policy = PublicUrlPolicy {
            allow_plain_http: true,
            trusted: vec!["127.0.0.1:5232".parse().unwrap()],
        };
        assert!(verdict(&policy, "http://127.0.0.1:5232/alice/").is_ok());
        assert!(verdict(&policy, "http://127.0.0.1:5233/").is_err());
        assert!(verdict(&policy, "http://127.0.0.2:5232/").is_err());
    }
}
