//! Runs many checks at once for a while and measures what they cost: how many completed per
//! second of wall time and per second of this process's CPU time.

use super::cpu::cpu_seconds;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What one timed phase measured (warm-up excluded).
#[derive(Debug)]
pub struct Phase {
    pub checks: u64,
    pub failures: u64,
    pub first_failure: Option<String>,
    pub seconds: f64,
    pub cpu_seconds: f64,
    pub server_cpu_seconds: f64,
}

#[derive(Default)]
struct Counters {
    checks: AtomicU64,
    failures: AtomicU64,
    stop: AtomicBool,
    first_failure: Mutex<Option<String>>,
}

pub struct Load {
    pub concurrency: usize,
    pub calendars: usize,
    pub warm_up: Duration,
    pub duration: Duration,
    pub server_pid: String,
}

/// `concurrency` tasks check calendars round robin (`check(n)` checks calendar `n`) until
/// the warm-up and the timed phase are over. Each task checks one calendar at a time, as a
/// poller with that many checks in flight does.
pub async fn drive<C, F>(load: &Load, check: C) -> anyhow::Result<Phase>
where
    C: Fn(usize) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Result<(), String>> + Send + 'static,
{
    let counters = Arc::new(Counters::default());
    let mut tasks = Vec::with_capacity(load.concurrency);
    for worker in 0..load.concurrency {
        let counters = Arc::clone(&counters);
        let check = check.clone();
        let (stride, calendars) = (load.concurrency, load.calendars.max(1));
        tasks.push(tokio::spawn(async move {
            let mut next = worker % calendars;
            while !counters.stop.load(Ordering::Relaxed) {
                match check(next).await {
                    Ok(()) => counters.checks.fetch_add(1, Ordering::Relaxed),
                    Err(reason) => {
                        if let Ok(mut first) = counters.first_failure.lock() {
                            first.get_or_insert(reason);
                        }
                        counters.failures.fetch_add(1, Ordering::Relaxed)
                    }
                };
                next = (next + stride) % calendars;
            }
        }));
    }
    tokio::time::sleep(load.warm_up).await;
    let start = Snapshot::take(&counters, &load.server_pid)?;
    tokio::time::sleep(load.duration).await;
    let end = Snapshot::take(&counters, &load.server_pid)?;
    counters.stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await?;
    }
    let first_failure = counters
        .first_failure
        .lock()
        .ok()
        .and_then(|mut first| first.take());
    Ok(Phase {
        checks: end.checks - start.checks,
        failures: end.failures - start.failures,
        first_failure,
        seconds: (end.at - start.at).as_secs_f64(),
        cpu_seconds: end.cpu - start.cpu,
        server_cpu_seconds: end.server_cpu - start.server_cpu,
    })
}

struct Snapshot {
    checks: u64,
    failures: u64,
    at: Instant,
    cpu: f64,
    server_cpu: f64,
}

impl Snapshot {
    fn take(counters: &Counters, server_pid: &str) -> anyhow::Result<Self> {
        Ok(Self {
            checks: counters.checks.load(Ordering::Relaxed),
            failures: counters.failures.load(Ordering::Relaxed),
            at: Instant::now(),
            cpu: cpu_seconds("self")?,
            server_cpu: cpu_seconds(server_pid)?,
        })
    }
}
