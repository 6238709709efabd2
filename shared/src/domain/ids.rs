//! Identities. Every id that ends up inside an origin tag is validated so the tag
//! `<tenant>:<calendar>:<uid>` can always be split back unambiguously.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdError {
    #[error("{kind} must be 1-64 characters of [A-Za-z0-9_-], got {value:?}")]
    InvalidId { kind: &'static str, value: String },
    #[error("origin tag must look like <tenant>:<calendar>:<uid>, got {0:?}")]
    InvalidOriginTag(String),
}

fn validate_simple_id(kind: &'static str, value: &str) -> Result<(), IdError> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(IdError::InvalidId {
            kind,
            value: value.to_string(),
        })
    }
}

macro_rules! simple_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(value: impl Into<String>) -> Result<Self, IdError> {
                let value = value.into();
                validate_simple_id($kind, &value)?;
                Ok(Self(value))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, IdError> {
                Self::parse(value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

simple_id!(
    /// One installation (embedded) or one customer (cloud). Copies carry it so two
    /// users syncing the same shared calendar never mistake each other's copies for their own.
    TenantId,
    "tenant id"
);
simple_id!(
    /// Stable calendar id, derived from the calendar's address so that re-adding an
    /// account keeps the ids that existing copies carry in their origin tags.
    CalendarId,
    "calendar id"
);
simple_id!(AccountId, "account id");
simple_id!(LinkId, "link id");

impl CalendarId {
    /// `c` + 10 lowercase base32 characters of SHA-256(kind + address): short enough to type
    /// in `calsync link add`, stable across re-discovery.
    pub fn derive(kind: &str, address: &str) -> Self {
        let digest = Sha256::digest(format!("{kind}\n{address}").as_bytes());
        Self(format!("c{}", &base32_lower(&digest)[..10]))
    }
}

const BASE32_ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

fn base32_lower(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(
                BASE32_ALPHABET[((buffer >> bits) & 31) as usize],
            ));
        }
    }
    if bits > 0 {
        out.push(char::from(
            BASE32_ALPHABET[((buffer << (5 - bits)) & 31) as usize],
        ));
    }
    out
}

/// An original event, identified within a tenant by its calendar and its iCalendar UID.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OriginKey {
    pub calendar: CalendarId,
    pub uid: String,
}

/// The mark every copy carries: `<tenant>:<original calendar>:<original UID>`.
/// It names no link, so two links that copy the same original recognise each other's copies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OriginTag {
    pub tenant: TenantId,
    pub origin: OriginKey,
}

impl OriginTag {
    pub fn new(tenant: TenantId, origin: OriginKey) -> Self {
        Self { tenant, origin }
    }

    pub fn parse(value: &str) -> Result<Self, IdError> {
        let invalid = || IdError::InvalidOriginTag(value.to_string());
        let mut parts = value.splitn(3, ':');
        let tenant = parts.next().ok_or_else(invalid)?;
        let calendar = parts.next().ok_or_else(invalid)?;
        let uid = parts.next().ok_or_else(invalid)?;
        if uid.is_empty() {
            return Err(invalid());
        }
        Ok(Self {
            tenant: TenantId::parse(tenant).map_err(|_| invalid())?,
            origin: OriginKey {
                calendar: CalendarId::parse(calendar).map_err(|_| invalid())?,
                uid: uid.to_string(),
            },
        })
    }

    /// The deterministic key of this original's copy on `target`: the same for every link,
    /// so two links (or a retried create) converge on one resource instead of two.
    pub fn copy_key(&self, target: &CalendarId) -> CopyKey {
        let digest = Sha256::digest(format!("{self}\n{target}").as_bytes());
        CopyKey(hex::encode(&digest[..16]))
    }
}

impl fmt::Display for OriginTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}",
            self.tenant, self.origin.calendar, self.origin.uid
        )
    }
}

/// 32 lowercase hex characters. Valid as a CalDAV resource name, as a Google event id
/// (base32hex `[a-v0-9]`, 5-1024 chars) and as a Graph `transactionId`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CopyKey(String);

impl CopyKey {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The UID a copy carries: unique per target calendar because some servers
    /// (Fastmail, iCloud, Zimbra) misbehave when one account holds a UID twice.
    pub fn copy_uid(&self) -> String {
        format!("{}@calsync", self.0)
    }
}

impl fmt::Display for CopyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A provider's id for one stored event: a decoded CalDAV href path, or a Google/Graph event id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RemoteId(pub String);

impl fmt::Display for RemoteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An opaque entity tag, compared byte for byte (servers disagree on quoting and weakness).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Etag(pub String);

impl fmt::Display for Etag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// SHA-256 (hex) of an event's canonical form; see [`crate::ical::content_hash`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ContentHash(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_tag_round_trips_uids_containing_colons() {
        let tag = OriginTag::new(
            TenantId::parse("t1").unwrap(),
            OriginKey {
                calendar: CalendarId::parse("cabc").unwrap(),
                uid: "urn:uuid:1234".into(),
            },
        );
        assert_eq!(tag.to_string(), "t1:cabc:urn:uuid:1234");
        assert_eq!(OriginTag::parse(&tag.to_string()).unwrap(), tag);
    }

    #[test]
    fn origin_tag_rejects_missing_parts() {
        assert!(OriginTag::parse("t1:cabc").is_err());
        assert!(OriginTag::parse("t1:cabc:").is_err());
        assert!(OriginTag::parse("t 1:cabc:x").is_err());
    }

    #[test]
    fn copy_key_depends_on_target_and_is_google_id_safe() {
        let tag = OriginTag::parse("t1:ca:uid-1").unwrap();
        let a = tag.copy_key(&CalendarId::parse("cb").unwrap());
        let b = tag.copy_key(&CalendarId::parse("cc").unwrap());
        assert_ne!(a, b);
        assert_eq!(a, tag.copy_key(&CalendarId::parse("cb").unwrap()));
        assert_eq!(a.as_str().len(), 32);
        assert!(
            a.as_str()
                .bytes()
                .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'v'))
        );
    }

    #[test]
    fn calendar_id_is_stable_and_short() {
        let a = CalendarId::derive("caldav", "https://example.org/cal/alice/work/");
        assert_eq!(
            a,
            CalendarId::derive("caldav", "https://example.org/cal/alice/work/")
        );
        assert_eq!(a.as_str().len(), 11);
        assert_ne!(
            a,
            CalendarId::derive("caldav", "https://example.org/cal/alice/home/")
        );
    }

    #[test]
    fn ids_reject_separators() {
        assert!(TenantId::parse("a:b").is_err());
        assert!(LinkId::parse("").is_err());
        assert!(AccountId::parse("x".repeat(65)).is_err());
    }
}
