//! Google push notifications (fuzzed headers and body) against the real receiver, store and
//! queue. Only a notification carrying a live Google channel's token may queue work, a replay
//! of it may not queue again, and no request may alter the stored channels.

#![no_main]

use calsync_core::usecases::Outcome;
use calsync_fuzz::{assert_channels_intact, drain, framed_request, runtime, world};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (_path, request) = framed_request(data);
    runtime().block_on(async {
        let mut world = world().await;
        let response = world.receiver.google(&request).await;
        let queued = drain(&mut world.jobs);
        match response.outcome {
            Outcome::Accepted => {
                assert_eq!(response.status, 200);
                assert_eq!(queued.len(), 1, "one sync job per notification");
                assert_eq!(request.header("x-goog-channel-id"), Some("g1"));
                assert_eq!(request.header("x-goog-channel-token"), Some("gsecret"));
                let replay = world.receiver.google(&request).await;
                assert_eq!(
                    replay.outcome,
                    Outcome::Acknowledged,
                    "a replay is a duplicate"
                );
                assert!(drain(&mut world.jobs).is_empty(), "a replay queues nothing");
            }
            Outcome::Acknowledged => {
                assert_eq!(response.status, 200);
                assert!(queued.is_empty());
            }
            Outcome::Rejected => {
                assert!(
                    matches!(response.status, 400 | 403 | 404 | 410 | 413),
                    "{}",
                    response.status
                );
                assert!(queued.is_empty());
            }
            Outcome::Validated | Outcome::Failed => {
                panic!("unexpected outcome {:?}", response.outcome)
            }
        }
        assert_channels_intact(&world.store).await;
    });
});
