//! Name resolution that drops addresses the guard refuses, at the moment of connecting: a
//! name that resolved to a public address when the account was added and to 127.0.0.1 now
//! (DNS rebinding) is refused now.

use super::AddressRefused;
use super::addresses::refusal;
use super::names::name_refusal;
use futures::future::BoxFuture;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// Where names are looked up: the system resolver, or a fixed table in tests.
pub trait HostLookup: Send + Sync + fmt::Debug {
    fn lookup(&self, host: String) -> BoxFuture<'static, std::io::Result<Vec<IpAddr>>>;
}

/// getaddrinfo, through tokio's blocking pool.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemLookup;

impl HostLookup for SystemLookup {
    fn lookup(&self, host: String) -> BoxFuture<'static, std::io::Result<Vec<IpAddr>>> {
        Box::pin(async move {
            let addresses = tokio::net::lookup_host((host.as_str(), 0)).await?;
            Ok(addresses.map(|a| a.ip()).collect())
        })
    }
}

#[derive(Debug, Clone)]
pub(super) struct PublicOnlyResolver {
    pub lookup: Arc<dyn HostLookup>,
}

impl PublicOnlyResolver {
    /// The addresses of `host` that may be reached; refused when none remain.
    pub async fn public_addresses(&self, host: String) -> Result<Vec<IpAddr>, AddressRefused> {
        if let Some(why) = name_refusal(&host) {
            return Err(AddressRefused {
                reason: format!("{host} is {why}"),
                host,
            });
        }
        let found = self
            .lookup
            .lookup(host.clone())
            .await
            .map_err(|e| AddressRefused {
                reason: format!("{host} could not be resolved: {e}"),
                host: host.clone(),
            })?;
        keep_public(host, found)
    }
}

/// The addresses `host` resolved to that may be reached; refused when none remain.
fn keep_public(host: String, found: Vec<IpAddr>) -> Result<Vec<IpAddr>, AddressRefused> {
    let (public, refused): (Vec<IpAddr>, Vec<IpAddr>) =
        found.into_iter().partition(|ip| refusal(*ip).is_none());
    if public.is_empty() {
        let reason = match refused.first() {
            Some(ip) => format!(
                "{host} resolves only to addresses that may not be reached ({ip} is {})",
                refusal(*ip).unwrap_or("refused")
            ),
            None => format!("{host} has no addresses"),
        };
        return Err(AddressRefused { host, reason });
    }
    Ok(public)
}

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let resolver = self.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let public = resolver.public_addresses(host).await?;
            // Port 0: reqwest puts in the URL's port (or the scheme's default).
            let addrs: Addrs = Box::new(public.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::str::FromStr;

    #[derive(Debug)]
    struct Table(HashMap<&'static str, Vec<&'static str>>);

    impl HostLookup for Table {
        fn lookup(&self, host: String) -> BoxFuture<'static, std::io::Result<Vec<IpAddr>>> {
            let found = self.0.get(host.as_str()).map(|ips| {
                ips.iter()
                    .map(|ip| ip.parse().unwrap())
                    .collect::<Vec<IpAddr>>()
            });
            Box::pin(async move {
                found.ok_or_else(|| {
                    std::io::Error::new(std::io::ErrorKind::NotFound, "no such name")
                })
            })
        }
    }

    fn resolver() -> PublicOnlyResolver {
        PublicOnlyResolver {
            lookup: Arc::new(Table(HashMap::from([
                ("rebind.example", vec!["127.0.0.1"]),
                ("mixed.example", vec!["10.0.0.1", "93.184.215.14", "::1"]),
                ("meta.example", vec!["169.254.169.254", "fd00:ec2::254"]),
                (
                    "dav.example",
                    vec!["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
                ),
            ]))),
        }
    }

    async fn resolve(host: &str) -> Result<Vec<SocketAddr>, String> {
        resolver()
            .resolve(Name::from_str(host).unwrap())
            .await
            .map(|addrs| addrs.collect())
            .map_err(|e| e.to_string())
    }

    #[tokio::test]
    async fn a_name_resolving_only_to_refused_addresses_is_refused() {
        let err = resolve("rebind.example").await.unwrap_err();
        assert!(err.contains("127.0.0.1 is a loopback address"), "{err}");
        let err = resolve("meta.example").await.unwrap_err();
        assert!(err.contains("metadata"), "{err}");
    }

    #[tokio::test]
    async fn only_the_public_addresses_of_a_mixed_answer_are_used() {
        let addrs = resolve("mixed.example").await.unwrap();
        assert_eq!(addrs, vec!["93.184.215.14:0".parse().unwrap()]);
        assert_eq!(resolve("dav.example").await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn local_names_are_refused_before_any_lookup() {
        let err = resolve("localhost").await.unwrap_err();
        assert!(err.contains("single-label"), "{err}");
        let err = resolve("metadata.google.internal").await.unwrap_err();
        assert!(err.contains("metadata"), "{err}");
    }

    #[tokio::test]
    async fn what_the_system_resolver_says_of_localhost_is_refused_by_address_too() {
        // Even without the name rule, getaddrinfo's answer (127.0.0.1 / ::1) is filtered out.
        let found = SystemLookup.lookup("localhost".into()).await.unwrap();
        assert!(
            !found.is_empty() && found.iter().all(|ip| ip.is_loopback()),
            "{found:?}"
        );
        let err = keep_public("localhost".into(), found).unwrap_err();
        assert!(err.reason.contains("loopback"), "{err}");
    }
}
