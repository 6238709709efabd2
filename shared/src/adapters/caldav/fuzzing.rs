//! The entry point of the `caldav_multistatus` fuzz target (`fuzz/`): everything the adapter
//! does with a reply body it did not write, without a server. Not an API: the readers stay
//! private to the adapter, this only feeds them.

use super::changes::{Members, gate_from, read_etag_listing, read_sync_page};
use super::discovery::{calendar_from, owner_emails};
use super::href::{decoded_path_of, url_for_path};
use super::http_message::HttpReply;
use super::items::{Found, read_multiget};
use super::multistatus;
use reqwest::{Method, StatusCode};
use url::Url;

/// Where the fuzzed replies come from. Relative hrefs resolve against it.
const SERVER: &str = "https://dav.example/calendars/alice/work/";

/// What the readers made of one reply body, so a caller can check it is consistent.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReplySummary {
    /// `None` when the body is not a readable multistatus.
    pub responses: Option<usize>,
    pub multiget_items: usize,
    /// calendar-data the iCalendar parser accepted.
    pub parsed_events: usize,
    pub sync_members: usize,
    pub listed_members: usize,
    pub calendars: usize,
    pub error_conditions: usize,
}

/// Reads `body` as a sync-collection page, a Depth:1 ETag listing, a calendar-multiget, a
/// discovery listing and a `DAV:error` body, as the adapter would. Refusals are fine;
/// panics, hangs and unbounded allocations are the bugs this exists to find.
pub fn read_reply(body: &[u8]) -> ReplySummary {
    let Ok(server) = Url::parse(SERVER) else {
        return ReplySummary::default();
    };
    let mut reply = HttpReply {
        method: Method::GET,
        url: server.clone(),
        status: StatusCode::MULTI_STATUS,
        etag: None,
        retry_after: None,
        date: None,
        body: body.to_vec(),
    };
    let mut summary = ReplySummary {
        error_conditions: multistatus::error_conditions(body).len(),
        ..ReplySummary::default()
    };
    let Ok(listing) = multistatus::parse(body) else {
        return summary;
    };
    summary.responses = Some(listing.responses.len());
    // The collection of the first member, so that members of any server's fixture count as
    // inside the calendar and reach the deep paths.
    let calendar = listing
        .responses
        .first()
        .and_then(|first| decoded_path_of(&first.href, &server))
        .map(|path| url_for_path(&server, &path[..=path.rfind('/').unwrap_or(0)]))
        .unwrap_or(server);
    reply.url = calendar.clone();
    let _ = gate_from(listing.responses.first());
    let emails: Vec<String> = listing.responses.iter().flat_map(owner_emails).collect();
    summary.calendars = listing
        .responses
        .iter()
        .filter_map(|response| calendar_from(response, &calendar, &emails))
        .count();
    for initial in [true, false] {
        let mut members = Members::new(initial);
        if read_sync_page(&reply, &calendar, &mut members).is_ok() {
            summary.sync_members = match members.into_listing() {
                crate::ports::Listing::Complete { items, .. }
                | crate::ports::Listing::Delta(items) => items.len(),
                crate::ports::Listing::Unchanged => 0,
            };
        }
    }
    summary.listed_members = read_etag_listing(&reply, &calendar).map_or(0, |items| items.len());
    if let Ok(found) = read_multiget(&reply) {
        summary.multiget_items = found.len();
        for entry in found.values() {
            if let Found::Present {
                data: Some(text), ..
            } = entry
                && crate::ical::parse_event(text).is_ok()
            {
                summary.parsed_events += 1;
            }
        }
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_radicale_sync_reply_reaches_every_reader() {
        let summary = read_reply(fixture!("radicale/sync-initial.xml").as_bytes());
        assert_eq!(summary.responses, Some(3));
        // The 404 of an initial first page is ignored; the later-page reading keeps it.
        assert_eq!(summary.sync_members, 3);
        assert_eq!(summary.listed_members, 2);
    }

    #[test]
    fn a_multiget_reply_parses_its_calendar_data() {
        let summary = read_reply(fixture!("radicale/multiget-missing.xml").as_bytes());
        assert_eq!(summary.parsed_events, 1);
    }

    #[test]
    fn an_error_body_is_read_as_conditions_only() {
        let summary = read_reply(fixture!("radicale/sync-badtoken.xml").as_bytes());
        assert_eq!(summary.responses, None);
        assert_eq!(summary.error_conditions, 1);
    }
}
