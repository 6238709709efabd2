//! calendarList across pages, with access roles.

use super::support::*;
use calsync_core::ports::CalendarDirectory;

#[tokio::test]
async fn calendars_are_listed_across_pages_with_their_access() {
    let google = Google::new().await;
    google
        .emulator
        .add_calendar("team@group.calendar.google.com", "Team");
    google.emulator.add_calendar_with_role(
        "holidays@group.v.calendar.google.com",
        "Holidays",
        "reader",
    );
    google
        .emulator
        .add_calendar_with_role("bob@example.org", "Bob", "freeBusyReader");
    let found = google.account.calendars().await.unwrap();
    assert_eq!(found.len(), 4, "{found:?}");
    assert_eq!(
        google.emulator.log().matching("GET", "calendarList").len(),
        2
    );
    let by_id = |id: &str| found.iter().find(|c| c.url == id).unwrap();
    assert!(!by_id(CALENDAR).read_only);
    assert_eq!(by_id(CALENDAR).owner_emails, vec![CALENDAR.to_string()]);
    assert!(
        by_id("team@group.calendar.google.com")
            .owner_emails
            .is_empty()
    );
    assert!(by_id("holidays@group.v.calendar.google.com").read_only);
    assert!(by_id("bob@example.org").read_only);
    assert_eq!(by_id("team@group.calendar.google.com").name, "Team");
    assert!(by_id(CALENDAR).capabilities.sync_collection);
}
