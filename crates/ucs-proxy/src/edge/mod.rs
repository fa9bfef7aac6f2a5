//! The public HTTP edge: a pingora [`ProxyHttp`] whose `request_filter` is the only place HTTP
//! decisions are made.
//!
//! * History URLs (`history.rs`): authenticate, read the bounded body, parse with `ucs-model`,
//!   answer at once with the ack or the GWS error, then notify over CometD.
//! * `/api/v2/notifications/**` (`notifications.rs`): the CometD long-polling transport.
//! * Anything else is not ours; with no upstream configured it gets
//!   `{"statusCode":2,"statusMessage":"Invalid operation"}`.

mod accept;
mod access;
mod bayeux;
mod caller;
mod content;
mod direct;
mod exchange;
mod forward;
mod history;
mod long_poll;
mod notifications;
mod passthrough;
mod websocket;
mod writes;

use crate::app::App;
use crate::http_io::Answer;
pub use access::RequestLog;
pub(crate) use access::RouteKind;
use async_trait::async_trait;
pub(crate) use direct::DirectEdge;
use history::Served;
use pingora::http::{RequestHeader, ResponseHeader};
use pingora::prelude::{HttpPeer, ProxyHttp, Session};
use pingora::{Error, ErrorType};
use std::sync::Arc;
use ucs_model::{RequestError, Route};

/// Whether `path` is one of the proxy's own routes (history, content, notifications); any other
/// goes to the upstream GWS when one is configured.
fn is_proxy_route(path: &str) -> bool {
    Route::from_path(path).is_some()
        || content::is_content_path(path)
        || notifications::is_notifications_path(path)
}

/// The public service.
#[derive(Debug, Clone)]
pub struct Edge {
    app: Arc<App>,
}

impl Edge {
    /// The edge over shared state.
    pub fn new(app: Arc<App>) -> Self {
        Self { app }
    }
}

#[async_trait]
impl ProxyHttp for Edge {
    type CTX = RequestLog;

    fn new_ctx(&self) -> Self::CTX {
        RequestLog::new()
    }

    /// HTTP/1.1 pipelining: requests sent back to back on one connection are all answered, in
    /// order (RFC 9112 §9.3.2); pingora would otherwise drop the bytes read past the first.
    async fn early_request_filter(
        &self,
        session: &mut Session,
        _log: &mut RequestLog,
    ) -> pingora::Result<()> {
        session.as_downstream_mut().set_pipelining_enabled(true);
        // CometD requests keep their connection until the sessions are handed over (their
        // results come through the old process); see `notifications::serve`.
        if !notifications::is_notifications_path(session.req_header().uri.path()) {
            close_if_draining(&self.app, session);
        }
        Ok(())
    }

    /// Answers everything locally for now. Returns `Ok(true)`: the response has been written.
    async fn request_filter(
        &self,
        session: &mut Session,
        log: &mut RequestLog,
    ) -> pingora::Result<bool> {
        let header = session.req_header();
        let path = header.uri.path();
        let is_post = header.method == http::Method::POST;
        let route = Route::from_path(path);
        let content = content::ContentTarget::of(&header.method, path);
        if is_proxy_route(path) {
            if crate::cors::is_preflight(&header.method, &header.headers) {
                self.app
                    .cors
                    .preflight(&header.headers)
                    .send(session)
                    .await?;
                return Ok(true);
            }
            log.cors = self.app.cors.answer_headers(&header.headers);
        }
        if let Some(target) = content {
            log.route = RouteKind::History;
            let served = match target {
                content::ContentTarget::Post(id) => {
                    content::serve_post(&self.app, session, id, log).await?
                }
                content::ContentTarget::Get(id) => {
                    content::serve_get(&self.app, session, id, log).await?
                }
            };
            if served == Served::Forward {
                return Ok(false);
            }
        } else if let Some(route) = route {
            log.route = RouteKind::History;
            if is_post {
                if history::serve(&self.app, session, route, log).await? == Served::Forward {
                    return Ok(false);
                }
            } else {
                let answer = Answer::error(&RequestError::method_not_allowed())
                    .with_header("allow", "POST".to_owned());
                caller::reply(session, log, None, answer).await?;
            }
        } else if notifications::is_notifications_path(path) {
            log.route = RouteKind::Notifications;
            notifications::serve(&self.app, session, log).await?;
        } else if self.app.upstream.is_some() {
            // Not ours: pingora forwards it unchanged (upstream_peer picks the node).
            return Ok(false);
        } else {
            Answer::error(&RequestError::route_not_served())
                .send(session)
                .await?;
        }
        Ok(true)
    }

    /// A client that went away (closed its connection, e.g. while its `/meta/connect` was held)
    /// is normal operation, not an error worth an ERROR line: logged at debug instead.
    fn suppress_error_log(&self, _session: &Session, _ctx: &RequestLog, error: &Error) -> bool {
        // pingora does not always mark a failed downstream write as Downstream; anything that is
        // not the upstream's fault counts.
        let client_gone = error.esource() != &pingora::ErrorSource::Upstream
            && matches!(
                error.etype(),
                ErrorType::WriteError | ErrorType::ReadError | ErrorType::ConnectionClosed
            );
        if client_gone {
            tracing::debug!(%error, "client went away");
        }
        client_gone
    }

    /// One access line per request; history requests are counted by operation and outcome; a
    /// UCS write GWS accepted drops the answers it may have made stale.
    async fn logging(&self, session: &mut Session, _error: Option<&Error>, log: &mut RequestLog) {
        if log.parked {
            return;
        }
        let status = log.write(session);
        if let Some(write) = log.write.take() {
            writes::after_write(&self.app, session, write, status).await;
        }
        count_history(&self.app, log, status);
    }

    /// The upstream node for a forwarded request: the node of the caller's GWS session (see
    /// `passthrough.rs`). No healthy node: HTTP 502.
    async fn upstream_peer(
        &self,
        session: &mut Session,
        log: &mut RequestLog,
    ) -> pingora::Result<Box<HttpPeer>> {
        passthrough::peer(self.app.upstream.as_ref(), session, log)
    }

    /// Forwarded requests carry `X-Forwarded-For` (appended) and `X-Forwarded-Proto`.
    async fn upstream_request_filter(
        &self,
        session: &mut Session,
        upstream_request: &mut RequestHeader,
        _log: &mut RequestLog,
    ) -> pingora::Result<()> {
        passthrough::add_forwarded_headers(session, upstream_request)
    }

    /// GWS's answer passes unchanged, plus `UCSPROXY_NODE` when it opens a session.
    async fn response_filter(
        &self,
        session: &mut Session,
        upstream_response: &mut ResponseHeader,
        log: &mut RequestLog,
    ) -> pingora::Result<()> {
        close_if_draining(&self.app, session);
        passthrough::mark_session_node(upstream_response, log)
    }
}

/// Counts a finished history request by operation and outcome (its HTTP `status`).
fn count_history(app: &App, log: &RequestLog, status: u16) {
    if log.route == RouteKind::History {
        app.metrics.count_request(
            log.operation.unwrap_or("unknown"),
            crate::labels::Outcome::of(status),
        );
    }
}

/// A stopping process answers with `Connection: close`: the client's next request opens a new
/// connection, which goes to the process that stays.
fn close_if_draining(app: &App, session: &mut Session) {
    if app.drain.is_draining() {
        session.set_keepalive(None);
    }
}
