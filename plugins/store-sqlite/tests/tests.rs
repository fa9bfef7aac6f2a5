//! The store loaded as the real plugin library, against the reference semantics.

#[path = "../../../tests/support/history_fixture.rs"]
mod history_fixture;

mod equivalence;
