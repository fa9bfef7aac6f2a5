//! Why a relayed query failed, and the kind each failure has for the host.

use ucs_plugin_api::{BackendError, BackendErrorKind};

/// A failure of the relay, by side: the upstream's transport, its answer, or our own state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelayError {
    /// The upstream could not be reached, or a call to it did not finish in time.
    #[error("upstream unreachable: {0}")]
    Transport(String),
    /// The upstream answered with an HTTP error status.
    #[error("upstream answered HTTP {0}")]
    Status(u16),
    /// The upstream refused the service account's credentials.
    #[error("upstream refused the service account {0:?}")]
    Refused(String),
    /// The service account belongs to another contact centre than configured.
    #[error("service account {user:?} belongs to contact centre {found:?}, not {configured:?}")]
    WrongTenant {
        /// The account's login name.
        user: String,
        /// The tenant the configuration gives it.
        configured: String,
        /// The contact centre the upstream reports.
        found: String,
    },
    /// The upstream refused the request itself (`statusCode` ≠ 0 in its ack).
    #[error("upstream refused the request: {0}")]
    Rejected(String),
    /// The upstream's notification carried an `errorMessage`.
    #[error("upstream: {0}")]
    Failed(String),
    /// The notification did not come in time.
    #[error("no notification from the upstream within {0} ms")]
    Timeout(u64),
    /// The notification session to the upstream is not up.
    #[error("no notification session to the upstream")]
    NotConnected,
    /// The session to the upstream ended while the answer was awaited.
    #[error("the notification session to the upstream was lost")]
    SessionLost,
    /// Calls fail fast: the upstream failed repeatedly.
    #[error("upstream unavailable (circuit open)")]
    CircuitOpen,
    /// The upstream spoke something this relay does not understand.
    #[error("unexpected upstream answer: {0}")]
    Protocol(String),
}

impl RelayError {
    /// Whether the failure says the upstream is unhealthy (and counts toward opening the circuit).
    pub fn counts_against_upstream(&self) -> bool {
        match self {
            RelayError::Transport(_)
            | RelayError::Timeout(_)
            | RelayError::NotConnected
            | RelayError::SessionLost => true,
            RelayError::Status(status) => *status >= 500,
            _ => false,
        }
    }
}

impl From<RelayError> for BackendError {
    /// The kind an operator acts on: the upstream unreachable, its session lost or the breaker
    /// open is the upstream being unavailable; a notification that did not come is a timeout;
    /// a request the upstream refused is invalid; the rest (its own errorMessage, answers this
    /// relay does not understand, a misconfigured account) is internal.
    fn from(error: RelayError) -> Self {
        let kind = match &error {
            RelayError::Transport(_)
            | RelayError::NotConnected
            | RelayError::SessionLost
            | RelayError::CircuitOpen => BackendErrorKind::Unavailable,
            RelayError::Status(status) if *status >= 500 => BackendErrorKind::Unavailable,
            RelayError::Timeout(_) => BackendErrorKind::Timeout,
            RelayError::Rejected(_) => BackendErrorKind::InvalidRequest,
            RelayError::Status(_)
            | RelayError::Refused(_)
            | RelayError::WrongTenant { .. }
            | RelayError::Failed(_)
            | RelayError::Protocol(_) => BackendErrorKind::Internal,
        };
        BackendError::new(kind, error.to_string())
    }
}

impl From<reqwest::Error> for RelayError {
    fn from(error: reqwest::Error) -> Self {
        RelayError::Transport(without_url(&error))
    }
}

/// The error's text without the URL reqwest puts in it (it may hold internal host names, and the
/// operator's config already says which upstream this is).
fn without_url(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        text = text
            .replace(&format!(" ({url})"), "")
            .replace(" for url", "")
            .replace(url.as_str(), "upstream");
    }
    let cause = std::error::Error::source(error).map(|c| c.to_string());
    match cause {
        Some(cause) if !text.contains(&cause) => format!("{text}: {cause}"),
        _ => text,
    }
}
