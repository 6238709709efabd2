//! Keys and attribute encodings. Structured values are JSON strings (as in the SQLite
//! adapter); anything that does not decode is [`StoreError::Corrupt`], never defaulted.

use crate::domain::{CalendarId, LinkId, TenantId};
use crate::ports::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;

pub(super) type Item = HashMap<String, AttributeValue>;

pub(super) fn tenant_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}")
}

pub(super) fn index_pk(tenant: &TenantId, calendar: &CalendarId) -> String {
    format!("T#{tenant}#CAL#{calendar}")
}

pub(super) fn link_state_pk(tenant: &TenantId, link: &LinkId) -> String {
    format!("T#{tenant}#LINK#{link}")
}

pub(super) fn channel_pk(id: &str) -> String {
    format!("CHANNEL#{id}")
}

pub(super) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(super) fn n(value: impl std::fmt::Display) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A new item with its key and `attributes`.
pub(super) fn item(pk: String, sk: String, attributes: Vec<(&str, AttributeValue)>) -> Item {
    let mut item: Item = attributes
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect();
    item.insert("pk".into(), AttributeValue::S(pk));
    item.insert("sk".into(), AttributeValue::S(sk));
    item
}

pub(super) fn json<T: Serialize>(what: &str, value: &T) -> Result<AttributeValue, StoreError> {
    serde_json::to_string(value)
        .map(AttributeValue::S)
        .map_err(|e| StoreError::Corrupt(format!("cannot encode {what}: {e}")))
}

pub(super) fn string<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    match item.get(name) {
        Some(AttributeValue::S(value)) => Ok(value),
        other => Err(StoreError::Corrupt(format!(
            "stored attribute {name} is {other:?}, not a string"
        ))),
    }
}

pub(super) fn optional_string<'a>(
    item: &'a Item,
    name: &str,
) -> Result<Option<&'a str>, StoreError> {
    match item.get(name) {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(_) => string(item, name).map(Some),
    }
}

pub(super) fn number(item: &Item, name: &str) -> Result<Option<i64>, StoreError> {
    match item.get(name) {
        None => Ok(None),
        Some(AttributeValue::N(value)) => value
            .parse()
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("stored {name} {value:?}: {e}"))),
        Some(other) => Err(StoreError::Corrupt(format!(
            "stored attribute {name} is {other:?}, not a number"
        ))),
    }
}

pub(super) fn from_json<T: DeserializeOwned>(
    what: &str,
    item: &Item,
    name: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(string(item, name)?)
        .map_err(|e| StoreError::Corrupt(format!("stored {what}: {e}")))
}

/// Validated ids read back from an attribute.
pub(super) fn parsed_id<T>(what: &str, item: &Item, name: &str) -> Result<T, StoreError>
where
    T: TryFrom<String>,
    T::Error: std::fmt::Display,
{
    T::try_from(string(item, name)?.to_string())
        .map_err(|e| StoreError::Corrupt(format!("stored {what}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undecodable_attributes_are_corrupt_not_defaulted() {
        let item = item(
            "p".into(),
            "s".into(),
            vec![("body", s("{\"x\": 1")), ("version", s("one"))],
        );
        let body: Result<Vec<u8>, _> = from_json("body", &item, "body");
        assert!(matches!(body, Err(StoreError::Corrupt(_))));
        assert!(matches!(
            number(&item, "version"),
            Err(StoreError::Corrupt(_))
        ));
        assert!(matches!(string(&item, "gone"), Err(StoreError::Corrupt(_))));
        assert_eq!(number(&item, "gone").unwrap(), None);
    }
}
