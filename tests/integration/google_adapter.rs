//! The Google Calendar adapter against the Google Calendar emulator: each test starts its own
//! emulator and acts, through the emulator's handle, as the user editing in Google's own UI.

mod change_feed;
mod directory;
mod errors;
mod oauth;
mod push;
mod series;
pub(crate) mod support;
mod writes;
