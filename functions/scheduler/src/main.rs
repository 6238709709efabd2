//! The scheduler Lambda (in progress).

fn main() {}
