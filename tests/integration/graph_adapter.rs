//! The Microsoft Graph adapter against the Graph emulator (in-process, no external server):
//! the emulator's handle acts as the user in Outlook and shows what the adapter sent.

mod change_feed;
mod errors;
mod push;
mod recurrence;
pub(crate) mod support;
mod writes;
