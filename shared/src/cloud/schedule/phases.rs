//! Where in a tick a calendar's checks fall: a stable phase from a hash, on a step.

use sha2::{Digest, Sha256};
use std::time::Duration;

/// A stable pseudo-random number for `id`, the same in every process and release.
pub(super) fn phase(id: &str) -> u64 {
    let digest = Sha256::digest(id.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(bytes)
}

/// The offset within `span` seconds of a calendar with `phase`, on a multiple of `step`
/// seconds (`SchedulePolicy::phase_step`).
pub(super) fn offset(phase: u64, span: u64, step: u64) -> u64 {
    let offset = phase % span.max(1);
    offset - offset % step.max(1)
}

/// How many ticks `every` spans (at least one).
pub(super) fn ticks_in(every: Duration, tick: Duration) -> u64 {
    (every.as_secs() / tick.as_secs().max(1)).max(1)
}
