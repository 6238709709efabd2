//! The table: case name, input, expected verdict, time bound (s), peak memory bound (MiB).

use super::server::Reply;
use super::{Case, Input, Verdict};
use calsync_core::ical::{IcalError, MAX_BODY_BYTES as ICAL_MAX, MAX_VEVENTS};
use calsync_core::usecases::{MAX_BODY_BYTES as WEBHOOK_MAX, Outcome, WebhookRequest};

const MB: usize = 1024 * 1024;

// One case per line reads as the table it is.
#[rustfmt::skip]
pub fn table() -> Vec<Case> {
    use Input::*;
    use Verdict::*;
    let case = |name, input, expect, seconds, memory_mib| Case {
        name,
        input,
        expect,
        seconds,
        memory_mib,
    };
    vec![
        // --- huge bodies
        case("webhook body over the limit (Google)", Google(|| vec![oversized(google("g1", "gsecret", "1"))]), Answers(vec![(413, Outcome::Rejected)], 0), 2, 8),
        case("webhook body over the limit (Graph)", Graph(|| vec![oversized(graph("m1", "mstate", "e1"))]), Answers(vec![(413, Outcome::Rejected)], 0), 2, 8),
        case("multistatus of 100 MB, streamed without a length", DavChanges(|| huge_multistatus(false)), Refused("larger than 67108864 bytes refused"), 2, 96),
        case("multistatus of 100 MB, announced by Content-Length", DavChanges(|| huge_multistatus(true)), Refused("larger than 67108864 bytes refused"), 2, 8),
        case("iCalendar object over the 1 MiB cap", IcalText(|| padded_event(ICAL_MAX + 1)), IcalRefused(IcalError::TooLarge { size: ICAL_MAX + 1, limit: ICAL_MAX }), 2, 8),
        case("iCalendar object with 1,001 VEVENTs", IcalText(many_vevents), IcalRefused(IcalError::TooManyEvents { limit: MAX_VEVENTS }), 2, 8),
        // One response naming 20,000 hrefs with 20,000 properties: copying the properties
        // to each href was 400 million elements; only a status-only response lists several.
        case("multistatus response with 20,000 hrefs x 20,000 props", DavChanges(hrefs_times_props), Listed { members: 1 }, 2, 64),
        // The element cap bounds the tree (~180 bytes an element), not the body: 8 MB of
        // `<a/>` is the worst case. 3.5 s in a debug build on an idle machine, 7 s on a busy one.
        case("multistatus of 2,000,001 elements", DavChanges(too_many_elements), Refused("more than 2000000 elements"), 20, 512),
        // --- deep nesting
        case("XML nested 100,000 levels", DavChanges(|| multistatus(format!("{}{}", "<a>".repeat(100_000), "</a>".repeat(100_000)))), Refused("nested deeper than 64 levels"), 2, 16),
        case("iCalendar nested 100,000 levels", IcalText(|| format!("BEGIN:VCALENDAR\r\n{}", "BEGIN:X\r\n".repeat(100_000))), IcalRefused(IcalError::TooDeep { limit: 8 }), 2, 16),
        // --- entities
        case("billion laughs (DOCTYPE with nested entities)", DavChanges(|| multistatus(BILLION_LAUGHS.into())), Refused("document type declarations are refused"), 2, 8),
        case("external entity declared in a DOCTYPE", DavChanges(|| multistatus(EXTERNAL_ENTITY.into())), Refused("document type declarations are refused"), 2, 8),
        case("undeclared entity reference, not expanded", DavChanges(|| multistatus(r#"<multistatus xmlns="DAV:"><sync-token>&xxe;</sync-token></multistatus>"#.into())), Refused("undefined XML entity &xxe;"), 2, 8),
        // --- invalid UTF-8
        case("invalid UTF-8 in a multistatus", DavChanges(|| Reply::Multistatus(b"<multistatus xmlns=\"DAV:\"><href>\xff\xfe</href></multistatus>".to_vec())), Refused("not UTF-8"), 2, 8),
        case("invalid UTF-8 in a multiget's calendar-data", DavFetch(|| Reply::Multistatus(invalid_utf8_calendar_data())), Refused("not UTF-8"), 2, 8),
        case("invalid UTF-8 in an iCalendar GET", DavFetch(|| Reply::GetOnly(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:\xc3\x28\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n".to_vec())), Malformed("not UTF-8"), 2, 8),
        // --- absurd recurrence rules: expansion is bounded (domain::occurrences)
        case("RRULE every second for 100 years", Plan(|| recurring("19260601T120000Z", "FREQ=SECONDLY;UNTIL=20260601T120000Z")), Planned { creates: 1 }, 2, 32),
        case("RRULE every minute, COUNT=10^9", Plan(|| recurring("19260601T120000Z", "FREQ=MINUTELY;COUNT=1000000000")), Planned { creates: 1 }, 2, 32),
        case("RRULE whose BYxxx parts never match (Feb 30)", Plan(|| recurring("20260101T090000Z", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30")), Planned { creates: 0 }, 2, 32),
        case("RRULE every second on Feb 30, since 1926", Plan(|| recurring("19260601T120000Z", "FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30")), Planned { creates: 0 }, 2, 32),
        // --- big but legal
        case("event with 10,000 attendees", IcalText(many_attendees), Read { attendees: 10_000 }, 4, 128),
        // One idempotency record per item, each its own SQLite write.
        case("Graph batch of 3,500 valid items near the size limit", Graph(|| vec![graph_batch_at_limit()]), Answers(vec![(202, Outcome::Accepted)], 1), 10, 64),
        // --- forged and replayed webhooks
        case("Google notification with a wrong token", Google(|| vec![google("g1", "guess", "2")]), Answers(vec![(403, Outcome::Rejected)], 0), 2, 8),
        case("Google notification replayed", Google(|| vec![google("g1", "gsecret", "3"), google("g1", "gsecret", "3")]), Answers(vec![(200, Outcome::Accepted), (200, Outcome::Acknowledged)], 1), 2, 8),
        case("Graph notification with a wrong clientState", Graph(|| vec![graph("m1", "guess", "e1")]), Answers(vec![(403, Outcome::Rejected)], 0), 2, 8),
        case("Graph notification replayed", Graph(|| vec![graph("m1", "mstate", "e2"), graph("m1", "mstate", "e2")]), Answers(vec![(202, Outcome::Accepted), (202, Outcome::Acknowledged)], 1), 2, 8),
    ]
}

const BILLION_LAUGHS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<multistatus xmlns="DAV:"><sync-token>&lol9;</sync-token></multistatus>"#;

const EXTERNAL_ENTITY: &str = r#"<?xml version="1.0"?>
<!DOCTYPE multistatus [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<multistatus xmlns="DAV:"><sync-token>&xxe;</sync-token></multistatus>"#;

fn multistatus(body: String) -> Reply {
    Reply::Multistatus(body.into_bytes())
}

fn huge_multistatus(announced: bool) -> Reply {
    Reply::Endless {
        head: r#"<multistatus xmlns="DAV:">"#,
        unit: "<response><href>/cal/x.ics</href><status>HTTP/1.1 404 Not Found</status></response>",
        total: 100 * MB,
        announced,
    }
}

fn hrefs_times_props() -> Reply {
    let hrefs = "<href>/cal/a.ics</href>".repeat(20_000);
    let props = "<x/>".repeat(20_000);
    multistatus(format!(
        r#"<multistatus xmlns="DAV:"><response>{hrefs}<propstat><prop>{props}</prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>"#
    ))
}

fn too_many_elements() -> Reply {
    multistatus(format!(
        r#"<multistatus xmlns="DAV:">{}</multistatus>"#,
        "<a/>".repeat(2_000_000)
    ))
}

fn invalid_utf8_calendar_data() -> Vec<u8> {
    let mut body = br#"<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><response><href>/cal/item.ics</href><propstat><prop><getetag>"1"</getetag><C:calendar-data>BEGIN:VCALENDAR
BEGIN:VEVENT
UID:u
SUMMARY:"#
        .to_vec();
    body.extend_from_slice(b"\xed\xa0\x80 (a UTF-16 surrogate)\nEND:VEVENT\nEND:VCALENDAR\n");
    body.extend_from_slice(
        br#"</C:calendar-data></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>"#,
    );
    body
}

fn event_with(lines: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hostile//EN\r\nBEGIN:VEVENT\r\nUID:hostile@example.org\r\n\
         DTSTAMP:20260101T000000Z\r\n{lines}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// A valid event padded with a long description up to `size` bytes.
fn padded_event(size: usize) -> String {
    let bare = event_with("DTSTART:20260601T100000Z\r\nDESCRIPTION:\r\n");
    let pad = "x".repeat(size - bare.len());
    event_with(&format!(
        "DTSTART:20260601T100000Z\r\nDESCRIPTION:{pad}\r\n"
    ))
}

fn many_vevents() -> String {
    let vevent = "BEGIN:VEVENT\r\nUID:u\r\nDTSTART:20260601T100000Z\r\nEND:VEVENT\r\n";
    format!(
        "BEGIN:VCALENDAR\r\n{}END:VCALENDAR\r\n",
        vevent.repeat(MAX_VEVENTS + 1)
    )
}

fn many_attendees() -> String {
    let attendees: String = (0..10_000)
        .map(|i| {
            format!("ATTENDEE;CN=Guest {i};PARTSTAT=NEEDS-ACTION:mailto:guest{i}@example.org\r\n")
        })
        .collect();
    event_with(&format!(
        "DTSTART:20260601T100000Z\r\nDTEND:20260601T110000Z\r\nSUMMARY:All hands\r\n\
         ORGANIZER:mailto:boss@example.org\r\n{attendees}"
    ))
}

fn recurring(start: &str, rule: &str) -> String {
    event_with(&format!(
        "DTSTART:{start}\r\nDURATION:PT1S\r\nRRULE:{rule}\r\nSUMMARY:Tick\r\n"
    ))
}

fn google(channel: &str, token: &str, number: &str) -> WebhookRequest {
    WebhookRequest {
        query: None,
        headers: vec![
            ("X-Goog-Channel-ID".into(), channel.into()),
            ("X-Goog-Channel-Token".into(), token.into()),
            ("X-Goog-Resource-State".into(), "exists".into()),
            ("X-Goog-Message-Number".into(), number.into()),
        ],
        body: Vec::new(),
    }
}

fn graph_item(subscription: &str, state: &str, event: &str) -> String {
    format!(
        r#"{{"subscriptionId":"{subscription}","clientState":"{state}","changeType":"updated","resource":"Users/u/Events/{event}","resourceData":{{"@odata.etag":"W/\"1\""}}}}"#
    )
}

fn graph(subscription: &str, state: &str, event: &str) -> WebhookRequest {
    WebhookRequest {
        query: None,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: format!(
            r#"{{"value":[{}]}}"#,
            graph_item(subscription, state, event)
        )
        .into_bytes(),
    }
}

fn oversized(mut request: WebhookRequest) -> WebhookRequest {
    request.body.resize(WEBHOOK_MAX + 1, b' ');
    request
}

/// As many distinct valid items as fit under the body limit.
fn graph_batch_at_limit() -> WebhookRequest {
    let items: Vec<String> = (0..3_500)
        .map(|i| format!(r#"{{"subscriptionId":"m1","clientState":"mstate","resource":"e{i}"}}"#))
        .collect();
    let body = format!(r#"{{"value":[{}]}}"#, items.join(","));
    assert!(body.len() <= WEBHOOK_MAX, "{} bytes", body.len());
    WebhookRequest {
        query: None,
        headers: Vec::new(),
        body: body.into_bytes(),
    }
}
