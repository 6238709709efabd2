//! Application services shared by the embedded runtime and the AWS functions.
