//! The API against the embedded adapters (SQLite in memory, a local key, a recording queue):
//! routing, authentication, tenant isolation and the OpenAPI document. The same API on
//! DynamoDB, KMS and SQS, with real providers, is tested in tests/integration/cloud_api.

mod auth;
mod isolation;
mod links;
mod oauth;
mod openapi;
mod world;
