//! The `api` function in-process (`ApiFunction::handle` with the requests API Gateway's HTTP
//! API would send, payload 2.0) on DynamoDB, KMS and SQS (moto_server), with the Google and
//! Graph emulators and a real Radicale: accounts connected the ways a user connects them,
//! tenant isolation, authentication, the SSRF guard, and the sample event of events/.

mod accounts;
mod isolation;
mod rig;
mod samples;
mod ssrf;
