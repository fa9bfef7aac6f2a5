//! The crate's error type.

use crate::backend_error::BackendErrorKind;
use std::fmt;
use std::path::PathBuf;

/// What went wrong with a plugin.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PluginErrorKind {
    /// The library could not be opened, or lacks the entry symbol.
    Load,
    /// The library is not a plugin of a compatible ABI (magic, major version, table size).
    Incompatible,
    /// `create` refused the configuration.
    Create,
    /// The plugin reports that its store or upstream cannot be reached (or its breaker is open).
    Unavailable,
    /// The plugin did not answer within the call timeout, or reports that its store or upstream
    /// did not.
    Timeout,
    /// The plugin reports it cannot serve the request as asked.
    InvalidRequest,
    /// The plugin reports another failure (every failure of an ABI 1.0 plugin), or dropped the
    /// query.
    Internal,
    /// The plugin panicked.
    Panic,
    /// The plugin answered something that is not a valid result for the query.
    InvalidOutput,
}

impl From<BackendErrorKind> for PluginErrorKind {
    fn from(kind: BackendErrorKind) -> Self {
        match kind {
            BackendErrorKind::Unavailable => PluginErrorKind::Unavailable,
            BackendErrorKind::Timeout => PluginErrorKind::Timeout,
            BackendErrorKind::InvalidRequest => PluginErrorKind::InvalidRequest,
            _ => PluginErrorKind::Internal,
        }
    }
}

/// A plugin error: a kind, the plugin it concerns, and a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginError {
    kind: PluginErrorKind,
    plugin: String,
    message: String,
}

impl PluginError {
    pub(crate) fn new(
        kind: PluginErrorKind,
        plugin: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            plugin: plugin.into(),
            message: message.into(),
        }
    }

    pub(crate) fn at(
        kind: PluginErrorKind,
        path: &std::path::Path,
        message: impl Into<String>,
    ) -> Self {
        Self::new(kind, PathBuf::from(path).display().to_string(), message)
    }

    /// The kind.
    pub fn kind(&self) -> &PluginErrorKind {
        &self.kind
    }

    /// The plugin: its library path while loading, its name afterwards.
    pub fn plugin(&self) -> &str {
        &self.plugin
    }

    /// What happened.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "plugin {}: {}", self.plugin, self.message)
    }
}

impl std::error::Error for PluginError {}
