//! The timed passes of one contender, the edits made before its changed pass, and the
//! server's own time for the requests such a pass cannot avoid (its floor).

use super::contenders::Contender;
use super::events::BenchEvent;
use super::writes;
use crate::measure::{Figure, note, timed};
use anyhow::{Context, ensure};
use calsync_core::usecases::cadence::CadencePolicy;
use calsync_testkit::TestCalendar;
use chrono::Utc;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Passes {
    pub initial: Figure,
    pub no_change: Figure,
    pub changed: Figure,
    /// A no-change pass right after the changed pass.
    pub no_change_after_changed: Figure,
    /// The next one: a calendar that has changed before, checked again while idle (as a
    /// poller does every few seconds to a minute). calsync's `getlastmodified` gate is
    /// trusted only once seen to move with a change, and a value read in the second of a
    /// change only after one more full check: this is the first pass that can use it.
    pub idle_after_changed: Figure,
}

/// The events edited before the changed pass: half on each side, as users of both
/// calendars would make them.
pub fn edited<'a>(a: &'a [BenchEvent], b: &'a [BenchEvent], changed: usize) -> Vec<&'a BenchEvent> {
    a.iter()
        .take(changed.div_ceil(2))
        .chain(b.iter().take(changed / 2))
        .collect()
}

/// Resource names of the events whose originals are on the first calendar of a pair.
const ORIGINALS_OF_A: &str = "bench-a-";

/// Times the passes of one contender on its pair, checking the result of each.
pub async fn passes(
    tool: &impl Contender,
    pair: &(TestCalendar, TestCalendar),
    a: &[BenchEvent],
    b: &[BenchEvent],
    changed: usize,
    per_side: usize,
) -> anyhow::Result<Passes> {
    let name = tool.name();
    let pass = |label: &'static str| async move {
        let (output, seconds) = timed(tool.pass()).await;
        output.with_context(|| format!("{name} {label} pass"))?;
        for calendar in [&pair.0, &pair.1] {
            let held = calendar.list().await.len();
            ensure!(
                held == 2 * per_side,
                "after {name}'s {label} pass {} holds {held} items, not {}",
                calendar.url,
                2 * per_side
            );
        }
        note(&format!("{name} {label}: {seconds:.3} s"));
        anyhow::Ok(seconds)
    };
    let initial = pass("initial").await?;
    let no_change = pass("no-change").await?;
    let (on_a, on_b): (Vec<_>, Vec<_>) = edited(a, b, changed)
        .into_iter()
        .map(|e| (e.name.clone(), e.ics(" (moved)", 1, Utc::now())))
        .partition(|(name, _)| name.starts_with(ORIGINALS_OF_A));
    writes::put_all(&pair.0, on_a, 4).await;
    writes::put_all(&pair.1, on_b, 4).await;
    let changed_seconds = pass("changed").await?;
    // `calsync serve` checks a calendar at most this often (its fastest, "active" pace), so
    // a check never follows the last one sooner. Back to back, calsync's gate would still
    // hold a value read in the second of the changed pass's own writes, never trusted.
    let poll_gap = CadencePolicy::default().active;
    tokio::time::sleep(poll_gap).await;
    let no_change_after_changed = pass("no-change after changed").await?;
    tokio::time::sleep(poll_gap).await;
    let idle_after_changed = pass("idle after changed").await?;
    let how = |what: &str| format!("wall time of one `{name}` process run: {what}");
    Ok(Passes {
        initial: Figure::seconds(initial, how("initial pass")),
        no_change: Figure::seconds(no_change, how("nothing changed since the last pass")),
        changed: Figure::seconds(changed_seconds, how("after the edits")),
        no_change_after_changed: Figure::seconds(
            no_change_after_changed,
            how(&format!(
                "nothing changed since the changed pass, started {} s after it (serve's \
                 fastest polling pace)",
                poll_gap.as_secs_f64()
            )),
        ),
        idle_after_changed: Figure::seconds(
            idle_after_changed,
            how(&format!(
                "nothing changed, the second pass after the changed pass, started {} s after \
                 the first",
                poll_gap.as_secs_f64()
            )),
        ),
    })
}

/// The server's own time for the requests a changed pass cannot avoid: one GET of each
/// edited event and one PUT of its updated copy into the other calendar of `pair` (a pair
/// the size of the contenders' after their initial pass), `concurrency` requests at a time,
/// reads first. No change detection, no process start: what any client pays on this server.
pub async fn raw_changed_floor(
    pair: &(TestCalendar, TestCalendar),
    edited: &[&BenchEvent],
    concurrency: usize,
) -> anyhow::Result<Figure> {
    let (originals_a, originals_b): (Vec<&BenchEvent>, Vec<&BenchEvent>) = edited
        .iter()
        .copied()
        .partition(|e| e.name.starts_with(ORIGINALS_OF_A));
    let names = |events: &[&BenchEvent]| events.iter().map(|e| e.name.clone()).collect();
    let copies = |events: &[&BenchEvent]| {
        events
            .iter()
            .map(|e| (format!("copy-{}", e.name), e.ics(" (moved)", 1, Utc::now())))
            .collect()
    };
    let per_side = (concurrency / 2).max(1);
    let ((found_a, found_b), read_seconds) = timed(async {
        futures::join!(
            writes::get_all(&pair.0, names(&originals_a), per_side),
            writes::get_all(&pair.1, names(&originals_b), per_side),
        )
    })
    .await;
    ensure!(
        found_a + found_b == edited.len(),
        "the raw pair holds {} of the {} edited events",
        found_a + found_b,
        edited.len()
    );
    let (_, write_seconds) = timed(async {
        futures::join!(
            writes::put_all(&pair.1, copies(&originals_a), per_side),
            writes::put_all(&pair.0, copies(&originals_b), per_side),
        )
    })
    .await;
    Ok(Figure::seconds(
        read_seconds + write_seconds,
        format!(
            "{n} GETs of the edited events, then {n} PUTs of their copies' updates, {concurrency} \
             at a time, into the raw reference pair",
            n = edited.len()
        ),
    ))
}
