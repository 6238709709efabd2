//! A CalDAV server's reply body through every reader of the adapter: sync-collection pages,
//! Depth:1 ETag listings, calendar-multiget (with the iCalendar parser on calendar-data),
//! discovery listings and DAV:error bodies.

#![no_main]

use calsync_core::adapters::caldav::fuzzing::read_reply;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let summary = read_reply(data);
    let Some(responses) = summary.responses else {
        assert_eq!(
            summary.multiget_items + summary.sync_members + summary.calendars,
            0
        );
        return;
    };
    // Each reader reports at most one item per response (an href may repeat).
    assert!(summary.multiget_items <= responses, "{summary:?}");
    assert!(summary.sync_members <= responses, "{summary:?}");
    assert!(summary.listed_members <= responses, "{summary:?}");
    assert!(summary.calendars <= responses, "{summary:?}");
    assert!(
        summary.parsed_events <= summary.multiget_items,
        "{summary:?}"
    );
});
