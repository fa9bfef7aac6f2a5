//! The edge's answers to requests the connection reads itself (`connection/direct.rs`): a
//! history POST, served by the same [`history::serve`] as pingora's requests, through an
//! [`Exchange`] whose answer is written straight to the connection; a GET on a route that is
//! not ours, relayed to its GWS node (`forward.rs`).

use super::exchange::Exchange;
use super::history::{self, Served};
use super::{content, count_history, forward, App, RequestLog, RouteKind};
use crate::connection::{DirectOutcome, DirectRequest, DirectService, DirectWriter};
use crate::http_io::Answer;
use crate::upstream::relay::IdleConnections;
use async_trait::async_trait;
use bytes::Bytes;
use http::{HeaderMap, Method};
use pingora::{Error, ErrorType};
use std::net::IpAddr;
use std::sync::Arc;
use ucs_model::Route;

/// The direct answers: history POSTs, forwarded GETs.
pub(crate) struct DirectEdge {
    app: Arc<App>,
    /// The kept-alive connections of the relayed GETs.
    idle: IdleConnections,
}

impl DirectEdge {
    /// The direct answers over shared state.
    pub(crate) fn new(app: Arc<App>) -> Self {
        Self {
            app,
            idle: IdleConnections::default(),
        }
    }

    /// Answers a history POST.
    async fn answer_history(
        &self,
        request: DirectRequest,
        writer: DirectWriter<'_>,
    ) -> DirectOutcome {
        let Some(route) = Route::from_path(&request.path) else {
            return DirectOutcome::Close;
        };
        let mut log = RequestLog::new();
        log.route = RouteKind::History;
        log.cors = self.app.cors.answer_headers(&request.headers);
        let path = request.path;
        let mut exchange = DirectExchange {
            headers: request.headers,
            body: Some(request.body),
            client_ip: request.client_ip,
            writer,
            status: 0,
        };
        let served = history::serve(&self.app, &mut exchange, route, &mut log).await;
        tracing::debug!(%path, status = exchange.status, "answered before pingora");
        log.write_line("POST", &path, exchange.status);
        count_history(&self.app, &log, exchange.status);
        match served {
            Ok(Served::Answered) if exchange.body.is_none() => DirectOutcome::KeepAlive,
            // Answered before its body was read (a refused login), as pingora closes such a
            // connection; a forward was ruled out by `wants`; a failed write is a client gone.
            Ok(_) | Err(_) => DirectOutcome::Close,
        }
    }
}

#[async_trait]
impl DirectService for DirectEdge {
    /// While the process is not draining (a draining one closes each connection after its
    /// answer, which pingora decides): a POST on a history URL with a body within the bound,
    /// that is not GWS's to answer (a forward of a POST needs pingora); a GET that is
    /// forwarded.
    fn wants(&self, method: &Method, path: &str, body: &[u8]) -> bool {
        let app = &self.app;
        if app.drain.is_draining() {
            return false;
        }
        if *method == Method::GET {
            return forward::forwards(app, path);
        }
        if body.len() > app.settings.max_body_bytes
            || content::ContentTarget::of(&Method::POST, path).is_some()
        {
            return false;
        }
        Route::from_path(path).is_some_and(|route| !history::is_gws_operation(app, &route, body))
    }

    async fn answer(&self, request: DirectRequest, writer: DirectWriter<'_>) -> DirectOutcome {
        match request.method {
            Method::GET => forward::forward(&self.app, &self.idle, request, writer).await,
            _ => self.answer_history(request, writer).await,
        }
    }
}

/// A request read by the connection, answered on it.
struct DirectExchange<'a> {
    headers: HeaderMap,
    /// Until it is read.
    body: Option<Bytes>,
    client_ip: Option<IpAddr>,
    writer: DirectWriter<'a>,
    /// The HTTP status written (0: none yet).
    status: u16,
}

impl Exchange for DirectExchange<'_> {
    fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    fn client_ip(&self) -> Option<IpAddr> {
        self.client_ip
    }

    fn keep_body_for_forwarding(&mut self) {}

    /// The body arrived whole, within the bound (`DirectEdge::wants`).
    async fn bounded_body(&mut self, _app: &App) -> pingora::Result<Result<Bytes, Answer>> {
        Ok(Ok(self.body.take().unwrap_or_default()))
    }

    /// Before the body was read, the connection closes after the answer, as pingora closes
    /// it (it would have the body still on the wire).
    async fn send(&mut self, answer: Answer) -> pingora::Result<()> {
        let wire = answer.to_wire(self.body.is_none())?;
        self.status = answer.status;
        self.writer
            .write(&wire)
            .await
            .map_err(|error| Error::because(ErrorType::WriteError, "writing an answer", error))
    }
}
