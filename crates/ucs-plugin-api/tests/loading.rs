//! Loading and the ABI checks.

use crate::{chat_request, fault_plugin, library};
use std::path::Path;
use std::time::Duration;
use ucs_plugin_api::{PluginErrorKind, PluginLibrary};

#[tokio::test]
async fn a_real_plugin_loads_describes_itself_and_answers() {
    let backend = fault_plugin("ok", Duration::from_secs(5));
    let description = backend.description();
    assert_eq!(description.name, "fault-test");
    assert_eq!(description.media_types.len(), 8);
    assert_eq!(backend.name(), "fault-test");
    let result = backend.query(&chat_request()).await.expect("an answer");
    let ids: Vec<&str> = result.iter().map(|i| i.id.as_str()).collect();
    // The reference selection of the plugin's fixtures: two inside the range, oldest first.
    assert_eq!(ids, ["fixture-1", "fixture-2"]);
    assert!(result.iter().all(|i| i.media_type == "chat"));
}

#[test]
fn a_wrong_magic_number_is_refused_naming_the_file() {
    let path = library("ucs-plugin-fault-bad-magic");
    let error = PluginLibrary::load(&path).unwrap_err();
    assert_eq!(error.kind(), &PluginErrorKind::Incompatible);
    assert_eq!(error.plugin(), path.display().to_string());
    assert!(
        error.message().contains("bad magic 0x0bad0bad0bad0bad"),
        "{error}"
    );
}

#[test]
fn another_major_version_is_refused_naming_both_versions() {
    let path = library("ucs-plugin-fault-bad-major");
    let error = PluginLibrary::load(&path).unwrap_err();
    assert_eq!(error.kind(), &PluginErrorKind::Incompatible);
    assert!(
        error.to_string().contains(&path.display().to_string()),
        "{error}"
    );
    assert!(
        error
            .message()
            .contains("plugin ABI 99.0, this host speaks ABI 1.x"),
        "{error}"
    );
}

#[test]
fn a_library_without_the_entry_symbol_is_refused() {
    // Any shared library that is not a plugin: the C library is on every Linux host.
    let error = PluginLibrary::load(Path::new("libc.so.6")).unwrap_err();
    assert_eq!(error.kind(), &PluginErrorKind::Load);
    assert!(
        error
            .message()
            .contains("no ucs_history_plugin_entry symbol"),
        "{error}"
    );
}

#[test]
fn a_missing_file_is_refused() {
    let error = PluginLibrary::load(Path::new("/nonexistent/libplugin.so")).unwrap_err();
    assert_eq!(error.kind(), &PluginErrorKind::Load);
    assert!(error.to_string().contains("/nonexistent/libplugin.so"));
}

#[test]
fn a_configuration_the_plugin_refuses_or_a_panic_in_create_is_a_create_error() {
    let library = PluginLibrary::load(&library("ucs-plugin-fault-test")).unwrap();
    let refused = library
        .create(
            &serde_json::json!({"mode": "no-such-mode"}),
            Duration::from_secs(1),
        )
        .unwrap_err();
    assert_eq!(refused.kind(), &PluginErrorKind::Create);
    assert!(refused.message().contains("bad config"), "{refused}");
    let panicked = library
        .create(
            &serde_json::json!({"mode": "panic-create"}),
            Duration::from_secs(1),
        )
        .unwrap_err();
    assert_eq!(panicked.kind(), &PluginErrorKind::Create);
    assert!(panicked.message().contains("panic in create"), "{panicked}");
}

#[test]
fn an_abi_1_0_plugin_still_loads_and_answers() {
    let library = PluginLibrary::load(&library("ucs-plugin-fault-abi-1-0")).unwrap();
    assert_eq!(library.abi_version(), (1, 0));
    let backend = library
        .create(&serde_json::json!({}), Duration::from_secs(1))
        .unwrap();
    assert_eq!(backend.name(), "fault-abi-1-0");
}

#[tokio::test]
async fn an_abi_1_0_plugin_s_errors_read_as_internal() {
    let backend = abi_1_0_plugin();
    let error = backend.query(&chat_request()).await.unwrap_err();
    // It says "unavailable" with the status of a newer SDK, but a 1.0 table cannot mean it.
    assert_eq!(error.kind(), &PluginErrorKind::Internal);
    assert_eq!(error.message(), "the 1.0 store is down");
}

#[tokio::test]
async fn an_older_plugin_serves_no_content_and_says_so() {
    let backend = abi_1_0_plugin();
    assert!(!backend.serves_content());
    let request = ucs_plugin_api::ContentBackendRequest {
        tenant: "cc1".to_owned(),
        id: "x".to_owned(),
        source: ucs_model::Source::Main,
        media_types: vec![ucs_model::MediaType::Chat],
    };
    let error = backend.content(&request).await.unwrap_err();
    assert_eq!(error.kind(), &PluginErrorKind::InvalidRequest);
    assert!(error.message().contains("1.0"), "{error}");
}

/// An instance of the ABI 1.0 test plugin.
fn abi_1_0_plugin() -> ucs_plugin_api::PluginBackend {
    PluginLibrary::load(&library("ucs-plugin-fault-abi-1-0"))
        .unwrap()
        .create(&serde_json::json!({}), Duration::from_secs(1))
        .unwrap()
}
