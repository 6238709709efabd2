//! CPU time of a process, user + system, from `/proc/<pid>/stat`: the same counters
//! `getrusage` sums over a process's threads, readable without `unsafe` (the workspace
//! forbids it) and for the server child as well as for this process.

use anyhow::Context;

/// Linux reports these fields in USER_HZ ticks, fixed at 100 per second by its ABI.
const TICKS_PER_SECOND: f64 = 100.0;

/// CPU seconds (user + system) used so far by `pid` (`"self"` for this process).
pub fn cpu_seconds(pid: &str) -> anyhow::Result<f64> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis,
    // where field 3 (state) comes first; utime and stime are fields 14 and 15.
    let after_name = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .context("no command name in /proc stat")?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |index: usize| -> anyhow::Result<f64> {
        let field = fields.get(index).context("short /proc stat")?;
        Ok(field.parse::<u64>()? as f64)
    };
    Ok((ticks(11)? + ticks(12)?) / TICKS_PER_SECOND)
}
