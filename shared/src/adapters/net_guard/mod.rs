//! The SSRF guard of the serverless deployment: a tenant's CalDAV address (and every
//! redirect it leads to) must not make the service reach the cloud's metadata service,
//! loopback, private networks or other addresses that are not the public internet.
//!
//! It is enforced where connections are made, in two places, because neither is enough
//! alone: the CalDAV client's [`UrlPolicy`] checks the scheme, local-only names and literal
//! IP hosts before each request (literal IPs never reach a resolver), and a DNS resolver
//! drops refused addresses from every lookup at connect time, so a name that resolves to a
//! public address at validation and to 127.0.0.1 a second later (DNS rebinding) is refused.
//!
//! The embedded runtime does not use it: self-hosters sync servers on their own LAN.

mod addresses;
mod names;
mod policy;
mod resolver;

pub use addresses::refusal as address_refusal;
pub use resolver::{HostLookup, SystemLookup};

use super::caldav::{CaldavOptions, DnsResolver, UrlPolicy};
use policy::PublicUrlPolicy;
use resolver::PublicOnlyResolver;
use std::net::SocketAddr;
use std::sync::Arc;

/// A connection the guard refused (the resolver's error, found again in reqwest's chain).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{reason}")]
pub struct AddressRefused {
    pub host: String,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct NetGuard {
    allow_plain_http: bool,
    trusted: Vec<SocketAddr>,
    lookup: Arc<dyn HostLookup>,
}

impl NetGuard {
    /// The cloud's setting: https only (a password sent with Basic auth must not cross the
    /// internet in clear), public addresses only, names through the system resolver.
    pub fn public_https_only() -> Self {
        Self {
            allow_plain_http: false,
            trusted: Vec::new(),
            lookup: Arc::new(SystemLookup),
        }
    }

    /// Tests only: accept `http://` (local test servers speak plain HTTP).
    pub fn allow_plain_http_for_tests(mut self) -> Self {
        self.allow_plain_http = true;
        self
    }

    /// Tests only: treat this literal address and port (a local test server) as public.
    /// Names are never trusted: the resolver still filters what they resolve to.
    pub fn trust_for_tests(mut self, server: SocketAddr) -> Self {
        self.trusted.push(server);
        self
    }

    /// Resolves names through `lookup` instead of the system resolver.
    pub fn with_lookup(mut self, lookup: Arc<dyn HostLookup>) -> Self {
        self.lookup = lookup;
        self
    }

    pub fn url_policy(&self) -> Arc<dyn UrlPolicy> {
        Arc::new(PublicUrlPolicy {
            allow_plain_http: self.allow_plain_http,
            trusted: self.trusted.clone(),
        })
    }

    pub fn resolver(&self) -> DnsResolver {
        DnsResolver(Arc::new(PublicOnlyResolver {
            lookup: self.lookup.clone(),
        }))
    }

    /// `options` with this guard's policy and resolver.
    pub fn guard(&self, options: CaldavOptions) -> CaldavOptions {
        CaldavOptions {
            url_policy: self.url_policy(),
            resolver: Some(self.resolver()),
            ..options
        }
    }
}
