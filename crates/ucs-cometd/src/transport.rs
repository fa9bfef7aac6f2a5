//! What a transport tells the engine about the request a batch came in.

use crate::session::Owner;

/// How a batch reached the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionType {
    /// HTTP long-polling: sessions are bound to the `BAYEUX_BROWSER` cookie.
    LongPolling,
    /// WebSocket: the session is bound to the socket.
    WebSocket,
}

/// What the transport knows about the request a batch came in.
#[derive(Clone, Debug)]
pub struct TransportContext {
    /// The authenticated user making the request.
    pub owner: Owner,
    /// The request's `BAYEUX_BROWSER` cookie, if any.
    pub browser_id: Option<String>,
    /// The transport.
    pub connection_type: ConnectionType,
}
