//! Microsoft Graph change and lifecycle notifications (fuzzed query, headers and JSON body)
//! against the real receiver, store and queue. Work is queued only for items carrying a live
//! subscription's clientState, a replayed batch queues nothing, and no request may alter the
//! stored channels.

#![no_main]

use calsync_core::usecases::Outcome;
use calsync_fuzz::{assert_channels_intact, drain, framed_request, runtime, world};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (path, request) = framed_request(data);
    let lifecycle = path.ends_with("/lifecycle");
    runtime().block_on(async {
        let mut world = world().await;
        let receive = |request| {
            let receiver = world.receiver.clone();
            async move {
                if lifecycle {
                    receiver.graph_lifecycle(&request).await
                } else {
                    receiver.graph(&request).await
                }
            }
        };
        let response = receive(request.clone()).await;
        let queued = drain(&mut world.jobs);
        match response.outcome {
            Outcome::Accepted => {
                assert_eq!(response.status, 202);
                assert!(!queued.is_empty());
                let body = String::from_utf8_lossy(&request.body);
                assert!(body.contains("mstate"), "queued without a clientState");
                let replay = receive(request.clone()).await;
                assert_eq!(
                    replay.outcome,
                    Outcome::Acknowledged,
                    "a replay is a duplicate"
                );
                assert!(drain(&mut world.jobs).is_empty(), "a replay queues nothing");
            }
            Outcome::Acknowledged => {
                assert_eq!(response.status, 202);
                assert!(queued.is_empty());
            }
            Outcome::Validated => {
                assert_eq!(response.status, 200);
                assert!(queued.is_empty());
                assert!(response.body.len() <= 1024);
                assert!(!response.body.chars().any(char::is_control));
            }
            Outcome::Rejected => {
                assert!(
                    matches!(response.status, 400 | 403 | 404 | 410 | 413),
                    "{}",
                    response.status
                );
                assert!(queued.is_empty());
            }
            Outcome::Failed => panic!("unexpected outcome {:?}", response.outcome),
        }
        assert_channels_intact(&world.store).await;
    });
});
