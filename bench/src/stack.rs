//! What the deployment configures, read from the CDK stack's source (infra/lib), so the
//! benchmarks use the memory sizes and architecture that would really be deployed.

use anyhow::{Context, ensure};
use std::path::{Path, PathBuf};

/// The Lambda functions of the stack, as their crates name their binaries (functions/*).
pub const FUNCTIONS: [&str; 4] = ["webhook", "api", "scheduler", "sync"];

/// The repository this bench was built from (infra/ is read from here by default).
pub fn default_repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

#[derive(Debug, Clone)]
pub struct Deployment {
    /// (function, memory size in MB) for every function of [`FUNCTIONS`].
    pub memory_mb: Vec<(&'static str, u32)>,
    /// The default `arch` context of infra/lib/config.ts.
    pub architecture: String,
    /// Where these were read, for the report's "how".
    pub source: String,
}

impl Deployment {
    pub fn read(repo: &Path) -> anyhow::Result<Self> {
        let stack_path = repo.join("infra/lib/calsync-stack.ts");
        let stack = std::fs::read_to_string(&stack_path)
            .with_context(|| format!("reading {}", stack_path.display()))?;
        // `fn('sync', Duration.seconds(90), 512, { ... })`: name, timeout, memory size.
        let call = regex::Regex::new(r"fn\('([a-z]+)',\s*Duration\.\w+\(\d+\),\s*(\d+)\s*,")?;
        let mut memory_mb = Vec::new();
        for function in FUNCTIONS {
            let size = call
                .captures_iter(&stack)
                .find(|c| &c[1] == function)
                .with_context(|| format!("no fn('{function}', ...) in {}", stack_path.display()))?;
            memory_mb.push((function, size[2].parse()?));
        }
        let config_path = repo.join("infra/lib/config.ts");
        let config = std::fs::read_to_string(&config_path)
            .with_context(|| format!("reading {}", config_path.display()))?;
        let arch = regex::Regex::new(r"text\('arch'\)\s*\?\?\s*'([a-z0-9_-]+)'")?;
        let architecture = arch
            .captures(&config)
            .map(|c| c[1].to_string())
            .context("no default arch in infra/lib/config.ts")?;
        ensure!(
            memory_mb.iter().all(|(_, mb)| *mb >= 128),
            "implausible memory size"
        );
        Ok(Self {
            memory_mb,
            architecture,
            source: "infra/lib/calsync-stack.ts (memorySize per function) and infra/lib/config.ts (arch)"
                .into(),
        })
    }

    pub fn memory_of(&self, function: &str) -> u32 {
        self.memory_mb
            .iter()
            .find(|(name, _)| *name == function)
            .map_or(128, |(_, mb)| *mb)
    }
}
