//! Creating the table, for tests and local emulators. In AWS the CDK app creates it with the
//! same schema (see the module documentation and `docs/AWS.md`).

use super::unavailable;
use crate::ports::StoreError;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TimeToLiveSpecification,
};

/// The attribute DynamoDB's time to live reads (epoch seconds).
pub const TTL_ATTRIBUTE: &str = "ttl";

/// Creates the table (`pk`/`sk` strings, on demand) and enables time to live on `ttl`.
pub async fn create_table(client: &Client, table: &str) -> Result<(), StoreError> {
    let build = |e: aws_sdk_dynamodb::error::BuildError| {
        StoreError::Unavailable(format!("building the table definition: {e}"))
    };
    let mut request = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest);
    for (name, key_type) in [("pk", KeyType::Hash), ("sk", KeyType::Range)] {
        request = request
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(name)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(build)?,
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(name)
                    .key_type(key_type)
                    .build()
                    .map_err(build)?,
            );
    }
    request
        .send()
        .await
        .map_err(|e| unavailable("creating the table", e))?;
    client
        .wait_until_table_exists()
        .table_name(table)
        .wait(std::time::Duration::from_secs(60))
        .await
        .map_err(|e| unavailable("waiting for the table", e))?;
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name(TTL_ATTRIBUTE)
                .build()
                .map_err(build)?,
        )
        .send()
        .await
        .map_err(|e| unavailable("enabling time to live", e))?;
    Ok(())
}
