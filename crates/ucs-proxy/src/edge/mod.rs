//! The public HTTP edge: a pingora [`ProxyHttp`] whose `request_filter` is the only place HTTP
//! decisions are made.
//!
//! * History URLs (`history.rs`): authenticate, read the bounded body, parse with `ucs-model`,
//!   answer at once with the ack or the GWS error, then notify over CometD.
//! * `/api/v2/notifications/**` (`notifications.rs`): the CometD long-polling transport.
//! * Anything else is not ours; with no upstream configured it gets
//!   `{"statusCode":2,"statusMessage":"Invalid operation"}`.

mod access;
mod body;
mod caller;
mod cookies;
mod history;
mod notifications;
pub(crate) mod respond;
mod websocket;

use crate::auth::Authenticator;
use crate::config::{Config, ConfigError};
use crate::metrics::ProxyMetrics;
use crate::reference::ReferenceIds;
use crate::reload::Reloader;
use crate::upstream::UpstreamPool;
pub use access::RequestLog;
pub(crate) use access::RouteKind;
use async_trait::async_trait;
pub(crate) use body::read_body as read_bounded_body;
use body::{read_body, BodyError};
use bytes::Bytes;
use history::Served;
use pingora::http::RequestHeader;
use pingora::prelude::{HttpPeer, ProxyHttp, Session};
use pingora::{Error, ErrorType};
use respond::Answer;
use std::sync::Arc;
use std::time::Duration;
use ucs_cometd::{Engine, GwsAuthorizer};
use ucs_model::{Route, Tz};

/// The answer to a route that is not ours when there is no upstream to forward it to.
const INVALID_OPERATION: &[u8] = br#"{"statusCode":2,"statusMessage":"Invalid operation"}"#;
/// The answer to a history URL called with another method than POST.
const METHOD_NOT_ALLOWED: &[u8] =
    br#"{"statusCode":2,"statusMessage":"Invalid operation: method not allowed, use POST"}"#;

/// What the edge needs from the configuration, resolved once at start.
#[derive(Debug)]
pub(crate) struct EdgeSettings {
    pub(crate) time_zone: Tz,
    pub(crate) max_body_bytes: usize,
    pub(crate) body_read_timeout: Duration,
    pub(crate) max_size_limit: u32,
    pub(crate) verbose_errors: bool,
}

/// The state shared by every request: settings, the referenceId counter, the CometD engine and
/// the authenticator.
#[derive(Debug)]
pub struct App {
    pub(crate) settings: EdgeSettings,
    pub(crate) references: ReferenceIds,
    pub(crate) engine: Engine,
    pub(crate) auth: Arc<Authenticator>,
    pub(crate) history: Arc<ucs_history::HistoryService>,
    pub(crate) metrics: ProxyMetrics,
    pub(crate) reloader: Reloader,
    /// Where routes that are not ours go; none: they get `Invalid operation`.
    pub(crate) upstream: Option<UpstreamPool>,
}

impl App {
    /// Builds the shared state from a validated configuration, loading the backend plugins;
    /// `reloader` re-reads that configuration on demand.
    pub fn new(config: &Config, reloader: Reloader) -> Result<Self, ConfigError> {
        Self::with_upstream(config, reloader, None)
    }

    /// As [`App::new`], forwarding routes that are not ours to `upstream`.
    pub(crate) fn with_upstream(
        config: &Config,
        reloader: Reloader,
        upstream: Option<UpstreamPool>,
    ) -> Result<Self, ConfigError> {
        let metrics = ProxyMetrics::new().map_err(metrics_error)?;
        let history_metrics =
            ucs_history::HistoryMetrics::register(metrics.registry()).map_err(metrics_error)?;
        let dispatcher = crate::backends::load_backends(&config.backends)?;
        Ok(Self {
            settings: EdgeSettings {
                time_zone: config.time_zone()?,
                max_body_bytes: config.limits.max_body_bytes,
                body_read_timeout: Duration::from_millis(config.limits.body_read_timeout_ms),
                max_size_limit: config.limits.max_size,
                verbose_errors: config.api.verbose_errors,
            },
            references: ReferenceIds::new(),
            engine: Engine::new(config.cometd.to_bayeux(), Arc::new(GwsAuthorizer)),
            auth: Arc::new(Authenticator::new(
                &config.auth,
                upstream.as_ref(),
                metrics.auth_upstream_checks(),
            )?),
            history: Arc::new(
                ucs_history::HistoryService::new(
                    dispatcher,
                    config.cache.to_policy(),
                    history_metrics,
                )
                .with_presentation(ucs_history::Presentation {
                    time_zone: config.time_zone()?,
                    public_base_url: config.api.public_base_url.clone(),
                }),
            ),
            metrics,
            reloader,
            upstream,
        })
    }

    /// The history service.
    pub fn history(&self) -> &Arc<ucs_history::HistoryService> {
        &self.history
    }

    /// Re-reads the configuration and applies what a running proxy can apply.
    pub fn reload(&self) -> Result<crate::reload::ReloadReport, crate::reload::ReloadError> {
        self.reloader.reload(&self.history)
    }

    /// The CometD engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The authenticator.
    pub fn authenticator(&self) -> &Arc<Authenticator> {
        &self.auth
    }

    /// Authenticates the caller and reads the body: what every local POST needs first. `None`
    /// when the request was refused (401, 413, 408): the answer has been written.
    pub(crate) async fn accept(
        &self,
        session: &mut Session,
        log: &mut RequestLog,
    ) -> pingora::Result<Option<(crate::auth::Authenticated, Bytes)>> {
        let caller = match caller::authenticate(&self.auth, session).await {
            Ok(caller) => {
                log.user_id = Some(caller.principal.user_id.clone());
                caller
            }
            Err(answer) => {
                answer.send(session).await?;
                return Ok(None);
            }
        };
        match self.read_body(session).await? {
            Ok(body) => Ok(Some((caller, body))),
            Err(answer) => {
                caller::with_session_cookie(answer, &caller)
                    .send(session)
                    .await?;
                Ok(None)
            }
        }
    }

    /// Reads the request body within the configured bounds. `Ok(Err(answer))`: refused (413 or
    /// 408), and the connection will close since the rest of the body is still on the wire;
    /// `Err`: the connection failed.
    pub(crate) async fn read_body(
        &self,
        session: &mut Session,
    ) -> pingora::Result<Result<Bytes, Answer>> {
        let settings = &self.settings;
        match read_body(session, settings.max_body_bytes, settings.body_read_timeout).await {
            Ok(body) => Ok(Ok(body)),
            Err(BodyError::Refused(error)) => {
                session.set_keepalive(None);
                Ok(Err(Answer::error(&error)))
            }
            Err(BodyError::Io(error)) => Err(error),
        }
    }
}

fn metrics_error(error: prometheus::Error) -> ConfigError {
    ConfigError::Value {
        key: "metrics",
        reason: error.to_string(),
    }
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
                Answer::json(405, Bytes::from_static(METHOD_NOT_ALLOWED))
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
            Answer::json(404, Bytes::from_static(INVALID_OPERATION))
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
                crate::metrics::outcome_of(status),
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
        let key = cookies::cookie(&session.req_header().headers, crate::auth::SESSION_COOKIE)
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
