//! The SDK configuration shared by the AWS adapters, built once per process (a Lambda builds
//! it in `main`, outside the handler, so warm invocations reuse its connection pool).

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;

/// Region, credentials and endpoint from the environment (`AWS_REGION`, the Lambda role's
/// credentials, and `AWS_ENDPOINT_URL` when pointed at an emulator).
pub async fn from_env() -> SdkConfig {
    aws_config::load_defaults(BehaviorVersion::latest()).await
}

/// An emulator such as moto_server at `endpoint`: region us-east-1 and the dummy credentials
/// `testing`/`testing` it accepts. Never use against real AWS.
pub async fn for_emulator(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(
            "testing", "testing", None, None, "emulator",
        ))
        .load()
        .await
}
