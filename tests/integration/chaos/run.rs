//! One chaos run: build the mesh, apply the seeded operations under faults (killing and
//! restarting `calsync serve` along the way), then stop the faults, wait for convergence and
//! judge. Prints a one-line JSON summary to stderr; panics with the seed and a diff on failure.

use super::dav_client::HrefCache;
use super::model::{Field, Model};
use super::plan::{Op, next};
use super::projection::{Projection, project};
use super::verdict::{Verdict, admits, judge};
use super::world::World;
use super::{cloud_client as cloud, faults, observe};
use crate::cloud::sides::Side;
use calsync_core::domain::RemoteId;
use calsync_core::ports::EventReader;
use chrono::Utc;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub ops: usize,
    pub seed: u64,
    /// How long convergence may take once the faults stop.
    pub deadline: Duration,
    /// Operations per second the clients make, at most.
    pub rate: u64,
    pub faults: FaultSet,
}

/// Which faults a run injects: `CALSYNC_CHAOS_FAULTS` is `all` (the default), `none`, or a
/// comma list of `notifications`, `errors` (5xx and 429), `expiry`, `kills`. `none` leaves only
/// the concurrent clients, which tells merge problems from fault handling.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct FaultSet {
    pub notifications: bool,
    pub errors: bool,
    pub expiry: bool,
    pub kills: bool,
}

impl FaultSet {
    fn parse(text: &str) -> FaultSet {
        let on = |name: &str| text == "all" || text.split(',').any(|part| part.trim() == name);
        FaultSet {
            notifications: on("notifications"),
            errors: on("errors"),
            expiry: on("expiry"),
            kills: on("kills"),
        }
    }
}

impl Settings {
    /// `CALSYNC_CHAOS_OPS`, `CALSYNC_CHAOS_SEED`, `CALSYNC_CHAOS_DEADLINE_S` (default 120),
    /// `CALSYNC_CHAOS_RATE` (operations per second, default 10) and `CALSYNC_CHAOS_FAULTS`
    /// (see [`FaultSet`]) override the defaults.
    pub fn from_env(ops: usize, seed: u64, faults: &str) -> Settings {
        let read = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
        Settings {
            ops: read("CALSYNC_CHAOS_OPS").map_or(ops, |n| n as usize),
            seed: read("CALSYNC_CHAOS_SEED").unwrap_or(seed),
            deadline: Duration::from_secs(read("CALSYNC_CHAOS_DEADLINE_S").unwrap_or(120)),
            rate: read("CALSYNC_CHAOS_RATE").unwrap_or(10).max(1),
            faults: FaultSet::parse(
                &std::env::var("CALSYNC_CHAOS_FAULTS").unwrap_or_else(|_| faults.into()),
            ),
        }
    }
}

/// Operations between a kill of `calsync serve` and its restart.
const DOWNTIME_OPS: usize = 6;
/// Chance per operation that a cloud calendar's sync state expires (410 on next use).
const EXPIRY_CHANCE: f64 = 0.015;
/// Tags touched by this many previous operations are left alone for now.
const COOL_DOWN_OPS: usize = 6;

struct Counters {
    ops: BTreeMap<String, usize>,
    /// Edits and deletes whose event was on neither the chosen calendar nor its home.
    skipped: usize,
    /// Edits to the value the calendar already showed (a stale copy): no edit at all.
    unchanged: usize,
    expiries: usize,
    kills: usize,
}

/// `build` makes the mesh and starts the runtime under test for a seed.
pub async fn run<F, Fut>(settings: Settings, build: F)
where
    F: FnOnce(u64) -> Fut,
    Fut: Future<Output = World>,
{
    let started = Instant::now();
    let seed = settings.seed;
    eprintln!("chaos: seed {seed}, {} operations", settings.ops);
    let mut world = build(seed).await;
    let setup = started.elapsed();
    faults::arm(
        world.runtime.as_ref(),
        settings.faults.notifications,
        settings.faults.errors,
    );
    let mut model = Model::default();
    let mut rng = StdRng::seed_from_u64(seed);
    let hrefs = HrefCache::default();
    let kills = if settings.faults.kills {
        (settings.ops / 100).max(2)
    } else {
        0
    };
    let kill_at: Vec<usize> = (1..=kills)
        .map(|k| k * settings.ops / (kills + 1))
        .collect();
    let mut restart_at = None;
    let mut counters = Counters {
        ops: BTreeMap::new(),
        skipped: 0,
        unchanged: 0,
        expiries: 0,
        kills: 0,
    };
    let mut recent: Vec<String> = Vec::new();
    let ops_started = Instant::now();
    // The clients' pace: a user base making `rate` changes a second, not a tight loop.
    let mut pace = tokio::time::interval(Duration::from_millis(1000 / settings.rate));
    for serial in 0..settings.ops {
        pace.tick().await;
        if kill_at.contains(&serial) && world.runtime.is_running() {
            world.runtime.kill().await;
            counters.kills += 1;
            restart_at = Some(serial + DOWNTIME_OPS);
        }
        if restart_at == Some(serial) {
            world.runtime.restart().await;
            restart_at = None;
        }
        if rng.random_bool(EXPIRY_CHANCE) && settings.faults.expiry {
            expire(&world, &mut rng);
            counters.expiries += 1;
        }
        let op = next(&mut rng, &model, world.sides.len(), serial, &recent);
        let kind = op.kind();
        let tag = match &op {
            Op::Create { tag, .. } | Op::Edit { tag, .. } | Op::Delete { tag, .. } => tag.clone(),
        };
        match apply(&world, &hrefs, &mut model, op).await {
            Applied::Done => *counters.ops.entry(kind).or_default() += 1,
            Applied::AlreadyShown => counters.unchanged += 1,
            Applied::NotFound => counters.skipped += 1,
        }
        recent.push(tag);
        if recent.len() > COOL_DOWN_OPS {
            recent.remove(0);
        }
    }
    let ops_time = ops_started.elapsed();
    faults::disarm(world.runtime.as_ref());
    if !world.runtime.is_running() {
        world.runtime.restart().await;
    }
    let quiet_since = Instant::now();
    let verdict = converge(&world, &model, settings.deadline).await;
    let convergence = quiet_since.elapsed();
    let labels: Vec<String> = (0..world.sides.len()).map(|i| world.label(i)).collect();
    let summary = json!({
        "chaos": {
            "seed": seed,
            "ops": settings.ops,
            "faults_on": settings.faults,
            "ops_by_kind": counters.ops,
            "ops_skipped_not_found": counters.skipped,
            "ops_skipped_already_shown": counters.unchanged,
            "runtime": world.runtime.name(),
            "faults": faults::injected(world.runtime.as_ref(), counters.expiries, counters.kills),
            "runtime_activity": world.runtime.activity(),
            "restarts": counters.kills,
            "calendars": labels,
            "events_at_end": verdict.events,
            "kept_after_contested_delete": verdict.kept_after_delete,
            "setup_s": setup.as_secs_f64(),
            "ops_s": ops_time.as_secs_f64(),
            "convergence_s": convergence.as_secs_f64(),
            "converged": verdict.converged(),
        }
    });
    eprintln!("{summary}");
    eprintln!(
        "chaos: the most frequent API requests: {:#?}",
        faults::busiest_requests(world.runtime.as_ref(), 12)
    );
    if !verdict.converged() {
        explain(&mut world, &model).await;
    }
    assert!(
        verdict.converged(),
        "chaos run with CALSYNC_CHAOS_SEED={seed} CALSYNC_CHAOS_OPS={} did not converge within \
         {:?} of the faults stopping:\n{}\nrefused API requests in the last 10 s: {:#?}",
        settings.ops,
        settings.deadline,
        verdict.diff(25),
        faults::recent_refusals(world.runtime.as_ref(), 10)
    );
    settle(&mut world, &model, seed).await;
    eprintln!(
        "chaos: seed {seed} converged in {convergence:?}, {:?} in all",
        started.elapsed()
    );
}

/// What the runtime says once it did not converge, and whether one more full pass repairs it.
async fn explain(world: &mut World, model: &Model) {
    world.runtime.explain().await;
    let after = check(world, model).await;
    eprintln!(
        "chaos: after that full pass: {}",
        if after.converged() {
            "converged".to_string()
        } else {
            format!("still {} problems", after.problems.len())
        }
    );
}

/// A random cloud calendar's sync state expires: its next incremental read gets 410.
fn expire(world: &World, rng: &mut StdRng) {
    let cloud: Vec<&Side> = world
        .sides
        .iter()
        .filter(|s| !matches!(s, Side::Dav(_)))
        .collect();
    match cloud[rng.random_range(0..cloud.len())] {
        Side::Google(calendar) => world.runtime.google().expire_sync_tokens(calendar),
        _ => world.runtime.graph().expire_delta_tokens(),
    }
}

enum Applied {
    Done,
    /// Neither the chosen calendar nor the event's home holds it (any more).
    NotFound,
    /// The calendar already showed the new value (its copy was behind): a user there sees
    /// nothing to change, and an edit that changes nothing is invisible to any sync.
    AlreadyShown,
}

/// What `target` shows for the event tagged `tag`, if it holds it.
async fn shown(world: &World, hrefs: &HrefCache, target: usize, tag: &str) -> Option<Projection> {
    let (reader, id): (&dyn EventReader, String) = match &world.sides[target] {
        Side::Dav(cal) => return hrefs.shown(&cal.raw, tag).await,
        Side::Google(calendar) => (
            &world.google,
            cloud::google_find(world.runtime.google(), calendar, tag)?,
        ),
        Side::Graph(calendar) => (
            &world.graph,
            cloud::graph_find(world.runtime.graph(), calendar, tag)?,
        ),
    };
    let info = world.cloud_info(target)?;
    let fetched = reader.fetch(&info, &[RemoteId(id)]).await.ok()?;
    let event = fetched.into_iter().next()?.body?.ok()?;
    project(&event).map(|(_, projection)| projection)
}

/// Applies `op` on its calendar, else on the event's home calendar (the copy may not have
/// arrived yet); records it in the model.
async fn apply(world: &World, hrefs: &HrefCache, model: &mut Model, op: Op) -> Applied {
    match op {
        Op::Create {
            calendar,
            tag,
            content,
        } => {
            let at = Utc::now();
            match &world.sides[calendar] {
                Side::Google(id) => cloud::google_create(world.runtime.google(), id, &content),
                Side::Graph(id) => cloud::graph_create(world.runtime.graph(), id, &content),
                Side::Dav(cal) => hrefs.create(&cal.raw, &tag, &content).await,
            }
            let series = match (&content.shape, &content.when) {
                (super::plan::Shape::Series, super::model::When::Timed { start, .. }) => {
                    Some(*start)
                }
                _ => None,
            };
            model.created(tag, calendar, content.values(), series, at);
            Applied::Done
        }
        Op::Edit {
            calendar,
            tag,
            field,
            value,
            ..
        } => {
            let home = model.get(&tag).unwrap().home;
            for target in [calendar, home] {
                if shown(world, hrefs, target, &tag)
                    .await
                    .is_some_and(|now| admits(&value, &now, field))
                {
                    return Applied::AlreadyShown;
                }
                let done = match &world.sides[target] {
                    Side::Google(id) => {
                        cloud::google_edit(world.runtime.google(), id, &tag, field, &value)
                    }
                    Side::Graph(id) => {
                        cloud::graph_edit(world.runtime.graph(), id, &tag, field, &value)
                    }
                    Side::Dav(cal) => hrefs.edit(&cal.raw, &tag, field, &value).await,
                };
                if done {
                    model.edited(&tag, target, field, value);
                    return Applied::Done;
                }
            }
            Applied::NotFound
        }
        Op::Delete { calendar, tag } => {
            let home = model.get(&tag).unwrap().home;
            for target in [calendar, home] {
                let informed = informed_delete(world, hrefs, model, target, &tag).await;
                let done = match &world.sides[target] {
                    Side::Google(id) => cloud::google_delete(world.runtime.google(), id, &tag),
                    Side::Graph(id) => cloud::graph_delete(world.runtime.graph(), id, &tag),
                    Side::Dav(cal) => hrefs.delete(&cal.raw, &tag).await,
                };
                if done {
                    model.deleted(&tag, target, informed);
                    return Applied::Done;
                }
            }
            Applied::NotFound
        }
    }
}

/// Whether a delete on `target` is one calsync can order after every edit: the deleted item
/// shows every field as the model admits it (its user saw every edit), and the deleting
/// calendar's own last edits already show on another calendar (calsync read them before the
/// item went away; unread, they leave calsync seeing the deleter as behind, and it keeps the
/// event).
async fn informed_delete(
    world: &World,
    hrefs: &HrefCache,
    model: &Model,
    target: usize,
    tag: &str,
) -> bool {
    let event = model.get(tag).unwrap();
    let shows = |now: &Projection, fields: &[Field]| {
        fields.iter().all(|field| {
            event
                .admissible(*field)
                .iter()
                .any(|value| admits(value, now, *field))
        })
    };
    let Some(deleted) = shown(world, hrefs, target, tag).await else {
        return false;
    };
    if !shows(&deleted, &Field::ALL) {
        return false;
    }
    let own_last: Vec<Field> = Field::ALL
        .into_iter()
        .filter(|field| {
            event.writes[field]
                .last()
                .is_some_and(|w| w.calendar == target)
        })
        .collect();
    if own_last.is_empty() {
        return true;
    }
    let other = (target + 1) % world.sides.len();
    shown(world, hrefs, other, tag)
        .await
        .is_some_and(|there| shows(&there, &own_last))
}

async fn check(world: &World, model: &Model) -> Verdict {
    let labels: Vec<String> = (0..world.sides.len()).map(|i| world.label(i)).collect();
    match observe::holdings(world).await {
        Ok(holdings) => judge(model, &holdings, &labels),
        Err(error) => Verdict {
            problems: vec![format!("could not read every calendar: {error}")],
            ..Verdict::default()
        },
    }
}

/// Polls until every calendar agrees with the model, or the deadline passes (the last
/// verdict then says what still differs).
async fn converge(world: &World, model: &Model, deadline: Duration) -> Verdict {
    let started = Instant::now();
    loop {
        let verdict = check(world, model).await;
        if verdict.converged() || started.elapsed() > deadline {
            return verdict;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// With the runtime stopped, one more round of checks finds nothing left to write, the
/// calendars still agree with the model, and no job was parked as dead.
async fn settle(world: &mut World, model: &Model, seed: u64) {
    let what = format!(
        "chaos seed {seed} converged through {}",
        world.runtime.name()
    );
    world.runtime.settle(&what).await;
    let verdict = check(world, model).await;
    assert!(
        verdict.converged(),
        "seed {seed}: after the final pass:\n{}",
        verdict.diff(25)
    );
}
