//! A day of edits on many calendars, as people make them: in bursts ("sessions" of a few
//! edits minutes apart), mostly during office hours, some calendars far busier than others.

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Sessions a day for the busy fifth, the middle half and the quiet rest of the calendars.
const SESSIONS_PER_DAY: [(f64, f64); 3] = [(0.2, 6.0), (0.5, 2.0), (0.3, 0.3)];
/// Share of sessions that start inside office hours (08:00-18:00).
const IN_OFFICE_HOURS: f64 = 0.8;

/// Each calendar's edit times, sorted.
pub fn edits(
    calendars: usize,
    start: DateTime<Utc>,
    hours: u32,
    seed: u64,
) -> Vec<Vec<DateTime<Utc>>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let span = f64::from(hours) * 3600.0;
    (0..calendars)
        .map(|n| {
            let share = n as f64 / calendars.max(1) as f64;
            let mut bound = 0.0;
            let sessions_per_day = SESSIONS_PER_DAY
                .iter()
                .find(|(part, _)| {
                    bound += part;
                    share < bound
                })
                .map_or(0.3, |(_, sessions)| *sessions);
            let sessions = poisson(&mut rng, sessions_per_day * f64::from(hours) / 24.0);
            let mut times = Vec::new();
            for _ in 0..sessions {
                let mut at = session_start(&mut rng, start, span);
                for _ in 0..rng.random_range(1..=6) {
                    if at < start + TimeDelta::seconds(span as i64) {
                        times.push(at);
                    }
                    at += TimeDelta::seconds(rng.random_range(20..=240));
                }
            }
            times.sort();
            times
        })
        .collect()
}

fn session_start(rng: &mut StdRng, start: DateTime<Utc>, span: f64) -> DateTime<Utc> {
    let in_office = rng.random_bool(IN_OFFICE_HOURS);
    let mut at = start;
    // Bounded: a span without office hours (or without any other hours) takes what it has.
    for _ in 0..1000 {
        at = start + TimeDelta::seconds(rng.random_range(0.0..span) as i64);
        if (8..18).contains(&at.hour()) == in_office {
            break;
        }
    }
    at
}

/// Knuth's method: fine for the small means used here.
fn poisson(rng: &mut StdRng, mean: f64) -> usize {
    let limit = (-mean).exp();
    let mut product = rng.random::<f64>();
    let mut count = 0;
    while product > limit {
        product *= rng.random::<f64>();
        count += 1;
    }
    count
}
