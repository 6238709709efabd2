//! Unit tests of the mapping: pure functions over Graph JSON fixtures.

mod mapping;
mod recurrence;
