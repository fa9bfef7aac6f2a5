//! A test-only plugin that announces an ABI major version the host does not speak (99.0).

ucs_plugin_api::export_plugin!(
    ucs_plugin_api::sdk::NullBackend,
    header = (
        ucs_plugin_api::abi::PLUGIN_MAGIC,
        ucs_plugin_api::abi::ABI_MAJOR + 98,
        0
    )
);
