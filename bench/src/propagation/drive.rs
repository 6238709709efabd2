//! Making changes on a source and timing each until the destination shows it.

use super::sides::{Destination, Handle, Source};
use anyhow::bail;
use rand::Rng;
use rand::rngs::StdRng;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The pause between two looks at the destination (one look in flight at a time).
pub const LOOK_EVERY: Duration = Duration::from_millis(5);
/// A change still not visible after this fails the benchmark (serve's log says why).
const CHANGE_DEADLINE: Duration = Duration::from_secs(90);

/// When the next change is made.
#[derive(Debug, Clone, Copy)]
pub enum Pacing {
    /// Once the previous change is visible and the runtime is idle again (its echo pass,
    /// caused by its own write, done): each change crosses alone (push).
    OneAtATime,
    /// After a random pause of 0 to twice `mean_gap`, whatever is still in flight: changes
    /// land at random moments of the poll cycle, as users' edits do (polled calendars).
    Spread { mean_gap: Duration },
}

/// One direction: its ends and the events that crossed it so far (edited round robin).
pub struct Track<'w> {
    pub source: Source<'w>,
    pub destination: Destination<'w>,
    crossed: VecDeque<Handle>,
    made: usize,
}

/// What one run of changes measured.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Seconds from the source confirming each change until the destination showed it.
    pub seconds: Vec<f64>,
    pub creates: usize,
    pub edits: usize,
}

struct Pending {
    title: String,
    made_at: Instant,
    handle: Handle,
}

impl<'w> Track<'w> {
    pub fn new(source: Source<'w>, destination: Destination<'w>) -> Self {
        Self {
            source,
            destination,
            crossed: VecDeque::new(),
            made: 0,
        }
    }

    /// Makes `changes` changes titled `<label> <n>`: every other one is a title edit of an
    /// event that already crossed (a create while none has), the rest creates.
    /// `idle` tells whether calsync is done with earlier changes (for [`Pacing::OneAtATime`]).
    pub async fn run(
        &mut self,
        label: &str,
        changes: usize,
        pacing: Pacing,
        idle: &dyn Fn() -> bool,
        rng: &mut StdRng,
    ) -> anyhow::Result<Outcome> {
        let mut outcome = Outcome::default();
        let mut pending: Vec<Pending> = Vec::new();
        let mut next_change = Instant::now();
        let mut made = 0;
        while made < changes || !pending.is_empty() {
            let due = match pacing {
                Pacing::OneAtATime => pending.is_empty() && idle(),
                Pacing::Spread { .. } => Instant::now() >= next_change,
            };
            if made < changes && due {
                let title = format!("{label} {made}");
                let edited = (made % 2 == 1).then(|| self.crossed.pop_front()).flatten();
                let handle = match edited {
                    Some(handle) => {
                        self.source.rename(&handle, &title).await?;
                        outcome.edits += 1;
                        handle
                    }
                    None => {
                        let handle = self.source.create(&title, self.made).await?;
                        outcome.creates += 1;
                        handle
                    }
                };
                pending.push(Pending {
                    title,
                    made_at: Instant::now(),
                    handle,
                });
                made += 1;
                self.made += 1;
                if let Pacing::Spread { mean_gap } = pacing {
                    let gap = rng.random_range(0..=2 * mean_gap.as_millis() as u64);
                    next_change = Instant::now() + Duration::from_millis(gap);
                }
            }
            if let Some(sighting) = self.destination.look().await? {
                for arrived in extract(&mut pending, |p| sighting.titles.contains(&p.title)) {
                    let latency = sighting.at.saturating_duration_since(arrived.made_at);
                    outcome.seconds.push(latency.as_secs_f64());
                    self.crossed.push_back(arrived.handle);
                }
            }
            if let Some(late) = pending
                .iter()
                .find(|p| p.made_at.elapsed() > CHANGE_DEADLINE)
            {
                bail!("{:?} was not visible after {CHANGE_DEADLINE:?}", late.title);
            }
            tokio::time::sleep(LOOK_EVERY).await;
        }
        Ok(outcome)
    }
}

/// Removes and returns the items matching `arrived`, keeping the others in order.
fn extract(pending: &mut Vec<Pending>, arrived: impl Fn(&Pending) -> bool) -> Vec<Pending> {
    let (gone, kept) = std::mem::take(pending).into_iter().partition(arrived);
    *pending = kept;
    gone
}
