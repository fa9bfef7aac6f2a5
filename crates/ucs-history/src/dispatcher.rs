//! Media type → backend, and the fan-out of one query.

use futures_util::future::join_all;
use std::collections::BTreeMap;
use std::sync::Arc;
use ucs_model::{HistoryQuery, Interaction, MediaType};
use ucs_plugin_api::{BackendRequest, PluginBackend, PluginError};

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
        for media_type in media_types {
            self.backends.insert(*media_type, Arc::clone(&backend));
        }
        Ok(())
    }

    /// The media types some backend serves.
    pub fn media_types(&self) -> Vec<MediaType> {
        self.backends.keys().copied().collect()
    }

    /// Resolves `query` for `tenant` over `media_types` (those the caller may read): one backend
    /// request per media type that has a backend, in parallel; the parts merged, sorted and cut
    /// to `maxSize`. Media types without a backend contribute nothing; if none has one, or a
    /// backend fails, the whole query fails.
    pub async fn resolve(
        &self,
        tenant: &str,
        media_types: &[MediaType],
        query: &HistoryQuery,
    ) -> Result<Vec<Interaction>, HistoryError> {
        let parts: Vec<_> = media_types
            .iter()
            .filter_map(|m| self.backends.get(m).map(|b| (*m, b)))
            .map(|(media_type, backend)| {
                let request = BackendRequest {
                    tenant: tenant.to_owned(),
                    media_type,
                    query: query.with_media_type(media_type),
                };
                async move { backend.query(&request).await }
            })
            .collect();
        if parts.is_empty() {
            let asked: Vec<&str> = media_types.iter().map(|m| m.as_str()).collect();
            return Err(HistoryError::NoBackend(asked.join(", ")));
        }
        let mut merged = Vec::new();
        for part in join_all(parts).await {
            merged.extend(part?);
        }
        Ok(query.sort_and_truncate(merged))
    }
}
