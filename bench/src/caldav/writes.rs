//! Plain concurrent PUTs: how the benchmark seeds calendars and measures the server's own raw
//! write time (the physical limit of an initial sync).

use calsync_testkit::TestCalendar;
use futures::StreamExt;

/// Stores every `(resource name, iCalendar)` in `calendar`, `concurrency` at a time.
pub async fn put_all(calendar: &TestCalendar, items: Vec<(String, String)>, concurrency: usize) {
    futures::stream::iter(items)
        .map(|(name, ics)| async move {
            calendar.put(&name, &ics).await;
        })
        .buffer_unordered(concurrency.max(1))
        .collect::<Vec<()>>()
        .await;
}
