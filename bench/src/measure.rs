//! A figure with its unit and how it was measured, as every benchmark prints it.

use serde::Serialize;
use std::future::Future;
use std::time::Instant;

#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub value: f64,
    pub unit: &'static str,
    pub how: String,
}

impl Figure {
    pub fn seconds(seconds: f64, how: impl Into<String>) -> Self {
        Self {
            value: round(seconds, 3),
            unit: "s",
            how: how.into(),
        }
    }

    pub fn millis(millis: f64, how: impl Into<String>) -> Self {
        Self {
            value: round(millis, 4),
            unit: "ms",
            how: how.into(),
        }
    }

    /// Any other unit (counts, rates, CPU cores), rounded to `digits` decimals.
    pub fn of(value: f64, unit: &'static str, digits: i32, how: impl Into<String>) -> Self {
        Self {
            value: round(value, digits),
            unit,
            how: how.into(),
        }
    }

    pub fn ratio(numerator: f64, denominator: f64, how: impl Into<String>) -> Self {
        Self {
            value: round(numerator / denominator.max(f64::EPSILON), 4),
            unit: "ratio",
            how: how.into(),
        }
    }
}

fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

/// The median and the 99th percentile of a set of samples.
#[derive(Debug, Serialize)]
pub struct Spread {
    pub p50: Figure,
    pub p99: Figure,
}

impl Spread {
    /// `how` says what one sample is; the percentile is named in front of it.
    pub fn of_millis(samples: &[f64], how: &str) -> Self {
        Self {
            p50: Figure::millis(percentile(samples, 0.5), format!("p50 of {how}")),
            p99: Figure::millis(percentile(samples, 0.99), format!("p99 of {how}")),
        }
    }
}

/// The nearest-rank percentile (`0.5`, `0.99`) of `samples`; 0 when there are none.
pub fn percentile(samples: &[f64], share: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = (share * sorted.len() as f64).ceil() as usize;
    sorted
        .get(rank.clamp(1, sorted.len().max(1)) - 1)
        .copied()
        .unwrap_or(0.0)
}

/// Runs `work` and returns its result with the wall-clock seconds it took.
pub async fn timed<T, F: Future<Output = T>>(work: F) -> (T, f64) {
    let started = Instant::now();
    let result = work.await;
    (result, started.elapsed().as_secs_f64())
}

/// Prints progress on stderr, so stdout stays pure JSON.
pub fn note(message: &str) {
    eprintln!("[bench] {message}");
}
