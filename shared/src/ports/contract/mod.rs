//! Contract suites: the behaviour every adapter of a port must show, written once against
//! the trait. An adapter's tests run the suite on a real instance (SQLite file, DynamoDB on
//! moto_server, a local key, KMS); passing it is what makes adapters interchangeable.

pub(crate) mod api_keys;
pub(crate) mod pending_authorizations;
pub(crate) mod queue;
pub(crate) mod sealer;
pub(crate) mod store;
