//! The store loaded as the real plugin library against the real PostgreSQL (127.0.0.1:5432,
//! database `test`, or `UCS_TEST_POSTGRES_URL`): the reference semantics on generated data, the
//! archive, SQL metacharacters in every string parameter, the schema check at start.

#[path = "../../../tests/support/history_fixture.rs"]
mod history_fixture;
#[path = "../../../tests/support/plugin_requests.rs"]
mod plugin_requests;

mod database;
mod equivalence;
mod injection;
mod tool;
