//! The sync function (in progress).
