//! Reading items: calendar-multiget (RFC 4791 §7.9) in chunks, with GET where a server's
//! multiget cannot be trusted to say what is missing.

use super::discovery::unreadable;
use super::href::{decoded_path_of, encode_path, is_inside, url_of};
use super::http::DavClient;
use super::http_message::{HttpReply, HttpRequest, normalise_etag};
use super::multistatus;
use super::request_body::calendar_multiget;
use super::xml::{CALDAV, DAV};
use crate::domain::{Etag, RemoteId};
use crate::ports::{FetchedItem, ItemBody, MalformedEvent, ProviderError};
use futures::{StreamExt, TryStreamExt};
use std::collections::BTreeMap;
use url::Url;

/// Hrefs per calendar-multiget: keeps each reply to a few MiB on calendars with large events.
pub(super) const MULTIGET_CHUNK: usize = 100;
/// GETs in flight at once when a chunk falls back to them.
const PARALLEL_GETS: usize = 4;

pub(super) async fn fetch(
    client: &DavClient,
    calendar: &Url,
    ids: &[RemoteId],
) -> Result<Vec<FetchedItem>, ProviderError> {
    let calendar_path = super::href::decode_path(calendar.path());
    if let Some(stranger) = ids.iter().find(|id| !is_inside(&calendar_path, &id.0)) {
        return Err(ProviderError::Permanent(format!(
            "{} is not an item of the calendar {}",
            stranger.0,
            calendar.path()
        )));
    }
    let mut items = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(MULTIGET_CHUNK) {
        items.extend(fetch_chunk(client, calendar, chunk).await?);
    }
    Ok(items)
}

async fn fetch_chunk(
    client: &DavClient,
    calendar: &Url,
    ids: &[RemoteId],
) -> Result<Vec<FetchedItem>, ProviderError> {
    let hrefs: Vec<String> = ids.iter().map(|id| encode_path(&id.0)).collect();
    let body = calendar_multiget(&hrefs);
    let reply = client
        .send(HttpRequest::report(calendar.clone(), None, body))
        .await?;
    if reply.status.as_u16() == 404 {
        // sabre/dav 1.8 fails the whole REPORT with 404 when one href is missing.
        tracing::debug!(
            path = calendar.path(),
            "multiget refused; reading one by one"
        );
        return get_each(client, calendar, ids).await;
    }
    let reply = reply.success()?;
    let found = read_multiget(&reply)?;
    let mut items: Vec<Option<FetchedItem>> = Vec::with_capacity(ids.len());
    let mut unsure = Vec::new();
    for (index, id) in ids.iter().enumerate() {
        match found.get(id) {
            Some(Found::Missing) => items.push(Some(FetchedItem {
                remote_id: id.clone(),
                etag: None,
                body: None,
            })),
            Some(Found::Present {
                etag,
                data: Some(text),
            }) => items.push(Some(FetchedItem {
                remote_id: id.clone(),
                etag: etag.clone(),
                body: Some(parse_body(text)),
            })),
            // DAViCal leaves missing hrefs out silently; a GET tells a deleted item from
            // one the reply forgot, so nothing is taken for deleted on silence alone.
            Some(Found::Present { data: None, .. }) | None => {
                items.push(None);
                unsure.push(index);
            }
        }
    }
    let unsure_ids: Vec<RemoteId> = unsure.iter().map(|&i| ids[i].clone()).collect();
    for (index, item) in unsure
        .into_iter()
        .zip(get_each(client, calendar, &unsure_ids).await?)
    {
        items[index] = Some(item);
    }
    Ok(items.into_iter().flatten().collect())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Found {
    Present {
        etag: Option<Etag>,
        data: Option<String>,
    },
    Missing,
}

pub(super) fn read_multiget(reply: &HttpReply) -> Result<BTreeMap<RemoteId, Found>, ProviderError> {
    let listing = multistatus::parse(&reply.body).map_err(|e| unreadable(&reply.url, e))?;
    let mut found = BTreeMap::new();
    for response in listing.responses {
        let Some(path) = decoded_path_of(&response.href, &reply.url) else {
            continue;
        };
        let entry = match response.status {
            Some(404 | 410) => Found::Missing,
            Some(200..=299) | None => Found::Present {
                etag: response
                    .prop_text(DAV, "getetag")
                    .map(|raw| Etag(normalise_etag(&raw))),
                data: response
                    .prop(CALDAV, "calendar-data")
                    .map(|data| data.text.trim_start().to_string())
                    .filter(|text| !text.is_empty()),
            },
            Some(_) => continue,
        };
        found.insert(RemoteId(path), entry);
    }
    Ok(found)
}

async fn get_each(
    client: &DavClient,
    calendar: &Url,
    ids: &[RemoteId],
) -> Result<Vec<FetchedItem>, ProviderError> {
    futures::stream::iter(ids.iter().cloned())
        .map(|id| get_one(client, calendar, id))
        .buffered(PARALLEL_GETS)
        .try_collect()
        .await
}

async fn get_one(
    client: &DavClient,
    calendar: &Url,
    id: RemoteId,
) -> Result<FetchedItem, ProviderError> {
    let reply = client.send(HttpRequest::get(url_of(calendar, &id))).await?;
    if matches!(reply.status.as_u16(), 404 | 410) {
        return Ok(FetchedItem {
            remote_id: id,
            etag: None,
            body: None,
        });
    }
    let reply = reply.success()?;
    let body = match String::from_utf8(reply.body) {
        Ok(text) => parse_body(&text),
        Err(_) => Err(MalformedEvent {
            reason: "the stored data is not UTF-8".into(),
        }),
    };
    Ok(FetchedItem {
        remote_id: id,
        etag: reply.etag.map(Etag),
        body: Some(body),
    })
}

fn parse_body(text: &str) -> ItemBody {
    crate::ical::parse_event(text).map_err(|e| MalformedEvent {
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::{Method, StatusCode};

    fn multiget(url: &str, body: &str) -> BTreeMap<RemoteId, Found> {
        read_multiget(&HttpReply {
            method: Method::GET,
            url: Url::parse(url).unwrap(),
            status: StatusCode::MULTI_STATUS,
            etag: None,
            retry_after: None,
            date: None,
            body: body.as_bytes().to_vec(),
        })
        .unwrap()
    }

    fn id(path: &str) -> RemoteId {
        RemoteId(path.to_string())
    }

    #[test]
    fn radicale_and_xandikos_mark_a_missing_href_with_404() {
        for (url, body, dir) in [
            (
                "http://h/alice/capture/",
                fixture!("radicale/multiget-missing.xml"),
                "/alice/capture/",
            ),
            (
                "http://h/user/calendars/capture/",
                fixture!("xandikos/multiget-missing.xml"),
                "/user/calendars/capture/",
            ),
        ] {
            let found = multiget(url, body);
            assert_eq!(
                found.get(&id(&format!("{dir}missing.ics"))),
                Some(&Found::Missing)
            );
            let Some(Found::Present {
                etag,
                data: Some(data),
            }) = found.get(&id(&format!("{dir}a@x.ics")))
            else {
                panic!("{url}: a@x.ics should be present with data");
            };
            assert!(etag.as_ref().unwrap().0.starts_with('"'));
            assert!(data.starts_with("BEGIN:VCALENDAR"));
            assert!(data.contains("UID:a@x"));
        }
    }

    #[test]
    fn davical_leaves_a_missing_href_out() {
        let found = multiget(
            "http://h/caldav.php/alice/capture/",
            fixture!("davical/multiget-missing.xml"),
        );
        assert_eq!(found.len(), 1);
        assert!(found.contains_key(&id("/caldav.php/alice/capture/a@x.ics")));
        assert!(!found.contains_key(&id("/caldav.php/alice/capture/missing.ics")));
    }

    #[test]
    fn cdata_calendar_data_is_read_like_text() {
        let body = "<d:multistatus xmlns:d=\"DAV:\" xmlns:cal=\"urn:ietf:params:xml:ns:caldav\"><d:response><d:href>/c/a.ics</d:href><d:propstat><d:prop><d:getetag>\"1\"</d:getetag><cal:calendar-data><![CDATA[BEGIN:VCALENDAR\r\nSUMMARY:a <b> & c\r\nEND:VCALENDAR\r\n]]></cal:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>";
        let found = multiget("http://h/c/", body);
        let Some(Found::Present {
            data: Some(data), ..
        }) = found.get(&id("/c/a.ics"))
        else {
            panic!("expected data");
        };
        // XML end-of-line handling turns CRLF into LF; iCalendar readers accept both.
        assert_eq!(data, "BEGIN:VCALENDAR\nSUMMARY:a <b> & c\nEND:VCALENDAR\n");
    }

    #[test]
    fn a_present_member_without_calendar_data_is_not_taken_for_missing() {
        let body = r#"<multistatus xmlns="DAV:"><response><href>/c/a.ics</href><propstat><prop><getetag>"1"</getetag></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>"#;
        let found = multiget("http://h/c/", body);
        assert_eq!(
            found.get(&id("/c/a.ics")),
            Some(&Found::Present {
                etag: Some(Etag("\"1\"".into())),
                data: None
            })
        );
    }
}
