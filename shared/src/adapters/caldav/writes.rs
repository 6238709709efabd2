//! Conditional writes (RFC 4791 §5.3.2, RFC 7232): create with `If-None-Match: *`, replace
//! and delete with `If-Match`, so a lost race is a 412 and never a duplicate or an overwrite.

use super::href::{decode_path, is_inside, url_of};
use super::http::DavClient;
use super::http_message::{Condition, HttpRequest};
use super::multistatus;
use super::xml::CALDAV;
use crate::domain::{CopyKey, Etag, RemoteId};
use crate::ports::{ProviderError, WriteOutcome};
use url::Url;

pub(super) async fn create(
    client: &DavClient,
    calendar: &Url,
    key: &CopyKey,
    ics: String,
) -> Result<WriteOutcome, ProviderError> {
    let url = resource_url(calendar, key.as_str())?;
    put(client, url, ics, Condition::IfNoneMatchAny).await
}

/// The URL of `<name>.ics` in the calendar; `name` must be a plain resource name.
pub(super) fn resource_url(calendar: &Url, name: &str) -> Result<Url, ProviderError> {
    let plain = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !plain {
        return Err(ProviderError::Permanent(format!(
            "{name:?} is not a plain resource name"
        )));
    }
    calendar
        .join(&format!("{name}.ics"))
        .map_err(|_| ProviderError::Permanent("cannot build the resource URL".into()))
}

pub(super) async fn update(
    client: &DavClient,
    calendar: &Url,
    id: &RemoteId,
    etag: Option<&Etag>,
    ics: String,
) -> Result<WriteOutcome, ProviderError> {
    let url = member_url(calendar, id)?;
    put(client, url, ics, if_match(etag)).await
}

pub(super) async fn delete(
    client: &DavClient,
    calendar: &Url,
    id: &RemoteId,
    etag: Option<&Etag>,
) -> Result<(), ProviderError> {
    let url = member_url(calendar, id)?;
    let reply = client
        .send(HttpRequest::delete(url.clone(), if_match(etag)))
        .await?;
    // 200 (Radicale) and 204 (the others) both mean deleted.
    if reply.is_success() {
        return Ok(());
    }
    if reply.status.as_u16() == 412 {
        // sabre/dav 1.8 answers If-Match on a missing resource with 412 rather than 404:
        // tell "already gone" from "changed meanwhile".
        let current = client.send(HttpRequest::get(url)).await?;
        if matches!(current.status.as_u16(), 404 | 410) {
            return Err(ProviderError::NotFound);
        }
    }
    Err(reply.error())
}

fn if_match(etag: Option<&Etag>) -> Condition {
    match etag {
        Some(etag) => Condition::IfMatch(etag.0.clone()),
        None => Condition::None,
    }
}

/// A writable URL for an item of this calendar; refuses ids of other collections, so a
/// confused caller cannot write or delete elsewhere on the server.
fn member_url(calendar: &Url, id: &RemoteId) -> Result<Url, ProviderError> {
    if !is_inside(&decode_path(calendar.path()), &id.0) || id.0.ends_with('/') {
        return Err(ProviderError::Permanent(format!(
            "{} is not an item of the calendar {}",
            id.0,
            calendar.path()
        )));
    }
    Ok(url_of(calendar, id))
}

async fn put(
    client: &DavClient,
    url: Url,
    ics: String,
    condition: Condition,
) -> Result<WriteOutcome, ProviderError> {
    if ics.trim().is_empty() {
        return Err(ProviderError::Permanent(format!(
            "PUT {}: refusing to write an empty iCalendar object",
            url.path()
        )));
    }
    let reply = client
        .send(HttpRequest::put_calendar(url, ics, condition.clone()))
        .await?;
    if reply.is_success() {
        return Ok(WriteOutcome {
            remote_id: RemoteId(decode_path(reply.url.path())),
            etag: reply.etag.map(Etag),
        });
    }
    let caldav_conditions: Vec<String> = multistatus::error_conditions(&reply.body)
        .into_iter()
        .filter(|(ns, _)| ns == CALDAV)
        .map(|(_, name)| name)
        .collect();
    if caldav_conditions
        .iter()
        .any(|name| name == "no-uid-conflict")
    {
        // RFC 4791 §5.3.2.1 (Radicale answers 409, Xandikos 412).
        return Err(ProviderError::Permanent(format!(
            "PUT {}: the event's UID is already used by another item of this calendar",
            reply.url.path()
        )));
    }
    if !caldav_conditions.is_empty() {
        // Xandikos 0.4 refuses invalid data with 412 + CALDAV:valid-calendar-data.
        return Err(refused_data(
            &reply.url,
            reply.status.as_u16(),
            &caldav_conditions,
        ));
    }
    match reply.status.as_u16() {
        // DAViCal 1.1 answers data it cannot read with 412 and a plain-text body, and some
        // servers answer a create racing an existing resource with 409: whether the
        // precondition really failed is checked against the resource itself.
        status @ (412 | 409) => {
            Err(check_precondition(client, &reply.url, &condition, status).await?)
        }
        _ => Err(reply.error()),
    }
}

/// What a 412 (or 409) to a PUT meant: `PreconditionFailed` when the resource is not in the
/// state the condition asked for, else the data was refused.
async fn check_precondition(
    client: &DavClient,
    url: &Url,
    condition: &Condition,
    status: u16,
) -> Result<ProviderError, ProviderError> {
    let current = client.send(HttpRequest::get(url.clone())).await?;
    let exists = current.is_success();
    if !exists && !matches!(current.status.as_u16(), 404 | 410) {
        return Err(current.error());
    }
    let failed = match condition {
        Condition::IfNoneMatchAny => exists,
        Condition::IfMatch(etag) => !exists || current.etag.as_deref() != Some(etag.as_str()),
        Condition::None => false,
    };
    Ok(if failed {
        ProviderError::PreconditionFailed
    } else {
        refused_data(url, status, &[])
    })
}

fn refused_data(url: &Url, status: u16, conditions: &[String]) -> ProviderError {
    let detail = if conditions.is_empty() {
        String::new()
    } else {
        format!(", {}", conditions.join(", "))
    };
    ProviderError::Permanent(format!(
        "PUT {}: the server refused the event data ({status}{detail})",
        url.path()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_are_created_as_key_dot_ics_inside_the_calendar() {
        let calendar = Url::parse("http://h/caldav.php/alice/work/").unwrap();
        let url = resource_url(&calendar, "0123abcd").unwrap();
        assert_eq!(url.as_str(), "http://h/caldav.php/alice/work/0123abcd.ics");
        assert!(resource_url(&calendar, "../x").is_err());
        assert!(resource_url(&calendar, "").is_err());
    }

    #[test]
    fn writes_outside_the_calendar_are_refused() {
        let calendar = Url::parse("http://h/alice/work/").unwrap();
        assert!(member_url(&calendar, &RemoteId("/alice/work/a@x.ics".into())).is_ok());
        assert_eq!(
            member_url(&calendar, &RemoteId("/alice/work/a@x.ics".into()))
                .unwrap()
                .path(),
            "/alice/work/a%40x.ics"
        );
        assert!(member_url(&calendar, &RemoteId("/alice/home/a.ics".into())).is_err());
        assert!(member_url(&calendar, &RemoteId("/alice/work/".into())).is_err());
        assert!(member_url(&calendar, &RemoteId("/alice/work/sub/".into())).is_err());
    }
}
