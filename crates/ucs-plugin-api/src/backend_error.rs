//! How a backend says why a query failed: a kind an operator can act on, and a message. The kind
//! crosses the ABI as the completion's status code (ABI 1.1).

use crate::abi::{STATUS_ERROR, STATUS_INVALID_REQUEST, STATUS_TIMEOUT, STATUS_UNAVAILABLE};
use std::fmt;

/// Why a backend could not answer, as far as an operator can act on it. Reads from its
/// snake-case name (`"unavailable"`, `"invalid_request"`, …) for plugins' configurations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BackendErrorKind {
    /// The store or upstream cannot be reached, or the plugin's circuit breaker is open: look at
    /// the store, the network, the upstream.
    Unavailable,
    /// The store or upstream did not answer in time: look at its load.
    Timeout,
    /// This backend cannot serve the request as asked (e.g. an archive that is not configured):
    /// look at the configuration.
    InvalidRequest,
    /// Anything else: a bug or an unexpected answer; the message says more.
    Internal,
}

impl BackendErrorKind {
    /// The status code that carries this kind across the ABI.
    pub const fn status(self) -> i32 {
        match self {
            BackendErrorKind::Unavailable => STATUS_UNAVAILABLE,
            BackendErrorKind::Timeout => STATUS_TIMEOUT,
            BackendErrorKind::InvalidRequest => STATUS_INVALID_REQUEST,
            BackendErrorKind::Internal => STATUS_ERROR,
        }
    }

    /// The kind a failure status stands for in a plugin of ABI minor version `abi_minor`: a 1.0
    /// plugin could only say [`STATUS_ERROR`], and any status this host does not know is internal.
    pub const fn from_status(status: i32, abi_minor: u32) -> BackendErrorKind {
        if abi_minor == 0 {
            return BackendErrorKind::Internal;
        }
        match status {
            STATUS_UNAVAILABLE => BackendErrorKind::Unavailable,
            STATUS_TIMEOUT => BackendErrorKind::Timeout,
            STATUS_INVALID_REQUEST => BackendErrorKind::InvalidRequest,
            _ => BackendErrorKind::Internal,
        }
    }
}

/// A failed query, as a plugin reports it. Plugins write `From` impls from their own error types
/// so that `?` keeps the kind; a plain `String` or `&str` converts to an internal error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackendError {
    kind: BackendErrorKind,
    message: String,
}

impl BackendError {
    /// An error of `kind`.
    pub fn new(kind: BackendErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// The store or upstream cannot be reached (or the breaker is open).
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(BackendErrorKind::Unavailable, message)
    }

    /// The store or upstream did not answer in time.
    pub fn timeout(message: impl Into<String>) -> Self {
        Self::new(BackendErrorKind::Timeout, message)
    }

    /// The request cannot be served as asked.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(BackendErrorKind::InvalidRequest, message)
    }

    /// Anything else.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(BackendErrorKind::Internal, message)
    }

    /// The kind.
    pub fn kind(&self) -> BackendErrorKind {
        self.kind
    }

    /// What happened.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BackendError {}

impl From<String> for BackendError {
    fn from(message: String) -> Self {
        Self::internal(message)
    }
}

impl From<&str> for BackendError {
    fn from(message: &str) -> Self {
        Self::internal(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_crosses_the_abi_and_comes_back() {
        for kind in [
            BackendErrorKind::Unavailable,
            BackendErrorKind::Timeout,
            BackendErrorKind::InvalidRequest,
            BackendErrorKind::Internal,
        ] {
            assert_eq!(BackendErrorKind::from_status(kind.status(), 1), kind);
            assert_eq!(
                BackendErrorKind::from_status(kind.status(), 0),
                BackendErrorKind::Internal,
                "a 1.0 plugin cannot say {kind:?}"
            );
        }
        assert_eq!(
            BackendErrorKind::from_status(77, 1),
            BackendErrorKind::Internal
        );
    }
}
