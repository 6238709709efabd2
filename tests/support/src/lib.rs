//! Test support: access to the real CalDAV servers started by scripts/test.sh.
