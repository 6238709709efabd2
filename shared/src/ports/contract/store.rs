//! The [`Store`] contract. Every check names its own fresh tenants, so the suite can run on
//! a shared, persistent backend (a DynamoDB table on moto_server) and be run again.

mod accounts;
mod calendars;
mod commits;
pub(crate) mod fixtures;
mod isolation;
mod links;
mod push;

use crate::ports::Store;

pub(crate) async fn run_all(store: &dyn Store) {
    accounts::run_all(store).await;
    calendars::run_all(store).await;
    links::run_all(store).await;
    commits::run_all(store).await;
    isolation::run_all(store).await;
    push::run_all(store).await;
}
