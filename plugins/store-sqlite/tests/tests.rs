//! The store loaded as the real plugin library, against the reference semantics.

#[path = "../../../tests/support/history_fixture.rs"]
mod history_fixture;
#[path = "../../../tests/support/plugin_requests.rs"]
mod plugin_requests;

mod equivalence;
mod feed;
