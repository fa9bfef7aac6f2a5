//! `[upstream]` and `[[backends]]`: the existing GWS nodes and the backend plugins.

use super::defaults::*;
use super::units;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;
use ucs_model::MediaType;

/// `[upstream]`: the existing GWS nodes behind the proxy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpstreamConfig {
    /// `host:port` of each GWS node; none by default (routes that are not ours get the GWS
    /// `Invalid operation` answer).
    pub servers: Vec<String>,
    /// `session_hash` (default: consistent hashing on `JSESSIONID`, so a GWS session and its CSRF
    /// token stay on one node) or `round_robin`.
    pub selection: UpstreamSelection,
    /// Time between active TCP health checks of every node (default 5 s).
    #[serde(rename = "health_check_interval_ms", with = "units::millis")]
    pub health_check_interval: Duration,
}

impl Default for UpstreamConfig {
    fn default() -> Self {
        Self {
            servers: Vec::new(),
            selection: UpstreamSelection::SessionHash,
            health_check_interval: DEFAULT_HEALTH_CHECK_INTERVAL,
        }
    }
}

/// How an upstream node is chosen for a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpstreamSelection {
    /// Consistent hashing on the `JSESSIONID` cookie (the client address without one).
    SessionHash,
    /// The next healthy node.
    RoundRobin,
}

/// One `[[backends]]` entry: a plugin library and what it serves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendConfig {
    /// The plugin library; a relative path is resolved next to the proxy binary.
    pub library: PathBuf,
    /// The media types it serves here; empty (default) means all that the plugin declares.
    #[serde(default)]
    pub media_types: Vec<MediaType>,
    /// How long a query may take before it fails (default 5 s).
    #[serde(
        rename = "timeout_ms",
        with = "units::millis",
        default = "default_backend_timeout"
    )]
    pub timeout: Duration,
    /// The plugin's own configuration, handed to it as JSON.
    #[serde(default = "empty_object")]
    pub config: serde_json::Value,
}

fn default_backend_timeout() -> Duration {
    DEFAULT_BACKEND_TIMEOUT
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(Default::default())
}
