//! The path for servers without RFC 6578 (sabre/dav 1.8, or a sync report refused although
//! advertised): a Depth:0 CTag gate, then a Depth:1 ETag listing when the CTag moved.

use super::super::discovery::unreadable;
use super::super::href::{decoded_path_of, is_inside};
use super::super::http::DavClient;
use super::super::http_message::{HttpReply, HttpRequest};
use super::super::multistatus::{self, DavResponse};
use super::super::request_body::propfind;
use super::super::xml::{CALENDARSERVER, DAV};
use super::etag;
use crate::domain::RemoteId;
use crate::ports::{ItemChange, ProviderError};
use url::Url;

#[derive(Debug, Default, PartialEq, Eq)]
pub(in super::super) struct Gate {
    pub ctag: Option<String>,
    pub sync_token: Option<String>,
}

pub(super) async fn read_gate(client: &DavClient, url: &Url) -> Result<Gate, ProviderError> {
    let body = propfind(&[(CALENDARSERVER, "getctag"), (DAV, "sync-token")]);
    let reply = client
        .send(HttpRequest::propfind(url.clone(), "0", body))
        .await?
        .success()?;
    let listing = multistatus::parse(&reply.body).map_err(|e| unreadable(&reply.url, e))?;
    Ok(gate_from(listing.responses.first()))
}

pub(in super::super) fn gate_from(response: Option<&DavResponse>) -> Gate {
    Gate {
        ctag: response.and_then(|r| r.prop_text(CALENDARSERVER, "getctag")),
        sync_token: response.and_then(|r| r.prop_text(DAV, "sync-token")),
    }
}

pub(super) async fn etag_scan(
    client: &DavClient,
    url: &Url,
) -> Result<Vec<ItemChange>, ProviderError> {
    let body = propfind(&[(DAV, "getetag"), (DAV, "resourcetype")]);
    let reply = client
        .send(HttpRequest::propfind(url.clone(), "1", body))
        .await?
        .success()?;
    read_etag_listing(&reply, url)
}

/// Every member of a Depth:1 listing except the collection itself and sub-collections.
pub(in super::super) fn read_etag_listing(
    reply: &HttpReply,
    calendar: &Url,
) -> Result<Vec<ItemChange>, ProviderError> {
    let listing = multistatus::parse(&reply.body).map_err(|e| unreadable(&reply.url, e))?;
    let calendar_path = super::super::href::decode_path(calendar.path());
    let mut items = Vec::new();
    for response in &listing.responses {
        let Some(path) = decoded_path_of(&response.href, &reply.url) else {
            continue;
        };
        if !is_inside(&calendar_path, &path)
            || path.ends_with('/')
            || response.prop_contains((DAV, "resourcetype"), (DAV, "collection"))
            || response.is_not_found()
        {
            continue;
        }
        items.push(ItemChange::Upserted {
            remote_id: RemoteId(path),
            etag: response.prop_text(DAV, "getetag").map(etag),
            body: None,
        });
    }
    Ok(items)
}
