//! Logging setup: `tracing` with the level and format from `[log]`. pingora logs through the
//! `log` crate; `tracing-subscriber` bridges it, so both land in one stream. The level (filter)
//! can be changed at run time through [`LogHandle`] (reload); the format needs a restart.

use crate::client_drops::ClientDrops;
use crate::config::{LogConfig, LogFormat};
use std::io::IsTerminal;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, EnvFilter, Registry};

/// Why the log filter could not be set.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// `log.level` is not a valid `tracing` filter.
    #[error("log.level: {0}")]
    Filter(#[from] tracing_subscriber::filter::ParseError),
    /// A global subscriber is already installed, or the filter could not be swapped.
    #[error("logging: {0}")]
    Install(String),
}

/// Changes the log filter of the running process.
#[derive(Clone, Debug)]
pub struct LogHandle(reload::Handle<EnvFilter, Registry>);

impl LogHandle {
    /// Replaces the filter with `level` (same syntax as `log.level`).
    pub fn set_level(&self, level: &str) -> Result<(), LogError> {
        let filter = EnvFilter::try_new(level)?;
        self.0
            .reload(filter)
            .map_err(|e| LogError::Install(e.to_string()))
    }
}

/// Installs the global subscriber. Call once, before the server starts.
pub fn init_logging(config: &LogConfig) -> Result<LogHandle, LogError> {
    let (filter, handle) = reload::Layer::new(EnvFilter::try_new(&config.level)?);
    let output = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let registry = tracing_subscriber::registry()
        .with(filter)
        .with(ClientDrops);
    match config.format {
        LogFormat::Human => registry.with(output).try_init(),
        LogFormat::Json => registry.with(output.json()).try_init(),
    }
    .map_err(|e| LogError::Install(e.to_string()))?;
    Ok(LogHandle(handle))
}
