//! Propagation latency through `calsync serve`: a change made on one emulator until it is
//! visible on the other, push in both directions. The figures are printed (run with
//! `--nocapture`); what is asserted is that every change arrives, once. Targets live in the
//! benchmarks, not here.

use super::rig::{Rig, ServeTuning};
use super::sides::Side;
use super::two_way::{google_graph, settled};
use std::time::{Duration, Instant};

const CHANGES_PER_DIRECTION: usize = 20;

/// Creates `title` on `from` and polls `to` every 5 ms until it shows; the elapsed time.
async fn crossing(rig: &Rig, from: &Side, to: &Side, title: &str, offset: u64) -> Duration {
    let started = Instant::now();
    from.create(rig, title, offset, 9).await;
    loop {
        if to.titles(rig).await.iter().any(|t| t == title) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < super::rig::CONVERGENCE_DEADLINE,
            "{title} never reached {}",
            to.name()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1000.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn propagation_latency_between_google_and_graph() {
    let (mut rig, google, graph) = google_graph("latency", 41, &[], ServeTuning::default()).await;
    let mut report = Vec::new();
    for (name, from, to) in [
        ("google_to_graph", &google, &graph),
        ("graph_to_google", &graph, &google),
    ] {
        let mut times = Vec::new();
        for i in 0..CHANGES_PER_DIRECTION {
            let title = format!("{name} {i}");
            times.push(crossing(&rig, from, to, &title, 1 + (i as u64 % 150)).await);
        }
        times.sort();
        report.push(format!(
            "\"{name}\": {{\"n\": {}, \"p50_ms\": {:.0}, \"p99_ms\": {:.0}}}",
            times.len(),
            percentile(&times, 50.0),
            percentile(&times, 99.0)
        ));
    }
    eprintln!(
        "propagation latency (calsync serve, push): {{{}}}",
        report.join(", ")
    );
    assert_eq!(google.titles(&rig).await.len(), 2 * CHANGES_PER_DIRECTION);
    assert_eq!(graph.titles(&rig).await.len(), 2 * CHANGES_PER_DIRECTION);
    settled(&mut rig).await;
}
