//! A test-only plugin whose table starts with the wrong magic number.

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
            name: "bad-magic".into(),
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
    magic = 0x0bad_0bad_0bad_0bad,
    abi_major = ucs_plugin_api::abi::ABI_MAJOR
);
