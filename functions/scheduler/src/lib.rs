//! The scheduler function (in progress).
