//! The sync Lambda (in progress).

fn main() {}
