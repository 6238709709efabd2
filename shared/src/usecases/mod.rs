//! Application services shared by the embedded runtime and the AWS functions: they wire the
//! engine to the ports and hold no backend-specific code.

mod accounts;
pub mod cadence;
mod check;
mod connector;
mod error;
mod job_merge;
mod jobs;
mod links;
mod observe;
mod push;
mod quiet_check;
pub mod request_parts;
mod retry;
mod status;
mod sync;
mod webhooks;

pub use accounts::{AccountService, AddedAccount};
pub use connector::{Connector, Credentials};
pub use error::UseCaseError;
pub use job_merge::merge_jobs;
pub use jobs::{JobDone, JobError, JobRunner, LinkLeases};
pub use links::{LinkChanges, LinkService, NewLink};
pub use push::{PushReport, PushService};
pub use quiet_check::WarmTenants;
pub use retry::RetryPolicy;
pub use status::{CalendarStatus, LinkStatusView, PollingView, StatusService, StatusView};
pub use sync::{CalendarOps, LinkReport, NoProgress, PassOptions, Progress, SyncService};
pub use webhooks::{MAX_BODY_BYTES, Outcome, WebhookReceiver, WebhookRequest, WebhookResponse};
