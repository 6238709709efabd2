//! calsync on AWS, run here: the real handlers of the four Lambda functions, called
//! in-process, over DynamoDB, SQS and KMS on moto_server (the real AWS SDK and wire
//! protocols), with the Google emulator and Radicale as the calendars. Nothing here runs
//! SQS → Lambda or EventBridge → Lambda, so `driver` plays the SQS event source mapping and
//! `gateway` plays API Gateway in front of the webhook function.

mod accounts;
pub(crate) mod driver;
mod events;
mod gateway;
pub(crate) mod pipeline;
mod quiet_checks;
pub(crate) mod world;
