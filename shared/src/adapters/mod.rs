//! Adapters: one module per backend, each implementing ports from [`crate::ports`].

pub mod caldav;
