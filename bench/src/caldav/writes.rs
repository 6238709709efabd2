//! Plain concurrent PUTs: how the benchmark seeds calendars and measures the server's own raw
//! write time (the physical limit of an initial sync).

use anyhow::Context;
use calsync_testkit::TestCalendar;
use futures::StreamExt;
use std::path::Path;

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

/// Seeds `calendar` by writing its items straight into Radicale's storage folder
/// (`<collection-root>/<user>/<calendar>/<name>`), which Radicale reads like any item it
/// wrote itself. Seeding is not what is measured, and Radicale checks every PUT against every
/// item already stored (UID uniqueness), so seeding thousands of items over HTTP would take
/// far longer than the benchmark itself.
pub fn store_directly(
    collection_root: &Path,
    calendar: &TestCalendar,
    items: Vec<(String, String)>,
) -> anyhow::Result<()> {
    let path = url::Url::parse(&calendar.url)?
        .path()
        .trim_matches('/')
        .to_string();
    let folder = collection_root.join(path);
    anyhow::ensure!(
        folder.is_dir(),
        "{} is not Radicale's folder for {}",
        folder.display(),
        calendar.url
    );
    for (name, ics) in items {
        std::fs::write(folder.join(&name), ics)
            .with_context(|| format!("writing {name} into {}", folder.display()))?;
    }
    Ok(())
}
