//! A test-only plugin that announces an ABI major version the host does not speak.

ucs_plugin_api::export_plugin!(
    ucs_plugin_api::sdk::NullBackend,
    magic = ucs_plugin_api::abi::PLUGIN_MAGIC,
    abi_major = ucs_plugin_api::abi::ABI_MAJOR + 98
);
