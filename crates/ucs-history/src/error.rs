//! The service's error type: why a query could not be resolved (the notification's
//! `errorMessage` form). Each variant names its side: the configuration or a backend.

use crate::admission::Overload;
use crate::backend::{BackendFailure, FailureKind};
use std::sync::Arc;
use ucs_model::MediaType;

/// Why a query could not be resolved, or the backends not registered.
#[derive(Clone, Debug, thiserror::Error)]
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
    /// The tenant's backend budget was exhausted (admission control).
    #[error(transparent)]
    Overloaded(#[from] Overload),
    /// A backend failed.
    #[error("backend {backend}: {failure}")]
    Backend {
        /// The backend's name.
        backend: Arc<str>,
        /// What went wrong there.
        #[source]
        failure: BackendFailure,
    },
}

impl HistoryError {
    /// The kind of a backend failure (`None` for the other errors).
    pub fn failure_kind(&self) -> Option<FailureKind> {
        match self {
            HistoryError::Backend { failure, .. } => Some(failure.kind()),
            _ => None,
        }
    }
}
