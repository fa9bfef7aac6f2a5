//! A test-only plugin whose table starts with the wrong magic number.

ucs_plugin_api::export_plugin!(
    ucs_plugin_api::sdk::NullBackend,
    magic = 0x0bad_0bad_0bad_0bad,
    abi_major = ucs_plugin_api::abi::ABI_MAJOR
);
