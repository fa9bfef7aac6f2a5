//! Media type → backend.

use crate::backend::HistoryBackend;
use crate::error::HistoryError;
use std::collections::BTreeMap;
use std::sync::Arc;
use ucs_model::MediaType;

/// A registered backend with its name shared by every cache key of its entries.
#[derive(Clone, Debug)]
pub(crate) struct Registered {
    pub(crate) backend: Arc<dyn HistoryBackend>,
    pub(crate) name: Arc<str>,
}

/// Which backend serves which media type.
#[derive(Debug, Default)]
pub struct Dispatcher {
    backends: BTreeMap<MediaType, Registered>,
}

impl Dispatcher {
    /// An empty dispatcher.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `backend` for `media_types`; a media type already served is an error.
    pub fn add(
        &mut self,
        backend: Arc<dyn HistoryBackend>,
        media_types: &[MediaType],
    ) -> Result<(), HistoryError> {
        for media_type in media_types {
            if let Some(first) = self.backends.get(media_type) {
                return Err(HistoryError::DuplicateMediaType {
                    media_type: *media_type,
                    first: first.name.to_string(),
                    second: backend.name().to_owned(),
                });
            }
        }
        let registered = Registered {
            name: Arc::from(backend.name()),
            backend,
        };
        for media_type in media_types {
            self.backends.insert(*media_type, registered.clone());
        }
        Ok(())
    }

    /// The media types some backend serves.
    pub fn media_types(&self) -> Vec<MediaType> {
        self.backends.keys().copied().collect()
    }

    /// The backend serving `media_type`.
    pub(crate) fn registered(&self, media_type: MediaType) -> Option<&Registered> {
        self.backends.get(&media_type)
    }

    /// The backends serving `media_types`, each once, with the media types it serves among
    /// them (in the order given).
    pub(crate) fn grouped(&self, media_types: &[MediaType]) -> Vec<(Registered, Vec<MediaType>)> {
        let mut groups: Vec<(Registered, Vec<MediaType>)> = Vec::new();
        for media_type in media_types {
            let Some(registered) = self.backends.get(media_type) else {
                continue;
            };
            match groups
                .iter_mut()
                .find(|(r, _)| Arc::ptr_eq(&r.backend, &registered.backend))
            {
                Some((_, types)) => types.push(*media_type),
                None => groups.push((registered.clone(), vec![*media_type])),
            }
        }
        groups
    }

    /// The distinct backends, each once.
    pub fn backends(&self) -> Vec<Arc<dyn HistoryBackend>> {
        let mut seen: Vec<Arc<dyn HistoryBackend>> = Vec::new();
        for registered in self.backends.values() {
            if !seen.iter().any(|b| Arc::ptr_eq(b, &registered.backend)) {
                seen.push(Arc::clone(&registered.backend));
            }
        }
        seen
    }
}
