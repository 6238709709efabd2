//! Change detection: RFC 6578 sync-collection where it works (one report per check, behind a
//! `getlastmodified` gate where that is proven: [`modified_gate`]), else a Depth:0 CTag gate
//! and a Depth:1 ETag listing (servers without RFC 6578, e.g. sabre/dav 1.8).

use super::discovery::unreadable;
use super::href::{decoded_path_of, is_inside, same_collection};
use super::http::DavClient;
use super::http_message::{HttpReply, HttpRequest, normalise_etag};
use super::multistatus;
use super::request_body::sync_collection;
use super::xml::DAV;
use crate::domain::{DetectionMethod, Etag, RemoteId, SyncCursor};
use crate::ports::{ChangeBatch, ItemChange, Listing, ProviderError};
use std::collections::BTreeMap;
use url::Url;

mod ctag_scan;
mod modified_gate;

use ctag_scan::{etag_scan, read_gate};
pub(super) use ctag_scan::{gate_from, read_etag_listing};

/// A server that keeps answering 507 is broken; stop rather than loop for ever.
const MAX_SYNC_PAGES: usize = 10_000;

pub(super) async fn changes(
    client: &DavClient,
    url: &Url,
    sync_collection_supported: bool,
    cursor: &SyncCursor,
) -> Result<ChangeBatch, ProviderError> {
    if sync_collection_supported {
        // No CTag or sync-token gate first: servers compute those from every member (Radicale:
        // ~0.5 ms per item), and the sync report computes it anyway. With a token, one report
        // is the whole check: an empty answer with the same token means unchanged. Only the
        // `getlastmodified` gate is cheaper than the report, where it is proven to work.
        let stored_gate = cursor.modified_gate.as_ref();
        // Read before an initial sync too: the next check can then see the value move with
        // the first members reported since, which is what earns the gate its trust.
        let reading = if modified_gate::worth_asking(stored_gate) {
            Some(modified_gate::read(client, url).await?)
        } else {
            None
        };
        if cursor.token.is_some()
            && reading.is_some_and(|r| modified_gate::says_unchanged(stored_gate, r))
        {
            return Ok(ChangeBatch {
                cursor: cursor.clone(),
                method: DetectionMethod::SyncCollection,
                listing: Listing::Unchanged,
            });
        }
        match sync(client, url, cursor.token.clone()).await? {
            Some(synced) => {
                let unchanged = cursor.token.is_some()
                    && synced.token == cursor.token
                    && matches!(&synced.listing, Listing::Delta(items) if items.is_empty());
                // Only members reported since a token count as "the token moved": a full
                // listing (initial sync, or a refused token) says nothing about the gate.
                let members_moved =
                    matches!(&synced.listing, Listing::Delta(items) if !items.is_empty());
                let modified_gate = match reading {
                    Some(reading) => Some(
                        modified_gate::learn(client, url, stored_gate, reading, members_moved)
                            .await?,
                    ),
                    None => cursor.modified_gate.clone(),
                };
                return Ok(ChangeBatch {
                    cursor: SyncCursor {
                        token: synced.token.or_else(|| cursor.token.clone()),
                        ctag: None,
                        modified_gate,
                    },
                    method: DetectionMethod::SyncCollection,
                    listing: if unchanged {
                        Listing::Unchanged
                    } else {
                        synced.listing
                    },
                });
            }
            None => tracing::warn!(
                path = url.path(),
                "sync-collection refused although advertised; using the ETag listing"
            ),
        }
    }
    let gate = read_gate(client, url).await?;
    let listing = if gate.ctag.is_some() && cursor.ctag == gate.ctag {
        Listing::Unchanged
    } else {
        Listing::Complete {
            items: etag_scan(client, url).await?,
            windowed: false,
        }
    };
    Ok(ChangeBatch {
        cursor: SyncCursor {
            token: None,
            ctag: gate.ctag,
            modified_gate: None,
        },
        method: DetectionMethod::CtagEtagScan,
        listing,
    })
}

pub(super) struct Synced {
    pub token: Option<String>,
    pub listing: Listing,
}

/// Runs sync-collection from `token` (initial when `None`), following 507 truncations and
/// restarting with an initial sync when the token is refused. `None` when the server does not
/// do sync-collection after all (sabre/dav 1.8 answers 403 ReportNotSupported).
async fn sync(
    client: &DavClient,
    url: &Url,
    mut token: Option<String>,
) -> Result<Option<Synced>, ProviderError> {
    let mut members = Members::new(token.is_none());
    for _ in 0..MAX_SYNC_PAGES {
        let body = sync_collection(token.as_deref(), &[(DAV, "getetag")]);
        // RFC 6578 §3.2: the report is defined for Depth: 0 only.
        let reply = client
            .send(HttpRequest::report(url.clone(), Some("0"), body))
            .await?;
        if !reply.is_success() {
            match classify_failure(&reply, token.is_some()) {
                SyncFailure::InvalidToken => {
                    tracing::info!(path = url.path(), "sync-token refused; full resync");
                    token = None;
                    members = Members::new(true);
                    continue;
                }
                SyncFailure::Unsupported => return Ok(None),
                SyncFailure::Other => return Err(reply.error()),
            }
        }
        // DAViCal 1.1 answers an unknown or invalid token with a full listing and no error:
        // it arrives here as a delta that lists everything and removes nothing, which costs
        // ETag comparisons but loses nothing the server still holds.
        let page = read_sync_page(&reply, url, &mut members)?;
        if page.truncated {
            let Some(next) = page.token else {
                return Err(ProviderError::Permanent(format!(
                    "REPORT {}: 507 truncation without a sync-token",
                    url.path()
                )));
            };
            token = Some(next);
            members.next_page();
            continue;
        }
        return Ok(Some(Synced {
            token: page.token,
            listing: members.into_listing(),
        }));
    }
    Err(ProviderError::Transient(format!(
        "REPORT {}: still truncated after {MAX_SYNC_PAGES} pages",
        url.path()
    )))
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum SyncFailure {
    InvalidToken,
    Unsupported,
    Other,
}

/// RFC 6578 §3.2 says 403 with `DAV:valid-sync-token` (Radicale; 409 on some servers);
/// Xandikos 0.4 answers 412 with the same condition.
pub(super) fn classify_failure(reply: &HttpReply, had_token: bool) -> SyncFailure {
    let status = reply.status.as_u16();
    let invalid_token = multistatus::has_condition(&reply.body, DAV, "valid-sync-token");
    if had_token && (invalid_token || status == 412) && matches!(status, 403 | 409 | 412) {
        return SyncFailure::InvalidToken;
    }
    if matches!(status, 403 | 405 | 501) && !invalid_token {
        return SyncFailure::Unsupported;
    }
    SyncFailure::Other
}

pub(super) struct Page {
    pub truncated: bool,
    pub token: Option<String>,
}

/// What the pages of one sync have said about each member so far.
pub(super) struct Members {
    /// The first page of an initial sync: 404s there are ignored (Radicale lists members
    /// deleted long ago, against RFC 6578 §3.4).
    initial_page: bool,
    initial: bool,
    /// `None` = removed.
    state: BTreeMap<RemoteId, Option<Option<Etag>>>,
}

impl Members {
    pub fn new(initial: bool) -> Self {
        Self {
            initial_page: initial,
            initial,
            state: BTreeMap::new(),
        }
    }

    fn next_page(&mut self) {
        self.initial_page = false;
    }

    fn upsert(&mut self, id: RemoteId, etag: Option<Etag>) {
        self.state.insert(id, Some(etag));
    }

    fn remove(&mut self, id: RemoteId) {
        if self.initial_page {
            return;
        }
        if self.initial {
            // A later page of an initial sync: the member went away meanwhile.
            self.state.remove(&id);
        } else {
            self.state.insert(id, None);
        }
    }

    pub fn into_listing(self) -> Listing {
        let items = self
            .state
            .into_iter()
            .map(|(remote_id, state)| match state {
                Some(etag) => ItemChange::Upserted {
                    remote_id,
                    etag,
                    body: None,
                },
                None => ItemChange::Removed { remote_id },
            })
            .collect();
        if self.initial {
            Listing::Complete {
                items,
                windowed: false,
            }
        } else {
            Listing::Delta(items)
        }
    }
}

pub(super) fn read_sync_page(
    reply: &HttpReply,
    calendar: &Url,
    members: &mut Members,
) -> Result<Page, ProviderError> {
    let listing = multistatus::parse(&reply.body).map_err(|e| unreadable(&reply.url, e))?;
    let calendar_path = super::href::decode_path(calendar.path());
    let mut truncated = false;
    for response in &listing.responses {
        let Some(path) = decoded_path_of(&response.href, &reply.url) else {
            continue;
        };
        if same_collection(&path, &calendar_path) {
            // RFC 6578 §3.6: 507 on the request-URI marks a truncated reply.
            truncated |= response.status == Some(507);
            continue;
        }
        if !is_inside(&calendar_path, &path) || path.ends_with('/') {
            continue;
        }
        let id = RemoteId(path);
        match response.status {
            Some(404) => members.remove(id),
            None | Some(200..=299) => {
                members.upsert(id, response.prop_text(DAV, "getetag").map(etag));
            }
            Some(other) => tracing::debug!(status = other, "sync-collection member skipped"),
        }
    }
    Ok(Page {
        truncated,
        token: listing.sync_token,
    })
}

pub(super) fn etag(raw: String) -> Etag {
    Etag(normalise_etag(&raw))
}

#[cfg(test)]
mod tests;
