//! A test-only plugin whose table announces an ABI major version the host does not speak.

use ucs_plugin_api::ucs_model::Interaction;
use ucs_plugin_api::{export_plugin, Backend, BackendRequest, Description};

/// Serves nothing; only its header matters.
#[derive(Debug)]
pub struct Nothing;

impl Backend for Nothing {
    fn create(_: ucs_plugin_api::serde_json::Value) -> Result<Self, String> {
        Ok(Nothing)
    }
    fn describe(&self) -> Description {
        Description {
            name: "bad-major".into(),
            version: "0".into(),
            media_types: vec![],
            archive: false,
        }
    }
    async fn query(&self, _: BackendRequest) -> Result<Vec<Interaction>, String> {
        Ok(Vec::new())
    }
}

export_plugin!(
    Nothing,
    magic = ucs_plugin_api::abi::PLUGIN_MAGIC,
    abi_major = ucs_plugin_api::abi::ABI_MAJOR + 98
);
