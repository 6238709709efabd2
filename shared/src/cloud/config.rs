//! What a function learns from its environment (set by the CDK stack, see infra/lib).

/// A variable the deployment must set is missing or empty.
#[derive(Debug, thiserror::Error)]
#[error("{0} is not set (the CDK stack sets it; see docs/AWS.md)")]
pub struct MissingSetting(pub &'static str);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudConfig {
    /// `CALSYNC_TABLE_NAME`: the DynamoDB table of every tenant's data.
    pub table: String,
    /// `CALSYNC_QUEUE_URL`: the SQS job queue (absent for functions that send no jobs).
    pub queue_url: Option<String>,
    /// `CALSYNC_KMS_KEY_ID`: the envelope key of stored secrets (absent where none are read).
    pub kms_key_id: Option<String>,
    /// `CALSYNC_PUBLIC_URL`: the HTTP API's base URL, for webhook and OAuth callback URLs.
    pub public_url: Option<String>,
    /// `CALSYNC_STAGE`: the metric dimension that keeps stages in one account apart.
    pub stage: String,
    /// `CALSYNC_METRICS_NAMESPACE`.
    pub metrics_namespace: String,
}

impl CloudConfig {
    pub fn from_env() -> Result<Self, MissingSetting> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, MissingSetting> {
        let optional = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        Ok(Self {
            table: optional("CALSYNC_TABLE_NAME").ok_or(MissingSetting("CALSYNC_TABLE_NAME"))?,
            queue_url: optional("CALSYNC_QUEUE_URL"),
            kms_key_id: optional("CALSYNC_KMS_KEY_ID"),
            public_url: optional("CALSYNC_PUBLIC_URL"),
            stage: optional("CALSYNC_STAGE").unwrap_or_else(|| "dev".into()),
            metrics_namespace: optional("CALSYNC_METRICS_NAMESPACE")
                .unwrap_or_else(|| "Calsync".into()),
        })
    }

    pub fn require_queue(&self) -> Result<&str, MissingSetting> {
        self.queue_url
            .as_deref()
            .ok_or(MissingSetting("CALSYNC_QUEUE_URL"))
    }

    pub fn require_kms_key(&self) -> Result<&str, MissingSetting> {
        self.kms_key_id
            .as_deref()
            .ok_or(MissingSetting("CALSYNC_KMS_KEY_ID"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_required_and_the_rest_has_defaults() {
        assert!(CloudConfig::from_lookup(|_| None).is_err());
        let config = CloudConfig::from_lookup(|name| {
            (name == "CALSYNC_TABLE_NAME").then(|| "calsync-dev".to_string())
        })
        .unwrap();
        assert_eq!(config.table, "calsync-dev");
        assert_eq!(config.stage, "dev");
        assert_eq!(config.metrics_namespace, "Calsync");
        assert!(config.require_queue().is_err());
    }
}
