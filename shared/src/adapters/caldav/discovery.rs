//! Finding the event calendars of an account (RFC 6764 §6, RFC 5397, RFC 4791 §6.2):
//! the start URL or `/.well-known/caldav` -> `current-user-principal` -> `calendar-home-set`
//! (+ `calendar-user-address-set` for the owner's addresses) -> a Depth:1 listing of each
//! home. A calendar collection URL given directly is accepted as it is.

use super::href::{collection_url, decoded_path_of, url_for_path};
use super::http::DavClient;
use super::http_message::HttpRequest;
use super::multistatus::{self, DavResponse};
use super::request_body::{PropName, propfind};
use super::xml::{APPLE_ICAL, CALDAV, CALENDARSERVER, DAV};
use crate::domain::Capabilities;
use crate::ports::{DiscoveredCalendar, ProviderError};
use url::Url;

/// What describes one calendar collection; also read by the probe.
pub(super) const CALENDAR_PROPS: &[PropName] = &[
    (DAV, "resourcetype"),
    (DAV, "displayname"),
    (APPLE_ICAL, "calendar-color"),
    (CALENDARSERVER, "getctag"),
    (DAV, "sync-token"),
    (DAV, "supported-report-set"),
    (DAV, "current-user-privilege-set"),
    (CALDAV, "supported-calendar-component-set"),
];

const START_PROPS: &[PropName] = &[
    (DAV, "current-user-principal"),
    (DAV, "resourcetype"),
    (CALDAV, "calendar-home-set"),
];

const PRINCIPAL_PROPS: &[PropName] = &[
    (CALDAV, "calendar-home-set"),
    (CALDAV, "calendar-user-address-set"),
];

pub(super) async fn discover(
    client: &DavClient,
    start: &Url,
) -> Result<Vec<DiscoveredCalendar>, ProviderError> {
    let found = find_principal_or_calendar(client, start).await?;
    let (homes, owner_emails) = match found {
        StartPoint::Calendar { url, response } => {
            let owner_emails = match &response.principal {
                Some(principal) => read_principal(client, principal).await?.1,
                None => Vec::new(),
            };
            let calendar =
                calendar_from(&response.response, &url, &owner_emails).ok_or_else(|| {
                    ProviderError::Permanent(format!("{} is not an event calendar", url.path()))
                })?;
            return Ok(vec![calendar]);
        }
        StartPoint::Principal(principal) => read_principal(client, &principal).await?,
        StartPoint::Homes(homes) => (homes, Vec::new()),
    };
    if homes.is_empty() {
        return Err(ProviderError::Permanent(
            "the server names no calendar-home-set for this account".into(),
        ));
    }
    let mut calendars: Vec<DiscoveredCalendar> = Vec::new();
    for home in homes {
        let reply = client
            .send(HttpRequest::propfind(
                home.clone(),
                "1",
                propfind(CALENDAR_PROPS),
            ))
            .await?
            .success()?;
        let listing = multistatus::parse(&reply.body).map_err(|e| unreadable(&reply.url, e))?;
        for response in &listing.responses {
            if let Some(calendar) = calendar_from(response, &reply.url, &owner_emails)
                && !calendars.iter().any(|c| c.url == calendar.url)
            {
                calendars.push(calendar);
            }
        }
    }
    tracing::debug!(calendars = calendars.len(), "caldav discovery");
    Ok(calendars)
}

enum StartPoint {
    Calendar { url: Url, response: StartResponse },
    Principal(Url),
    Homes(Vec<Url>),
}

struct StartResponse {
    response: DavResponse,
    principal: Option<Url>,
}

/// RFC 6764 §6: a bare host is looked up through `/.well-known/caldav` first; a URL with a
/// path is what the user meant, with the well-known address as the fallback.
async fn find_principal_or_calendar(
    client: &DavClient,
    start: &Url,
) -> Result<StartPoint, ProviderError> {
    let well_known = start
        .join("/.well-known/caldav")
        .map_err(|_| ProviderError::Permanent("cannot build the .well-known address".into()))?;
    let candidates = if start.path().trim_matches('/').is_empty() {
        [well_known, start.clone()]
    } else {
        [start.clone(), well_known]
    };
    let mut last_error = None;
    for candidate in candidates {
        let reply = client
            .send(HttpRequest::propfind(candidate, "0", propfind(START_PROPS)))
            .await?;
        if !reply.is_success() {
            let error = reply.error();
            if matches!(error, ProviderError::Auth(_)) {
                return Err(error);
            }
            last_error = Some(error);
            continue;
        }
        let Ok(listing) = multistatus::parse(&reply.body) else {
            continue;
        };
        let Some(response) = listing.responses.into_iter().next() else {
            continue;
        };
        let principal = response
            .prop_hrefs(DAV, "current-user-principal")
            .first()
            .and_then(|href| absolute(href, &reply.url));
        if response.prop_contains((DAV, "resourcetype"), (CALDAV, "calendar")) {
            let url = collection_url(&reply.url);
            // The Depth:0 reply above lacks the calendar's own properties: read them.
            let calendar = client
                .send(HttpRequest::propfind(
                    url.clone(),
                    "0",
                    propfind(CALENDAR_PROPS),
                ))
                .await?
                .success()?;
            let listing =
                multistatus::parse(&calendar.body).map_err(|e| unreadable(&calendar.url, e))?;
            let response = listing.responses.into_iter().next().ok_or_else(|| {
                ProviderError::Permanent(format!("{}: empty PROPFIND reply", url.path()))
            })?;
            return Ok(StartPoint::Calendar {
                url: calendar.url,
                response: StartResponse {
                    response,
                    principal,
                },
            });
        }
        if let Some(principal) = principal {
            return Ok(StartPoint::Principal(principal));
        }
        let homes: Vec<Url> = response
            .prop_hrefs(CALDAV, "calendar-home-set")
            .iter()
            .filter_map(|href| absolute(href, &reply.url))
            .collect();
        if !homes.is_empty() {
            return Ok(StartPoint::Homes(homes));
        }
    }
    Err(last_error.unwrap_or_else(|| {
        ProviderError::Permanent(format!(
            "no CalDAV principal found at {} or its /.well-known/caldav",
            start.host_str().unwrap_or("the given address")
        ))
    }))
}

/// The principal's calendar homes and the owner's addresses (mailto only, lower-case).
async fn read_principal(
    client: &DavClient,
    principal: &Url,
) -> Result<(Vec<Url>, Vec<String>), ProviderError> {
    let reply = client
        .send(HttpRequest::propfind(
            principal.clone(),
            "0",
            propfind(PRINCIPAL_PROPS),
        ))
        .await?
        .success()?;
    let listing = multistatus::parse(&reply.body).map_err(|e| unreadable(&reply.url, e))?;
    let Some(response) = listing.responses.first() else {
        return Ok((Vec::new(), Vec::new()));
    };
    let homes = response
        .prop_hrefs(CALDAV, "calendar-home-set")
        .iter()
        .filter_map(|href| absolute(href, &reply.url))
        .map(|home| collection_url(&home))
        .collect();
    Ok((homes, owner_emails(response)))
}

pub(super) fn owner_emails(principal: &DavResponse) -> Vec<String> {
    let mut emails: Vec<String> = principal
        .prop_hrefs(CALDAV, "calendar-user-address-set")
        .iter()
        .filter_map(|href| {
            let (scheme, address) = href.split_once(':')?;
            scheme
                .eq_ignore_ascii_case("mailto")
                .then(|| address.trim().to_lowercase())
        })
        .filter(|address| !address.is_empty())
        .collect();
    emails.sort();
    emails.dedup();
    emails
}

fn absolute(href: &str, base: &Url) -> Option<Url> {
    if href.starts_with("http://") || href.starts_with("https://") {
        return Url::parse(href).ok();
    }
    Some(url_for_path(base, &decoded_path_of(href, base)?))
}

/// The calendar a Depth:1 (or Depth:0) response describes, if it is one that holds events.
pub(super) fn calendar_from(
    response: &DavResponse,
    base: &Url,
    owner_emails: &[String],
) -> Option<DiscoveredCalendar> {
    if !response.prop_contains((DAV, "resourcetype"), (CALDAV, "calendar")) {
        return None;
    }
    if !holds_events(response) {
        return None;
    }
    let url = collection_url(&absolute(&response.href, base)?);
    let name = response.prop_text(DAV, "displayname").unwrap_or_else(|| {
        let path = url.path().trim_end_matches('/');
        super::href::decode_path(path.rsplit('/').next().unwrap_or(path))
    });
    Some(DiscoveredCalendar {
        url: url.to_string(),
        name,
        color: response.prop_text(APPLE_ICAL, "calendar-color"),
        owner_emails: owner_emails.to_vec(),
        read_only: !writable(response),
        capabilities: advertised_capabilities(response),
    })
}

/// A calendar restricted to other components (a task list) is not an event calendar; one
/// that does not say is assumed to accept everything (RFC 4791 §5.2.3).
fn holds_events(response: &DavResponse) -> bool {
    match response.prop(CALDAV, "supported-calendar-component-set") {
        Some(set) if !set.children.is_empty() => set.children_named(CALDAV, "comp").any(|comp| {
            comp.attribute("name")
                .is_some_and(|name| name.eq_ignore_ascii_case("VEVENT"))
        }),
        _ => true,
    }
}

/// Writable unless the server lists the user's privileges without any that allows writing
/// content (RFC 3744 §5.4). A server that does not say is assumed to allow it.
pub(super) fn writable(response: &DavResponse) -> bool {
    let set = (DAV, "current-user-privilege-set");
    if response.prop(set.0, set.1).is_none() {
        return true;
    }
    ["all", "write", "write-content", "bind"]
        .iter()
        .any(|privilege| response.prop_contains(set, (DAV, privilege)))
}

/// What the properties promise. sync-collection needs both the report advertised and a
/// sync-token property: sabre/dav 1.8 has neither, and a server with only one of them is
/// not trusted with RFC 6578.
pub(super) fn advertised_capabilities(response: &DavResponse) -> Capabilities {
    Capabilities {
        sync_collection: response
            .prop_contains((DAV, "supported-report-set"), (DAV, "sync-collection"))
            && response.prop_text(DAV, "sync-token").is_some(),
        ctag: response.prop_text(CALENDARSERVER, "getctag").is_some(),
        ..Capabilities::default()
    }
}

pub(super) fn unreadable(url: &Url, error: impl std::fmt::Display) -> ProviderError {
    ProviderError::Permanent(format!("{}: unreadable reply: {error}", url.path()))
}

#[cfg(test)]
mod tests;
