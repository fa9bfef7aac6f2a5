//! Media type → backend.

use std::collections::BTreeMap;
use std::sync::Arc;
use ucs_model::MediaType;
use ucs_plugin_api::{PluginBackend, PluginError};

/// Why a query could not be resolved (the notification's `errorMessage` form).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryError {
    /// No configured backend serves any of the media types asked for.
    #[error("no backend serves {0}")]
    NoBackend(String),
    /// Two backends claim one media type.
    #[error("media type {media_type} is claimed by both {first} and {second}")]
    DuplicateMediaType {
        /// The media type.
        media_type: MediaType,
        /// The backend registered first.
        first: String,
        /// The backend that claimed it again.
        second: String,
    },
    /// A backend failed (plugin side: error, panic, timeout, invalid output).
    #[error(transparent)]
    Backend(#[from] PluginError),
}

/// Which backend serves which media type.
#[derive(Debug, Default)]
pub struct Dispatcher {
    backends: BTreeMap<MediaType, Arc<PluginBackend>>,
    /// Each backend's name, shared by every cache key of its entries.
    names: BTreeMap<MediaType, Arc<str>>,
}

impl Dispatcher {
    /// An empty dispatcher.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `backend` for `media_types`; a media type already served is an error.
    pub fn add(
        &mut self,
        backend: Arc<PluginBackend>,
        media_types: &[MediaType],
    ) -> Result<(), HistoryError> {
        for media_type in media_types {
            if let Some(first) = self.backends.get(media_type) {
                return Err(HistoryError::DuplicateMediaType {
                    media_type: *media_type,
                    first: first.name().to_owned(),
                    second: backend.name().to_owned(),
                });
            }
        }
        let name: Arc<str> = Arc::from(backend.name());
        for media_type in media_types {
            self.backends.insert(*media_type, Arc::clone(&backend));
            self.names.insert(*media_type, Arc::clone(&name));
        }
        Ok(())
    }

    /// The media types some backend serves.
    pub fn media_types(&self) -> Vec<MediaType> {
        self.backends.keys().copied().collect()
    }

    /// The backend serving `media_type` with its shared name.
    pub(crate) fn named_backend(
        &self,
        media_type: MediaType,
    ) -> Option<(&Arc<PluginBackend>, &Arc<str>)> {
        Some((
            self.backends.get(&media_type)?,
            self.names.get(&media_type)?,
        ))
    }

    /// The distinct backends, each once.
    pub fn backends(&self) -> Vec<Arc<PluginBackend>> {
        let mut seen: Vec<Arc<PluginBackend>> = Vec::new();
        for backend in self.backends.values() {
            if !seen.iter().any(|b| Arc::ptr_eq(b, backend)) {
                seen.push(Arc::clone(backend));
            }
        }
        seen
    }
}
