//! What both emulators share: serving on a free port, faults, the request log, notifications.

mod faults;
mod log;
mod notifier;
mod server;

pub use faults::{Fault, FaultRule, Faults};
pub use log::{LoggedRequest, RequestLog};
pub use notifier::{Delivery, NotificationFaults, Notifier, Outgoing};
pub use server::{Emulator, apply_faults_and_log};
