//! The CalDAV adapter against Radicale, Xandikos, DAViCal and sabre/dav 1.8, each test on a
//! calendar of its own. The testkit's raw HTTP observer edits behind the adapter's back.

/// One test per server for a scenario `async fn scenario(kind: ServerKind)`.
macro_rules! on_every_server {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            use super::*;
            #[tokio::test]
            async fn radicale() {
                super::$scenario(ServerKind::Radicale).await
            }
            #[tokio::test]
            async fn xandikos() {
                super::$scenario(ServerKind::Xandikos).await
            }
            #[tokio::test]
            async fn davical() {
                super::$scenario(ServerKind::Davical).await
            }
            #[tokio::test]
            async fn sabre() {
                super::$scenario(ServerKind::Sabre).await
            }
        }
    )*};
}

mod change_feed;
mod directory;
mod modified_gate;
mod reads;
mod support;
mod writes;
