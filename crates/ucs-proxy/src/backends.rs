//! Loading the `[[backends]]` plugins into a dispatcher.

use crate::config::{BackendConfig, ConfigError};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use ucs_history::Dispatcher;
use ucs_plugin_api::PluginLibrary;

/// Where a configured library is: as given when absolute, else next to the running binary.
pub fn library_path(configured: &Path) -> PathBuf {
    if configured.is_absolute() {
        return configured.to_owned();
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(configured)))
        .unwrap_or_else(|| configured.to_owned())
}

/// Loads every backend, creates its instance and registers its media types. Any failure (a
/// library that does not load, a configuration the plugin refuses, two backends for one media
/// type, a media type the plugin does not serve) stops the start with a message saying which.
pub fn load_backends(backends: &[BackendConfig]) -> Result<Dispatcher, ConfigError> {
    let mut dispatcher = Dispatcher::new();
    for (index, backend) in backends.iter().enumerate() {
        let invalid = |reason: String| ConfigError::Value {
            key: "backends",
            reason: format!(
                "backend #{} ({}): {reason}",
                index + 1,
                backend.library.display()
            ),
        };
        let library = PluginLibrary::load(&library_path(&backend.library))
            .map_err(|e| invalid(e.to_string()))?;
        let instance = library
            .create(&backend.config, Duration::from_millis(backend.timeout_ms))
            .map_err(|e| invalid(e.to_string()))?;
        let declared = instance.description().media_types.clone();
        let media_types = if backend.media_types.is_empty() {
            declared
        } else {
            if let Some(m) = backend.media_types.iter().find(|m| !declared.contains(m)) {
                return Err(invalid(format!("the plugin does not serve {m}")));
            }
            backend.media_types.clone()
        };
        tracing::info!(backend = instance.name(), ?media_types, "backend loaded");
        dispatcher
            .add(Arc::new(instance), &media_types)
            .map_err(|e| invalid(e.to_string()))?;
    }
    Ok(dispatcher)
}
