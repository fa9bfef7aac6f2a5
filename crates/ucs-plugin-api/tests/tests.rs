//! The host side against real plugin libraries built by the workspace (`target/<profile>/*.so`),
//! loaded with libloading exactly as the proxy loads them.

use std::path::PathBuf;
use std::time::Duration;
use ucs_model::{MediaType, Route};
use ucs_plugin_api::{BackendRequest, PluginBackend, PluginErrorKind, PluginLibrary};

mod faults;
mod loading;
#[path = "../../../tests/support/plugin_requests.rs"]
mod plugin_requests;

/// A library of the workspace, next to this test binary's `deps/` folder.
fn library(crate_name: &str) -> PathBuf {
    plugin_requests::plugin_path(crate_name)
}

fn fault_plugin(mode: &str, timeout: Duration) -> PluginBackend {
    PluginLibrary::load(&library("ucs-plugin-fault-test"))
        .expect("the fault plugin loads")
        .create(&serde_json::json!({ "mode": mode }), timeout)
        .unwrap_or_else(|e| panic!("mode {mode}: {e}"))
}

fn chat_request() -> BackendRequest {
    plugin_requests::seed_day_request(
        &Route::Interactions,
        r#"{"operationName":"RetrieveInteractionHistory","fromDate":"2015-10-01","toDate":"2015-10-02","sort":"asc"}"#,
        MediaType::Chat,
        "cc1",
    )
}

#[allow(dead_code)]
fn kind_of(
    result: Result<Vec<ucs_model::Interaction>, ucs_plugin_api::PluginError>,
) -> PluginErrorKind {
    result.expect_err("an error").kind().clone()
}
