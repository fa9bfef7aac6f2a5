//! The public HTTP edge: a pingora [`ProxyHttp`] whose `request_filter` is the only place HTTP
//! decisions are made.
//!
//! History URLs are answered locally: the body is read (bounded, with a deadline), parsed by
//! `ucs-model`, and the client gets its ack or its GWS error at once. Every other route is not
//! ours; with no upstream configured it gets `{"statusCode":2,"statusMessage":"Invalid operation"}`.

mod body;
mod respond;

use crate::config::Config;
use crate::reference::ReferenceIds;
use async_trait::async_trait;
use body::{read_body, BodyError};
use bytes::Bytes;
use chrono::Utc;
use pingora::prelude::{HttpPeer, ProxyHttp, Session};
use pingora::{Error, ErrorType};
use respond::{ack_body, send_error, send_json};
use std::sync::Arc;
use std::time::Duration;
use ucs_model::{parse_request, ParseContext, Route, Tz};

/// The answer to a route that is not ours when there is no upstream to forward it to.
const INVALID_OPERATION: &[u8] = br#"{"statusCode":2,"statusMessage":"Invalid operation"}"#;
/// The answer to a history URL called with another method than POST.
const METHOD_NOT_ALLOWED: &[u8] =
    br#"{"statusCode":2,"statusMessage":"Invalid operation: method not allowed, use POST"}"#;

/// What the edge needs from the configuration, resolved once at start.
#[derive(Debug)]
struct EdgeSettings {
    time_zone: Tz,
    max_body_bytes: usize,
    body_read_timeout: Duration,
    max_size_limit: u32,
}

/// The public service.
#[derive(Debug, Clone)]
pub struct Edge {
    settings: Arc<EdgeSettings>,
    references: Arc<ReferenceIds>,
}

impl Edge {
    /// Builds the edge from a validated configuration.
    pub fn new(config: &Config) -> Result<Self, crate::config::ConfigError> {
        Ok(Self {
            settings: Arc::new(EdgeSettings {
                time_zone: config.time_zone()?,
                max_body_bytes: config.limits.max_body_bytes,
                body_read_timeout: Duration::from_millis(config.limits.body_read_timeout_ms),
                max_size_limit: config.limits.max_size,
            }),
            references: Arc::new(ReferenceIds::new()),
        })
    }

    /// Answers a request on a history URL. Always writes a complete response.
    async fn serve_history(&self, session: &mut Session, route: Route) -> pingora::Result<()> {
        let settings = &self.settings;
        let body =
            match read_body(session, settings.max_body_bytes, settings.body_read_timeout).await {
                Ok(body) => body,
                Err(BodyError::Refused(error)) => {
                    // The rest of the body is still on the wire: this connection cannot carry
                    // another request.
                    session.set_keepalive(None);
                    return send_error(session, &error).await;
                }
                Err(BodyError::Io(error)) => return Err(error),
            };
        let ctx = ParseContext::new(Utc::now(), settings.time_zone)
            .with_max_size_limit(settings.max_size_limit);
        match parse_request(&route, &body, &ctx) {
            Ok(request) => {
                let reference_id = self.references.next_id();
                tracing::debug!(
                    reference_id,
                    operation = %request.operation,
                    "history request accepted"
                );
                send_json(session, 200, ack_body(reference_id), &[]).await
            }
            Err(error) => {
                tracing::debug!(status_code = error.status_code(), %error, "history request refused");
                send_error(session, &error).await
            }
        }
    }
}

#[async_trait]
impl ProxyHttp for Edge {
    type CTX = ();

    fn new_ctx(&self) -> Self::CTX {}

    /// Answers everything locally for now: history URLs with their ack or error, other routes
    /// with "Invalid operation". Returns `Ok(true)`: the response has been written.
    async fn request_filter(&self, session: &mut Session, _ctx: &mut ()) -> pingora::Result<bool> {
        let header = session.req_header();
        let route = Route::from_path(header.uri.path());
        let is_post = header.method == http::Method::POST;
        match route {
            Some(route) if is_post => self.serve_history(session, route).await?,
            Some(_) => {
                send_json(
                    session,
                    405,
                    Bytes::from_static(METHOD_NOT_ALLOWED),
                    &[("allow", "POST")],
                )
                .await?
            }
            None => send_json(session, 404, Bytes::from_static(INVALID_OPERATION), &[]).await?,
        }
        Ok(true)
    }

    /// Never reached while every request is answered in `request_filter`.
    async fn upstream_peer(
        &self,
        _session: &mut Session,
        _ctx: &mut (),
    ) -> pingora::Result<Box<HttpPeer>> {
        Err(Error::explain(
            ErrorType::HTTPStatus(502),
            "no upstream is configured",
        ))
    }
}
