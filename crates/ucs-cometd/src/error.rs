//! Errors of a whole request batch (per-message errors are Bayeux replies, not Rust errors).

/// Why a request body could not be processed at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum BatchError {
    /// Not JSON, not an array of message objects, or a message without a `channel`.
    #[error("malformed bayeux message")]
    Malformed,
    /// A handshake batched with other messages.
    #[error("bayeux protocol violation: handshake batched with other messages")]
    HandshakeNotAlone,
}

impl BatchError {
    /// The HTTP status a transport answers with (the CometD Java server's choices).
    pub fn http_status(&self) -> u16 {
        match self {
            BatchError::Malformed => 400,
            BatchError::HandshakeNotAlone => 500,
        }
    }
}
