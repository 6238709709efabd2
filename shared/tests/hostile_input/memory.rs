//! The process's peak resident memory (Linux VmHWM). Writing 5 to /proc/self/clear_refs
//! resets the peak to the current size, so each case's peak is read on its own.

/// Resets the peak; returns the resident size now, in KiB (`None` off Linux).
pub fn reset_peak() -> Option<u64> {
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    status_kib("VmRSS:")
}

/// How far the peak rose above `baseline` since [`reset_peak`], in MiB.
pub fn peak_since(baseline: Option<u64>) -> Option<u64> {
    let peak = status_kib("VmHWM:")?;
    Some(peak.saturating_sub(baseline?) / 1024)
}

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}
