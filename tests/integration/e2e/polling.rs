//! Adaptive polling as `status` shows it: a calendar that just changed is checked every few
//! seconds, one never seen changing waits for the idle pace, and the policy is the user's to
//! set (fixed polling, working hours).

use super::fixtures::{timed_event, uid};
use super::harness::Calsync;
use calsync_testkit::ServerKind;

/// Each polled calendar's (pace, wanted interval) from `calsync status --json <extra>`.
async fn paces(calsync: &Calsync, extra: &[&str]) -> Vec<(String, f64)> {
    let mut args = vec!["status", "--json"];
    args.extend_from_slice(extra);
    let status: serde_json::Value = serde_json::from_str(&calsync.ok(&args).await).unwrap();
    let polling = status["polling"].as_object().expect("status has `polling`");
    polling
        .values()
        .map(|view| {
            (
                view["pace"].as_str().unwrap().to_string(),
                view["wanted_every_s"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_shows_each_calendars_polling_pace() {
    let kinds = [ServerKind::Radicale, ServerKind::Radicale];
    let (calsync, cals) = Calsync::with_calendars("polling pace", &kinds).await;
    calsync.pair("paced", &cals[0], &cals[1]).await;
    let off = ["--working-hours", "off"];
    let idle = vec![("idle".to_string(), 60.0); 2];
    assert_eq!(paces(&calsync, &off).await, idle, "never checked: idle");

    let u = uid("paced");
    cals[0]
        .raw
        .put("paced.ics", &timed_event(&u, "Paced", 3, 9, &[]))
        .await;
    calsync.sync().await;
    let active = vec![("active".to_string(), 4.0); 2];
    assert_eq!(
        paces(&calsync, &off).await,
        active,
        "both calendars just changed (one by its owner, one by the copy's first sync)"
    );
    assert_eq!(
        paces(&calsync, &["--interval", "60", "--working-hours", "off"]).await,
        vec![("active".to_string(), 16.0); 2],
        "the paces scale with the average interval"
    );
    assert_eq!(
        paces(&calsync, &["--fixed-polling"]).await,
        vec![("fixed".to_string(), 15.0); 2]
    );

    let output = calsync
        .run(&["status", "--working-hours", "weekdays 9 to 5"], None)
        .await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("working hours") && stderr.contains("Mon-Fri 08:00-18:00"),
        "a malformed setting says what is expected: {stderr}"
    );
}
