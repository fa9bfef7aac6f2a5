//! What the service knows of a backend: a name, the media types it serves and an async query
//! that fails with a typed [`BackendFailure`]. The proxy adapts its loaded plugins to this trait;
//! tests use in-process fakes.

use futures_util::future::BoxFuture;
use std::fmt;
use ucs_model::{ContentDocument, Interaction, MediaType};
use ucs_plugin_api::{BackendRequest, ContentBackendRequest};

/// A history backend as the service uses it.
pub trait HistoryBackend: Send + Sync + fmt::Debug {
    /// The backend's name: a label of its metrics and part of its cache keys. Fixed for the
    /// backend's life.
    fn name(&self) -> &str;

    /// Its version, for the readiness report.
    fn version(&self) -> &str;

    /// The media types it can serve.
    fn media_types(&self) -> &[MediaType];

    /// Whether it answers a request for several media types in one call
    /// ([`BackendRequest::batch`]): the query's first `maxSize` over their union. The service
    /// then asks it once for the missing parts of a query and fills each part from that answer.
    fn batches(&self) -> bool {
        false
    }

    /// Answers one request: the interactions of `request.media_type` in `request.tenant` that
    /// `request.query` selects, already validated against the request. Called once per miss
    /// (identical concurrent misses are coalesced before); a failure is never cached.
    fn query<'a>(
        &'a self,
        request: &'a BackendRequest,
    ) -> BoxFuture<'a, Result<Vec<Interaction>, BackendFailure>>;
    /// Whether it answers [`HistoryBackend::content`] (a plugin of ABI 1.3 or later).
    fn serves_content(&self) -> bool {
        false
    }
    /// The content of one interaction (GetInteractionContent), already checked against the
    /// request: `None` when the backend holds no such interaction. Called once per miss
    /// (identical concurrent misses are coalesced before); a failure is never cached.
    fn content<'a>(
        &'a self,
        request: &'a ContentBackendRequest,
    ) -> BoxFuture<'a, Result<Option<ContentDocument>, BackendFailure>> {
        let _ = request;
        Box::pin(async {
            Err(BackendFailure::new(
                FailureKind::InvalidRequest,
                "this backend serves no content",
            ))
        })
    }
}

/// Why a backend could not answer: kinds an operator can act on, each a metric label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureKind {
    /// The store or upstream cannot be reached, or its breaker is open.
    Unavailable,
    /// No answer in time (the call timeout, or the store's or upstream's own).
    Timeout,
    /// The backend cannot serve the request as asked.
    InvalidRequest,
    /// Any other failure the backend reported.
    Internal,
    /// The backend panicked.
    Panic,
    /// The backend answered something that is not a valid result for the request.
    InvalidOutput,
}

impl FailureKind {
    /// Every kind, in label order.
    pub const ALL: [FailureKind; 6] = [
        FailureKind::Unavailable,
        FailureKind::Timeout,
        FailureKind::InvalidRequest,
        FailureKind::Internal,
        FailureKind::Panic,
        FailureKind::InvalidOutput,
    ];

    /// The `kind` label of `ucs_proxy_backend_errors_total` and of log lines.
    pub const fn as_label(self) -> &'static str {
        match self {
            FailureKind::Unavailable => "unavailable",
            FailureKind::Timeout => "timeout",
            FailureKind::InvalidRequest => "invalid_request",
            FailureKind::Internal => "internal",
            FailureKind::Panic => "panic",
            FailureKind::InvalidOutput => "invalid_output",
        }
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_label())
    }
}

/// A failed backend call: its kind and what the backend said.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct BackendFailure {
    kind: FailureKind,
    message: String,
}

impl BackendFailure {
    /// A failure of `kind`.
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// The kind.
    pub fn kind(&self) -> FailureKind {
        self.kind
    }

    /// What the backend said.
    pub fn message(&self) -> &str {
        &self.message
    }
}
