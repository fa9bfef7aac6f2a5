//! `[log]`: what is logged and how.

use super::defaults::DEFAULT_LOG_LEVEL;
use serde::{Deserialize, Serialize};

/// `[log]`: what is logged and how.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// A `tracing` filter, e.g. `info` or `ucs_proxy=debug,pingora=warn` (default `info`).
    pub level: String,
    /// `human` or `json` (default `human`).
    pub format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: DEFAULT_LOG_LEVEL.to_owned(),
            format: LogFormat::Human,
        }
    }
}

/// The shape of log lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One readable line per event.
    Human,
    /// One JSON object per event.
    Json,
}
