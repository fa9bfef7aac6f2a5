//! A test-only plugin whose table announces ABI 1.0, the version before error kinds: a host must
//! still load it, and read every failure it reports as internal (a 1.0 plugin had only one error
//! status), whatever this newer SDK would have sent.

use ucs_plugin_api::ucs_model::{Interaction, MediaType};
use ucs_plugin_api::{export_plugin, Backend, BackendError, BackendRequest, Description};

/// A backend that serves chat and always reports its store unavailable.
#[derive(Debug)]
pub struct OldBackend;

impl Backend for OldBackend {
    fn create(_config: ucs_plugin_api::serde_json::Value) -> Result<Self, String> {
        Ok(OldBackend)
    }

    fn describe(&self) -> Description {
        Description {
            name: "fault-abi-1-0".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            media_types: vec![MediaType::Chat],
            archive: false,
            batch: false,
            content: false,
        }
    }

    async fn query(&self, _request: BackendRequest) -> Result<Vec<Interaction>, BackendError> {
        Err(BackendError::unavailable("the 1.0 store is down"))
    }
}

export_plugin!(OldBackend, abi_minor = 0);
