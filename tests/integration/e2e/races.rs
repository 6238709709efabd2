//! A write that loses a race: another client edits the copy between calsync's read and its
//! conditional write, the real server answers 412, and calsync re-reads and merges instead of
//! overwriting the other client's edit or duplicating the event.

use super::fixtures::{timed_event, uid};
use super::harness::{Cal, Calsync};
use super::library::{open_store, sync_service};
use super::stored::{Held, rewrite, set_property, unfold};
use async_trait::async_trait;
use calsync_core::adapters::ProviderConnector;
use calsync_core::cloud::schedule::cursors::job_cursors;
use calsync_core::domain::{
    CalendarId, CalendarInfo, Capabilities, CopyKey, Etag, Event, RemoteId, SyncCursor,
};
use calsync_core::ports::{
    CalendarDirectory, CalendarProvider, CalendarStore, ChangeBatch, ChangeFeed,
    DiscoveredCalendar, EventReader, EventWriter, FetchedItem, LinkStore, ProviderError,
    PushSubscriptions, PushSupport, SyncStateStore, WriteOutcome,
};
use calsync_core::usecases::{Connector, Credentials, LinkReport, NoProgress, PassOptions};
use calsync_testkit::{ServerKind, TestCalendar};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

on_every_server!(
    a_write_that_loses_a_race_keeps_both_edits_without_duplicates,
    a_copy_deleted_while_calsync_updates_it_comes_back_with_the_edit,
);

const PHONE_LOCATION: &str = "Room 7 (booked from a phone)";

/// What another client does to the item just before calsync's first update to it.
#[derive(Debug, Clone, Copy)]
enum Interference {
    /// Sets the location.
    Edit,
    Delete,
    /// Every change-feed read of the calendar from the `from`-th on (0-based) fails: 0 fails
    /// the pass's check, 1 the re-read after its writes.
    FailReads {
        from: usize,
    },
    /// calsync's first create on the calendar never finishes: the pass is dropped there, as a
    /// worker killed mid-write is.
    HangCreates,
    /// The same for its first update: the update is never sent.
    HangUpdates,
}

/// Another client's write just before calsync's first update to one calendar.
struct Race {
    calendar: String,
    observer: TestCalendar,
    interference: Interference,
    fired: AtomicBool,
    /// Change-feed reads of the calendar so far.
    reads: AtomicUsize,
    /// The real server refused calsync's write (412, or 404 for a deleted item).
    lost: AtomicBool,
    /// A create is hanging (HangCreates).
    hanging: tokio::sync::Notify,
}

impl Race {
    fn new(target: &Cal, interference: Interference) -> Arc<Race> {
        Arc::new(Race {
            calendar: target.id.clone(),
            observer: target.raw.clone(),
            interference,
            fired: AtomicBool::new(false),
            reads: AtomicUsize::new(0),
            lost: AtomicBool::new(false),
            hanging: tokio::sync::Notify::new(),
        })
    }

    async fn interfere(&self, resource: &RemoteId) {
        match self.interference {
            Interference::Edit => {
                let (text, _) = self.observer.get(&resource.0).await.unwrap();
                let text = unfold(&text).join("\r\n") + "\r\n";
                let edited = set_property(&text, "LOCATION", &format!("LOCATION:{PHONE_LOCATION}"));
                self.observer.put(&resource.0, &edited).await;
            }
            Interference::Delete => self.observer.delete(&resource.0).await,
            Interference::FailReads { .. }
            | Interference::HangCreates
            | Interference::HangUpdates => {}
        }
    }

    /// Runs one pass of calsync's own sync service over `calsync`'s data directory, with this
    /// race armed, and checks that the race really happened and was recovered within the pass.
    async fn run_pass(self: &Arc<Race>, calsync: &Calsync, kind: ServerKind) {
        let connector = Arc::new(RacingConnector {
            real: ProviderConnector::default(),
            race: self.clone(),
        });
        let reports = sync_service(calsync.data_dir(), connector)
            .run_pass(&PassOptions::default(), &NoProgress)
            .await
            .unwrap();
        assert!(
            self.fired.load(Ordering::SeqCst),
            "{kind}: calsync never updated the copy: {reports:#?}"
        );
        assert!(
            self.lost.load(Ordering::SeqCst),
            "{kind}: the server did not refuse the stale write: {reports:#?}"
        );
        assert!(
            reports.iter().all(|r| r.ok && r.errors.is_empty()),
            "{kind}: the race is recovered within the pass: {reports:#?}"
        );
    }
}

impl Race {
    /// One pass dropped at its first create (or update, with HangUpdates) on the race's
    /// calendar, after it committed what it was about to write and before its own commit: a
    /// worker killed mid-write.
    async fn killed_pass(self: &Arc<Race>, calsync: &Calsync) {
        let connector = Arc::new(RacingConnector {
            real: ProviderConnector::default(),
            race: self.clone(),
        });
        let service = sync_service(calsync.data_dir(), connector);
        let options = PassOptions::default();
        let pass = service.run_pass(&options, &NoProgress);
        tokio::select! {
            reports = pass => panic!("the pass ended without its write: {reports:#?}"),
            () = self.hanging.notified() => {}
        }
    }

    /// One pass with reads of the race's calendar failing; checks that they did.
    async fn failing_pass(self: &Arc<Race>, calsync: &Calsync) -> Vec<LinkReport> {
        let connector = Arc::new(RacingConnector {
            real: ProviderConnector::default(),
            race: self.clone(),
        });
        let reports = sync_service(calsync.data_dir(), connector)
            .run_pass(&PassOptions::default(), &NoProgress)
            .await
            .unwrap();
        assert!(
            self.fired.load(Ordering::SeqCst),
            "no failed read: {reports:#?}"
        );
        reports
    }
}

struct RacingConnector {
    real: ProviderConnector,
    race: Arc<Race>,
}

#[async_trait]
impl Connector for RacingConnector {
    async fn connect(
        &self,
        credentials: &Credentials,
    ) -> Result<Arc<dyn CalendarProvider>, ProviderError> {
        Ok(Arc::new(RacingProvider {
            real: self.real.connect(credentials).await?,
            race: self.race.clone(),
        }))
    }
}

struct RacingProvider {
    real: Arc<dyn CalendarProvider>,
    race: Arc<Race>,
}

impl PushSupport for RacingProvider {
    fn push(&self) -> Option<&dyn PushSubscriptions> {
        self.real.push()
    }
}

#[async_trait]
impl CalendarDirectory for RacingProvider {
    async fn calendars(&self) -> Result<Vec<DiscoveredCalendar>, ProviderError> {
        self.real.calendars().await
    }
    async fn probe(&self, calendar: &CalendarInfo) -> Result<Capabilities, ProviderError> {
        self.real.probe(calendar).await
    }
}

#[async_trait]
impl ChangeFeed for RacingProvider {
    async fn changes(
        &self,
        calendar: &CalendarInfo,
        cursor: &SyncCursor,
        window: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<ChangeBatch, ProviderError> {
        let race = &self.race;
        if let Interference::FailReads { from } = race.interference
            && calendar.id.as_str() == race.calendar
            && race.reads.fetch_add(1, Ordering::SeqCst) >= from
        {
            race.fired.store(true, Ordering::SeqCst);
            return Err(ProviderError::Transient(
                "injected: the re-read fails".into(),
            ));
        }
        self.real.changes(calendar, cursor, window).await
    }
}

#[async_trait]
impl EventReader for RacingProvider {
    async fn fetch(
        &self,
        calendar: &CalendarInfo,
        ids: &[RemoteId],
    ) -> Result<Vec<FetchedItem>, ProviderError> {
        self.real.fetch(calendar, ids).await
    }
}

#[async_trait]
impl EventWriter for RacingProvider {
    async fn create(
        &self,
        calendar: &CalendarInfo,
        key: &CopyKey,
        event: &Event,
    ) -> Result<WriteOutcome, ProviderError> {
        let race = &self.race;
        if matches!(race.interference, Interference::HangCreates)
            && calendar.id.as_str() == race.calendar
        {
            race.hanging.notify_one();
            return std::future::pending().await;
        }
        self.real.create(calendar, key, event).await
    }

    async fn update(
        &self,
        calendar: &CalendarInfo,
        id: &RemoteId,
        etag: Option<&Etag>,
        event: &Event,
    ) -> Result<WriteOutcome, ProviderError> {
        let race = &self.race;
        if matches!(race.interference, Interference::HangUpdates)
            && calendar.id.as_str() == race.calendar
        {
            race.hanging.notify_one();
            return std::future::pending().await;
        }
        if calendar.id.as_str() == race.calendar && !race.fired.swap(true, Ordering::SeqCst) {
            race.interfere(id).await;
            let result = self.real.update(calendar, id, etag, event).await;
            if matches!(
                result,
                Err(ProviderError::PreconditionFailed | ProviderError::NotFound)
            ) {
                race.lost.store(true, Ordering::SeqCst);
            }
            return result;
        }
        self.real.update(calendar, id, etag, event).await
    }

    async fn delete(
        &self,
        calendar: &CalendarInfo,
        id: &RemoteId,
        etag: Option<&Etag>,
    ) -> Result<(), ProviderError> {
        self.real.delete(calendar, id, etag).await
    }
}

/// A pair with one event synced from A to B, then renamed on A: the next pass updates B.
async fn renamed_and_synced_once(kind: ServerKind, scenario: &str) -> (Calsync, Cal, Cal, String) {
    let (calsync, cals) = Calsync::with_calendars(scenario, &[kind, kind]).await;
    let (a, b) = (cals[0].clone(), cals[1].clone());
    calsync.pair("race", &a, &b).await;
    let event = uid("raced");
    a.raw
        .put("raced.ics", &timed_event(&event, "Raced", 17, 10, &[]))
        .await;
    let pass = calsync.sync().await;
    assert_eq!(pass.ops(&b).created, 1, "{kind}: {pass:#?}");
    let on_a = Held::read(&a).await;
    rewrite(&a, on_a.get(&event), |t| {
        set_property(t, "SUMMARY", "SUMMARY:Raced and renamed")
    })
    .await;
    (calsync, a, b, event)
}

async fn a_write_that_loses_a_race_keeps_both_edits_without_duplicates(kind: ServerKind) {
    let (calsync, a, b, event) = renamed_and_synced_once(kind, "race edit").await;
    Race::new(&b, Interference::Edit)
        .run_pass(&calsync, kind)
        .await;
    for cal in [&a, &b] {
        let held = Held::read(cal).await;
        held.assert_exactly(&[&event], "after the race");
        let merged = held.get(&event);
        assert_eq!(
            (merged.summary(), merged.value("LOCATION")),
            (Some("Raced and renamed"), Some(PHONE_LOCATION)),
            "{}: calsync's change and the phone's edit are both kept:\n{}",
            held.label,
            merged.text
        );
    }
    calsync
        .sync_expecting_nothing("the raced pass left both sides in sync")
        .await;
}

/// The copy is deleted by someone who never saw the rename: the edit beats the delete.
async fn a_copy_deleted_while_calsync_updates_it_comes_back_with_the_edit(kind: ServerKind) {
    let (calsync, a, b, event) = renamed_and_synced_once(kind, "race delete").await;
    Race::new(&b, Interference::Delete)
        .run_pass(&calsync, kind)
        .await;
    for cal in [&a, &b] {
        let held = Held::read(cal).await;
        held.assert_exactly(&[&event], "after the race");
        assert_eq!(
            held.get(&event).summary(),
            Some("Raced and renamed"),
            "{}: the edit is kept, on both sides",
            held.label
        );
    }
    calsync
        .sync_expecting_nothing("the restored copy is stable")
        .await;
}

/// Creating a copy on a calendar with a sync token makes the pass read that calendar again;
/// when that re-read fails, the copy calsync already made is still committed with the pass's
/// error (found by the chaos run: dropped, its own writes came back as users' edits).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_reread_after_writes_still_commits_them() {
    let kind = ServerKind::Radicale;
    let (calsync, cals) = Calsync::with_calendars("reread", &[kind, kind]).await;
    let (a, b) = (cals[0].clone(), cals[1].clone());
    calsync.pair("reread", &a, &b).await;
    let event = uid("reread");
    a.raw
        .put("reread.ics", &timed_event(&event, "Reread", 18, 10, &[]))
        .await;
    let reports = Race::new(&b, Interference::FailReads { from: 1 })
        .failing_pass(&calsync)
        .await;
    assert!(
        reports.iter().all(|r| !r.ok && !r.errors.is_empty()),
        "the failed re-read is reported, so the job is retried: {reports:#?}"
    );
    Held::read(&b)
        .await
        .assert_exactly(&[&event], "after the pass");
    let (tenant, store) = open_store(calsync.data_dir());
    let link = store.list_links(&tenant).await.unwrap().remove(0);
    let stored = store.load_link_state(&tenant, &link.id).await.unwrap();
    let sides: Vec<_> = stored
        .state
        .shadows
        .values()
        .flat_map(|shadow| shadow.sides.keys().map(|c| c.as_str().to_string()))
        .collect();
    assert!(
        sides.contains(&b.id),
        "the copy on B is in the committed link state: {sides:?}"
    );
    assert_checks_take_the_normal_path(&calsync, &[&a, &b]).await;
    calsync
        .sync_expecting_nothing("the copy was committed by the failed pass")
        .await;
}

/// A pass that fails on one calendar's check still commits the other calendars' checks: the
/// deletion they consumed reaches the failed calendar on the next pass, which must not take
/// the link for quiet (found by the chaos run: deletions stayed half done).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deletion_seen_by_a_failed_pass_reaches_the_other_side_next_pass() {
    let kind = ServerKind::Radicale;
    let (calsync, cals) = Calsync::with_calendars("failed check", &[kind, kind]).await;
    let (a, b) = (cals[0].clone(), cals[1].clone());
    calsync.pair("failed-check", &a, &b).await;
    let event = uid("doomed");
    a.raw
        .put("doomed.ics", &timed_event(&event, "Doomed", 19, 10, &[]))
        .await;
    calsync.sync().await;
    Held::read(&b).await.assert_exactly(&[&event], "copied");
    a.raw.delete("doomed.ics").await;
    let reports = Race::new(&b, Interference::FailReads { from: 0 })
        .failing_pass(&calsync)
        .await;
    assert!(reports.iter().all(|r| !r.ok), "{reports:#?}");
    assert_checks_take_the_normal_path(&calsync, &[&a, &b]).await;
    let pass = calsync.sync().await;
    assert_eq!(
        pass.ops(&b).deleted,
        1,
        "the deletion crossed over: {pass:#?}"
    );
    Held::read(&b)
        .await
        .assert_exactly(&[], "after the next pass");
}

/// The failed re-read leaves B's cursor from before the copy was made, and Xandikos's feed from
/// there omits an item made and deleted since (its tokens name content states): a copy deleted
/// right after that pass must still count as deleted, and take its original with it (found by
/// the chaos run: half-deleted events).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_deleted_after_a_failed_reread_takes_its_original_along() {
    let kind = ServerKind::Xandikos;
    let (calsync, cals) = Calsync::with_calendars("reread delete", &[kind, kind]).await;
    let (a, b) = (cals[0].clone(), cals[1].clone());
    calsync.pair("reread-delete", &a, &b).await;
    let event = uid("short-lived");
    a.raw
        .put(
            "short.ics",
            &timed_event(&event, "Short-lived", 18, 10, &[]),
        )
        .await;
    Race::new(&b, Interference::FailReads { from: 1 })
        .failing_pass(&calsync)
        .await;
    let copies = b.raw.list().await;
    assert_eq!(copies.len(), 1, "the copy was made: {copies:?}");
    assert_eq!(b.raw.try_delete(&copies[0].0).await / 100, 2);
    let pass = calsync.sync().await;
    assert_eq!(
        pass.ops(&a).deleted,
        1,
        "the copy's deletion reached the original: {pass:#?}"
    );
    Held::read(&a)
        .await
        .assert_exactly(&[], "after the next pass");
}

/// A worker killed between the commit of what it was about to write and its own commit: that
/// intent binds the items its check found and the copies it made, so the check and the writes
/// must be stored with it. Otherwise a job that takes those calendars as stored finds bound
/// items missing from the index and takes them for deleted (found by the chaos run: every
/// calendar's events seen as deleted at once, the deletion guard tripped, originals
/// "restored" over themselves).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_after_its_intent_takes_nothing_for_deleted() {
    let kind = ServerKind::Radicale;
    let (calsync, cals) = Calsync::with_calendars("killed", &[kind, kind, kind]).await;
    let (a, b, c) = (cals[0].clone(), cals[1].clone(), cals[2].clone());
    calsync
        .link("killed", &["--topology", "mesh"], &[&a, &b, &c])
        .await;
    let event = uid("killed");
    a.raw
        .put("killed.ics", &timed_event(&event, "Killed", 18, 10, &[]))
        .await;
    // The pass dies in its create on C (its copy on B may or may not be made by then).
    Race::new(&c, Interference::HangCreates)
        .killed_pass(&calsync)
        .await;
    // The next job is about C alone (its poll; the daily full reconcile, so that it plans
    // even with nothing new): A and B are taken as stored.
    let only_c = PassOptions {
        check_only: Some([CalendarId::parse(&c.id).unwrap()].into()),
        full_reconcile: true,
        ..PassOptions::default()
    };
    let reports = sync_service(calsync.data_dir(), Arc::new(ProviderConnector::default()))
        .run_pass(&only_c, &NoProgress)
        .await
        .unwrap();
    let deleted: usize = reports
        .iter()
        .flat_map(|r| r.operations.values())
        .map(|ops| ops.deleted)
        .sum();
    assert_eq!(deleted, 0, "a job about C deleted: {reports:#?}");
    for cal in [&a, &b, &c] {
        Held::read(cal)
            .await
            .assert_exactly(&[&event], "after the job about C");
    }
    calsync
        .sync_expecting_nothing("the killed pass's work is done")
        .await;
}

/// A worker records its intent to update a copy and is killed before sending it. Its intent
/// committed the check that found the edit, and the copy did not change: the next pass finds
/// nothing new in either feed, yet must send the update (chaos run: copies on one calendar
/// kept old values for good).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_a_killed_worker_never_sent_is_sent_by_the_next_pass() {
    let kind = ServerKind::Radicale;
    let (calsync, _a, b, event) = renamed_and_synced_once(kind, "unsent").await;
    Race::new(&b, Interference::HangUpdates)
        .killed_pass(&calsync)
        .await;
    let summary = |held: Held| held.get(&event).summary().map(str::to_string);
    assert_eq!(
        summary(Held::read(&b).await).as_deref(),
        Some("Raced"),
        "the killed pass sent nothing"
    );
    let pass = calsync.sync().await;
    assert_eq!(pass.ops(&b).updated, 1, "{pass:#?}");
    assert_eq!(
        summary(Held::read(&b).await).as_deref(),
        Some("Raced and renamed")
    );
    calsync
        .sync_expecting_nothing("the update is confirmed")
        .await;
}

/// After a failed pass every calendar of the link carries the error, so the cloud scheduler
/// hands their next checks no cursor: those take the normal path, which retries the link,
/// instead of confirming "unchanged" from the provider alone.
async fn assert_checks_take_the_normal_path(calsync: &Calsync, linked: &[&Cal]) {
    let (tenant, store) = open_store(calsync.data_dir());
    let states: BTreeMap<_, _> = store
        .calendar_states(&tenant)
        .await
        .unwrap()
        .into_iter()
        .filter(|(id, _)| linked.iter().any(|cal| cal.id == id.as_str()))
        .collect();
    assert_eq!(states.len(), linked.len());
    assert!(
        states.values().all(|state| state.last_error.is_some()),
        "{states:#?}"
    );
    assert!(job_cursors(&states, Utc::now()).is_empty());
}
