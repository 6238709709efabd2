//! The deployment package of a function: a zip holding the binary as `bootstrap` (what the
//! `provided.al2023` runtime runs), deflated as `cargo lambda build` packs it. Made with the
//! `zip` command (Info-ZIP, default level 6) rather than a zip crate: one dependency fewer.

use anyhow::{Context, ensure};
use std::path::Path;

/// Bytes of the zip holding `binary` as `bootstrap`.
pub fn zipped_size(binary: &Path, scratch: &Path) -> anyhow::Result<u64> {
    let bootstrap = scratch.join("bootstrap");
    let archive = scratch.join("bootstrap.zip");
    std::fs::copy(binary, &bootstrap).with_context(|| format!("copying {}", binary.display()))?;
    let _ = std::fs::remove_file(&archive);
    let status = std::process::Command::new("zip")
        .args(["-q", "-X", "bootstrap.zip", "bootstrap"])
        .current_dir(scratch)
        .status()
        .context("running `zip` (apt-get install zip)")?;
    ensure!(status.success(), "zip failed: {status}");
    let size = std::fs::metadata(&archive)?.len();
    std::fs::remove_file(&bootstrap)?;
    std::fs::remove_file(&archive)?;
    Ok(size)
}
