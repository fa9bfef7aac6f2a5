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
mod caller;
mod history;
mod notifications;
mod websocket;

use crate::app::App;
use crate::http_io::{cookie, Answer};
pub use access::RequestLog;
pub(crate) use access::RouteKind;
use async_trait::async_trait;
use history::Served;
use pingora::http::RequestHeader;
use pingora::prelude::{HttpPeer, ProxyHttp, Session};
use pingora::{Error, ErrorType};
use std::sync::Arc;
use ucs_model::{RequestError, Route};

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

    /// Answers everything locally for now. Returns `Ok(true)`: the response has been written.
    async fn request_filter(
        &self,
        session: &mut Session,
        log: &mut RequestLog,
    ) -> pingora::Result<bool> {
        let header = session.req_header();
        let path = header.uri.path();
        let is_post = header.method == http::Method::POST;
        if let Some(route) = Route::from_path(path) {
            log.route = RouteKind::History;
            if is_post {
                if history::serve(&self.app, session, route, log).await? == Served::Forward {
                    return Ok(false);
                }
            } else {
                Answer::error(&RequestError::method_not_allowed())
                    .with_header("allow", "POST".to_owned())
                    .send(session)
                    .await?;
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

    /// One access line per request; history requests are counted by operation and outcome.
    async fn logging(&self, session: &mut Session, _error: Option<&Error>, log: &mut RequestLog) {
        let status = log.write(session);
        if log.route == RouteKind::History {
            self.app.metrics.count_request(
                log.operation.unwrap_or("unknown"),
                crate::labels::Outcome::of(status),
            );
        }
    }

    /// The upstream node for a forwarded request: by `JSESSIONID` (or the client address) under
    /// `session_hash`. No healthy node: HTTP 502.
    async fn upstream_peer(
        &self,
        session: &mut Session,
        _ctx: &mut RequestLog,
    ) -> pingora::Result<Box<HttpPeer>> {
        let Some(pool) = &self.app.upstream else {
            return Err(Error::explain(
                ErrorType::HTTPStatus(502),
                "no upstream is configured",
            ));
        };
        let key = cookie(&session.req_header().headers, crate::auth::SESSION_COOKIE)
            .map(str::to_owned)
            .or_else(|| session.client_addr().map(|a| a.to_string()))
            .unwrap_or_default();
        let node = pool.select(key.as_bytes()).ok_or_else(|| {
            Error::explain(ErrorType::HTTPStatus(502), "no healthy upstream node")
        })?;
        Ok(Box::new(HttpPeer::new(node.addr, false, String::new())))
    }

    /// Forwarded requests carry `X-Forwarded-For` (appended) and `X-Forwarded-Proto`.
    async fn upstream_request_filter(
        &self,
        session: &mut Session,
        upstream_request: &mut RequestHeader,
        _ctx: &mut RequestLog,
    ) -> pingora::Result<()> {
        if let Some(client) = session.client_addr().and_then(|a| a.as_inet()) {
            let ip = client.ip().to_string();
            let forwarded = match upstream_request.headers.get("x-forwarded-for") {
                Some(earlier) => format!("{}, {ip}", earlier.to_str().unwrap_or_default()),
                None => ip,
            };
            upstream_request.insert_header("x-forwarded-for", forwarded)?;
        }
        upstream_request.insert_header("x-forwarded-proto", "http")?;
        Ok(())
    }
}
