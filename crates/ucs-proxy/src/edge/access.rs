//! The access log: what one request was and how it went, filled in while it is served and
//! written as one structured `tracing` line (target `ucs_proxy::access`) when it ends. Never a
//! password, a Basic header or a cookie value.

use crate::cors::CorsHeaders;
use crate::upstream::NodeId;
use pingora::proxy::Session;
use std::time::Instant;
use ucs_history::CacheStatus;

/// Which part of the edge served a request (a bounded label).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RouteKind {
    /// `/api/v2/ucs/interactions` or `/api/v2/ucs/contacts/{id}/interactions`.
    History,
    /// The CometD transport.
    Notifications,
    /// Anything else.
    Other,
}

impl RouteKind {
    fn as_str(self) -> &'static str {
        match self {
            RouteKind::History => "history",
            RouteKind::Notifications => "notifications",
            RouteKind::Other => "other",
        }
    }
}

/// The per-request context of the edge: the facts of its access line.
#[derive(Debug)]
pub struct RequestLog {
    /// When the request began (its header was read).
    pub(crate) started: Instant,
    pub(crate) route: RouteKind,
    /// The history operation, once parsed (`GetInteraction` for the interaction resource).
    pub(crate) operation: Option<&'static str>,
    /// The GWS `statusCode` of a history answer (0 for the ack).
    pub(crate) status_code: Option<u8>,
    pub(crate) cache: Option<CacheStatus>,
    pub(crate) reference_id: Option<u64>,
    /// The authenticated caller's user id.
    pub(crate) user_id: Option<String>,
    /// The GWS node a forwarded request went to.
    pub(crate) upstream_node: Option<NodeId>,
    /// The CORS headers every local answer to this request carries (`cors.rs`).
    pub(crate) cors: CorsHeaders,
    /// A forwarded UCS write being watched (`writes.rs`).
    pub(crate) write: Option<super::writes::WriteCapture>,
    /// The request's long poll was parked (`long_poll.rs`): its line is written when the poll
    /// is answered, not when pingora ends the request.
    pub(crate) parked: bool,
}

impl RequestLog {
    /// A request that has just begun.
    pub(crate) fn new() -> Self {
        Self {
            started: Instant::now(),
            route: RouteKind::Other,
            operation: None,
            status_code: None,
            cache: None,
            reference_id: None,
            user_id: None,
            upstream_node: None,
            cors: Vec::new(),
            write: None,
            parked: false,
        }
    }

    /// Writes the access line of the finished request; returns its HTTP status (0 when no
    /// response was written).
    pub(crate) fn write(&self, session: &Session) -> u16 {
        let status = session.response_written().map_or(0, |r| r.status.as_u16());
        let header = session.req_header();
        self.write_line(header.method.as_str(), header.uri.path(), status);
        status
    }

    /// Writes the access line of a request answered with `status`.
    pub(crate) fn write_line(&self, method: &str, path: &str, status: u16) {
        tracing::info!(
            target: "ucs_proxy::access",
            method,
            path,
            route = self.route.as_str(),
            operation = self.operation.unwrap_or("-"),
            status,
            status_code = self.status_code.map(i64::from).unwrap_or(-1),
            cache = self.cache.map_or("-", CacheStatus::as_header),
            latency_ms = self.started.elapsed().as_secs_f64() * 1000.0,
            reference_id = self.reference_id.unwrap_or(0),
            user_id = self.user_id.as_deref().unwrap_or("-"),
            "access"
        );
    }
}
