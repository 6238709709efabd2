//! The serverless backends (cargo feature `aws`): the store on DynamoDB, the job queue on
//! SQS and the secret sealer on KMS. Each passes the same contract suite as its embedded
//! counterpart, run against moto_server by `scripts/test.sh`.

pub mod config;
pub mod dynamo;
pub mod kms;
pub mod sqs;

#[cfg(test)]
mod claim_tests;
#[cfg(test)]
mod tests;
