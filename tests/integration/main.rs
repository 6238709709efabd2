//! Integration tests against the real servers started by scripts/test.sh.

mod caldav_adapter;
