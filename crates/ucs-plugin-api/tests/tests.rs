//! The host side against real plugin libraries built by the workspace (`target/<profile>/*.so`),
//! loaded with libloading exactly as the proxy loads them.

use std::path::PathBuf;
use std::time::Duration;
use ucs_model::chrono::{TimeZone, Utc};
use ucs_model::{parse_request, MediaType, ParseContext, Route, Tz};
use ucs_plugin_api::{BackendRequest, PluginBackend, PluginErrorKind, PluginLibrary};

mod faults;
mod loading;

/// A library of the workspace, next to this test binary's `deps/` folder.
fn library(crate_name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps/<test>");
    let path = profile_dir.join(format!(
        "{}{}{}",
        std::env::consts::DLL_PREFIX,
        crate_name.replace('-', "_"),
        std::env::consts::DLL_SUFFIX
    ));
    assert!(
        path.exists(),
        "{} is missing: build the workspace first (cargo test --workspace builds it)",
        path.display()
    );
    path
}

fn fault_plugin(mode: &str, timeout: Duration) -> PluginBackend {
    PluginLibrary::load(&library("ucs-plugin-fault-test"))
        .expect("the fault plugin loads")
        .create(&serde_json::json!({ "mode": mode }), timeout)
        .unwrap_or_else(|e| panic!("mode {mode}: {e}"))
}

fn request(body: &str, media_type: MediaType) -> BackendRequest {
    let ctx = ParseContext::new(
        Utc.with_ymd_and_hms(2015, 10, 20, 8, 0, 0).unwrap(),
        Tz::UTC,
    );
    let query = parse_request(&Route::Interactions, body.as_bytes(), &ctx)
        .expect("a valid request")
        .query
        .with_media_type(media_type);
    BackendRequest {
        tenant: "cc1".into(),
        media_type,
        query,
    }
}

fn chat_request() -> BackendRequest {
    request(
        r#"{"operationName":"RetrieveInteractionHistory","fromDate":"2015-10-01","toDate":"2015-10-02","sort":"asc"}"#,
        MediaType::Chat,
    )
}

#[allow(dead_code)]
fn kind_of(
    result: Result<Vec<ucs_model::Interaction>, ucs_plugin_api::PluginError>,
) -> PluginErrorKind {
    result.expect_err("an error").kind().clone()
}
