//! Loading the `[[backends]]` plugins into a dispatcher: each loaded plugin instance is adapted
//! to the history service's [`HistoryBackend`], its errors mapped to the service's kinds.

use crate::config::BackendConfig;
use futures_util::future::BoxFuture;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedReceiver;
use ucs_history::{BackendFailure, Dispatcher, FailureKind, HistoryBackend, HistoryError};
use ucs_model::{ContentDocument, Interaction, MediaType};
use ucs_plugin_api::{
    BackendRequest, ContentBackendRequest, FeedEvent, PluginBackend, PluginError, PluginErrorKind,
    PluginLibrary,
};

/// Why the backends could not be set up; names the `[[backends]]` entry.
#[derive(Debug, thiserror::Error)]
pub enum BackendSetupError {
    /// The library did not load or refused its configuration.
    #[error("backend #{index} ({library})", library = library.display())]
    Plugin {
        /// 1-based position in `[[backends]]`.
        index: usize,
        /// The configured library.
        library: PathBuf,
        /// What the plugin loader said.
        #[source]
        source: PluginError,
    },
    /// A configured media type the plugin does not declare.
    #[error("backend #{index} ({library}): the plugin does not serve {media_type}", library = library.display())]
    Unserved {
        /// 1-based position in `[[backends]]`.
        index: usize,
        /// The configured library.
        library: PathBuf,
        /// The media type.
        media_type: MediaType,
    },
    /// Two backends for one media type.
    #[error("backend #{index} ({library})", library = library.display())]
    Dispatch {
        /// 1-based position in `[[backends]]`.
        index: usize,
        /// The configured library.
        library: PathBuf,
        /// What the dispatcher said.
        #[source]
        source: HistoryError,
    },
}

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

/// The loaded backends: the dispatcher the history service asks, and the change feeds of those
/// that have one (ABI 1.2), by backend name.
#[derive(Debug)]
pub struct LoadedBackends {
    /// The backends by media type.
    pub dispatcher: Dispatcher,
    /// Each change feed's events, with the name of its backend.
    pub feeds: Vec<(String, UnboundedReceiver<FeedEvent>)>,
}

/// Loads every backend, creates its instance, registers its media types and starts its change
/// feed when it has one. Any failure (a library that does not load, a configuration the plugin
/// refuses, two backends for one media type, a media type the plugin does not serve) stops the
/// start with an error saying which.
pub fn load_backends(backends: &[BackendConfig]) -> Result<LoadedBackends, BackendSetupError> {
    let mut dispatcher = Dispatcher::new();
    let mut feeds = Vec::new();
    for (index, backend) in backends.iter().enumerate() {
        let (index, library) = (index + 1, backend.library.clone());
        let plugin = |source| BackendSetupError::Plugin {
            index,
            library: library.clone(),
            source,
        };
        let instance = PluginLibrary::load(&library_path(&backend.library))
            .map_err(plugin)?
            .create(&backend.config, backend.timeout)
            .map_err(plugin)?;
        let declared = instance.description().media_types.clone();
        let media_types = if backend.media_types.is_empty() {
            declared
        } else {
            if let Some(m) = backend.media_types.iter().find(|m| !declared.contains(m)) {
                return Err(BackendSetupError::Unserved {
                    index,
                    library,
                    media_type: *m,
                });
            }
            backend.media_types.clone()
        };
        let feed = instance.watch_changes();
        tracing::info!(
            backend = instance.name(),
            ?media_types,
            change_feed = feed.is_some(),
            "backend loaded"
        );
        if let Some(feed) = feed {
            feeds.push((instance.name().to_owned(), feed));
        }
        dispatcher
            .add(Arc::new(LoadedPlugin(instance)), &media_types)
            .map_err(|source| BackendSetupError::Dispatch {
                index,
                library,
                source,
            })?;
    }
    Ok(LoadedBackends { dispatcher, feeds })
}

/// A loaded plugin instance as the history service sees it.
#[derive(Debug)]
struct LoadedPlugin(PluginBackend);

impl HistoryBackend for LoadedPlugin {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn version(&self) -> &str {
        &self.0.description().version
    }

    fn media_types(&self) -> &[MediaType] {
        &self.0.description().media_types
    }

    fn batches(&self) -> bool {
        self.0.description().batch
    }

    fn query<'a>(
        &'a self,
        request: &'a BackendRequest,
    ) -> BoxFuture<'a, Result<Vec<Interaction>, BackendFailure>> {
        Box::pin(async move { self.0.query(request).await.map_err(failure) })
    }

    fn serves_content(&self) -> bool {
        self.0.serves_content()
    }

    fn content<'a>(
        &'a self,
        request: &'a ContentBackendRequest,
    ) -> BoxFuture<'a, Result<Option<ContentDocument>, BackendFailure>> {
        Box::pin(async move { self.0.content(request).await.map_err(failure) })
    }
}

/// The service's failure for a plugin's call error.
fn failure(error: PluginError) -> BackendFailure {
    BackendFailure::new(failure_kind(error.kind()), error.message())
}

/// The service's kind of a plugin's query error.
fn failure_kind(kind: &PluginErrorKind) -> FailureKind {
    match kind {
        PluginErrorKind::Unavailable => FailureKind::Unavailable,
        PluginErrorKind::Timeout => FailureKind::Timeout,
        PluginErrorKind::InvalidRequest => FailureKind::InvalidRequest,
        PluginErrorKind::Panic => FailureKind::Panic,
        PluginErrorKind::InvalidOutput => FailureKind::InvalidOutput,
        // Load, create and ABI errors happen before any query; anything else is internal.
        _ => FailureKind::Internal,
    }
}
