//! The admin listener (default `127.0.0.1:9091`, off the public port): metrics, cache
//! inspection and purge, health, readiness and reload. A pingora service of its own, answered
//! entirely in `request_filter`.
//!
//! | route | answer |
//! |---|---|
//! | `GET /metrics` | Prometheus text exposition |
//! | `GET /admin/cache` | entries, bytes, lookups by result, hit ratio, policy |
//! | `POST /admin/cache/purge` | body `{}` (all), or any of `tenant`, `mediaType`, `interactionId`, `contactId`, `userId` (all must match) |
//! | `POST /admin/cache/invalidate` | body: a change of an interaction or a list of them (`InteractionChange` JSON, e.g. from a CDC pipeline): drops the cached answers each may affect |
//! | `GET /healthz` | 200 while the process serves |
//! | `GET /readyz` | 200 when backend plugins are loaded and the public listener accepts connections, else 503 |
//! | `POST /admin/reload` | re-reads the configuration (as SIGHUP does) and reports |
//! | `GET /admin/cluster` | this node, whether Redis answers, and every node with its last heartbeat (`[cluster]` on) |
//! | `GET /admin/openapi.json` | the OpenAPI 3.1 description of every HTTP route served (`docs/api/`) |
//! | `GET /admin/asyncapi.json` | the AsyncAPI 3.0 description of the CometD channel and its messages |

use crate::app::{App, ChangeOrigin};
use crate::http_io::{read_body, Answer};
use async_trait::async_trait;
use bytes::Bytes;
use http::Method;
use pingora::prelude::{HttpPeer, ProxyHttp, Session};
use pingora::{Error, ErrorType};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use ucs_history::PurgeFilter;
use ucs_model::InteractionChange;

/// The OpenAPI 3.1 description of the routes served (checked against the binary's answers by
/// `tests/e2e/api_description.rs`).
const OPENAPI: &str = include_str!("../../../docs/api/openapi.json");
/// The AsyncAPI 3.0 description of the CometD channel and its messages.
const ASYNCAPI: &str = include_str!("../../../docs/api/asyncapi.json");

/// Largest admin request body (a purge filter).
const MAX_ADMIN_BODY: usize = 4096;
/// Largest list of changes in one `POST /admin/cache/invalidate` (a few thousand changes).
const MAX_CHANGES_BODY: usize = 1024 * 1024;
/// The source label of changes posted to the admin API.
const ADMIN_SOURCE: &str = "admin";
/// The content type of the Prometheus text format.
const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The admin service.
#[derive(Debug, Clone)]
pub struct Admin {
    app: Arc<App>,
}

impl Admin {
    /// The admin service over the proxy's shared state.
    pub fn new(app: Arc<App>) -> Self {
        Self { app }
    }

    async fn answer(&self, session: &mut Session) -> pingora::Result<Answer> {
        let header = session.req_header();
        let (method, path) = (header.method.clone(), header.uri.path().to_owned());
        Ok(match (method, path.as_str()) {
            (Method::GET, "/metrics") => {
                self.app.history.cache_stats().await;
                let text = self.app.metrics.render(&self.app.engine.stats());
                Answer::json(200, text).with_content_type(METRICS_CONTENT_TYPE)
            }
            (Method::GET, "/admin/cache") => self.cache_report().await,
            (Method::GET, "/admin/openapi.json") => Answer::json(200, OPENAPI),
            (Method::GET, "/admin/asyncapi.json") => Answer::json(200, ASYNCAPI),
            (Method::POST, "/admin/cache/purge") => {
                let body = read_small_body(session, MAX_ADMIN_BODY).await?;
                self.purge(&body).await
            }
            (Method::POST, "/admin/cache/invalidate") => {
                let body = read_small_body(session, MAX_CHANGES_BODY).await?;
                self.invalidate(&body).await
            }
            (Method::GET, "/healthz") => json_answer(200, &json!({"status": "ok"})),
            (Method::GET, "/readyz") => self.readiness().await,
            (Method::GET, "/admin/cluster") => self.cluster_report().await,
            (Method::POST, "/admin/reload") => match self.app.reload() {
                Ok(report) => json_answer(200, &json!(report)),
                Err(error) => {
                    tracing::error!(%error, "reload refused; the running configuration stays");
                    json_answer(400, &json!({"error": error.to_string()}))
                }
            },
            (
                _,
                "/metrics"
                | "/admin/cache"
                | "/admin/cache/purge"
                | "/admin/cache/invalidate"
                | "/healthz"
                | "/readyz"
                | "/admin/cluster"
                | "/admin/reload",
            ) => json_answer(405, &json!({"error": "method not allowed"})),
            _ => json_answer(404, &json!({"error": "not found"})),
        })
    }

    async fn cache_report(&self) -> Answer {
        let history = &self.app.history;
        let stats = history.cache_stats().await;
        let lookups = history.metrics().lookups();
        let policy = history.policy();
        json_answer(
            200,
            &json!({
                "enabled": stats.enabled,
                "entries": stats.entries,
                "bytes": stats.bytes,
                "maxBytes": stats.max_bytes,
                "contentEntries": stats.content_entries,
                "contentBytes": stats.content_bytes,
                "lookups": lookups,
                "hitRatio": lookups.hit_ratio(),
                "scope": policy.scope,
                "ttlSeconds": policy.ttl.as_secs(),
                "emptyTtlSeconds": policy.empty_ttl.as_secs(),
                "staleWhileRevalidateSeconds": policy.stale_while_revalidate.as_secs(),
            }),
        )
    }

    async fn purge(&self, body: &[u8]) -> Answer {
        let filter: PurgeFilter = if body.iter().all(u8::is_ascii_whitespace) {
            PurgeFilter::default()
        } else {
            match serde_json::from_slice(body) {
                Ok(filter) => filter,
                Err(error) => {
                    return json_answer(
                        400,
                        &json!({"error": format!("invalid purge filter: {error}")}),
                    )
                }
            }
        };
        match self.app.purge(&filter).await {
            Ok(()) => {
                // Removed entries are dropped (their memory freed) at moka's next maintenance:
                // run it now rather than at the next lookup.
                self.app.history.cache_stats().await;
                tracing::info!(?filter, "cache purged");
                json_answer(
                    200,
                    &json!({"purged": {
                        "tenant": filter.tenant,
                        "mediaType": filter.media_type,
                        "interactionId": filter.interaction_id,
                        "contactId": filter.contact_id,
                        "userId": filter.user_id,
                    }}),
                )
            }
            Err(error) => json_answer(500, &json!({"error": error.to_string()})),
        }
    }

    /// Applies changes posted by an operator or a CDC pipeline: one `InteractionChange` or a
    /// list of them.
    async fn invalidate(&self, body: &[u8]) -> Answer {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Changes {
            One(InteractionChange),
            Many(Vec<InteractionChange>),
        }
        let changes = match serde_json::from_slice(body) {
            Ok(Changes::One(change)) => vec![change],
            Ok(Changes::Many(changes)) => changes,
            Err(_) => {
                // Parsed again as a list for the precise reason (untagged enums hide it).
                let reason = serde_json::from_slice::<Vec<InteractionChange>>(body)
                    .err()
                    .map_or_else(|| "not a change".to_owned(), |e| e.to_string());
                return json_answer(400, &json!({"error": format!("invalid changes: {reason}")}));
            }
        };
        let (mut invalidated, mut spared) = (0, 0);
        for change in &changes {
            let outcome = self
                .app
                .apply_change(ADMIN_SOURCE, change.clone(), ChangeOrigin::Here)
                .await;
            invalidated += outcome.invalidated;
            spared += outcome.spared;
        }
        tracing::info!(
            changes = changes.len(),
            invalidated,
            spared,
            "changes applied"
        );
        json_answer(
            200,
            &json!({"changes": changes.len(), "invalidated": invalidated, "spared": spared}),
        )
    }

    /// Ready when the backends are loaded and the public listener accepts connections.
    async fn readiness(&self) -> Answer {
        let listening = accepts_connections(self.app.listen).await;
        let backends: Vec<_> = self
            .app
            .history
            .dispatcher()
            .backends()
            .iter()
            .map(|b| json!({"name": b.name(), "version": b.version()}))
            .collect();
        let status = if backends.is_empty() || !listening {
            503
        } else {
            200
        };
        // A node whose Redis is down still serves (alone): ready, but degraded.
        let cluster =
            self.app.cluster.as_ref().map(
                |cluster| {
                    if cluster.is_up() {
                        "up"
                    } else {
                        "degraded"
                    }
                },
            );
        json_answer(
            status,
            &json!({"ready": status == 200, "listening": listening, "backends": backends,
                "cluster": cluster}),
        )
    }

    /// The cluster as this node sees it.
    async fn cluster_report(&self) -> Answer {
        let Some(cluster) = &self.app.cluster else {
            return json_answer(404, &json!({"error": "this node is not in a cluster"}));
        };
        let (nodes, error) = match cluster.nodes().await {
            Ok(nodes) => (nodes, None),
            Err(error) => (Vec::new(), Some(error.to_string())),
        };
        json_answer(
            200,
            &json!({"node": cluster.node_id(), "redis": if cluster.is_up() { "up" } else { "down" },
                "nodes": nodes, "error": error}),
        )
    }
}

/// Whether something accepts TCP connections at `listen` (an unspecified address is reached on
/// loopback).
async fn accepts_connections(listen: std::net::SocketAddr) -> bool {
    let mut target = listen;
    if target.ip().is_unspecified() {
        target.set_ip(match target {
            std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let connect = tokio::net::TcpStream::connect(target);
    matches!(
        tokio::time::timeout(Duration::from_millis(500), connect).await,
        Ok(Ok(_))
    )
}

fn json_answer(status: u16, value: &serde_json::Value) -> Answer {
    Answer::json(status, Bytes::from(value.to_string()))
}

/// Reads an admin body; anything larger than `limit` is refused.
async fn read_small_body(session: &mut Session, limit: usize) -> pingora::Result<Bytes> {
    match read_body(session, limit, Duration::from_secs(5)).await {
        Ok(body) => Ok(body),
        Err(_) => Err(Error::explain(
            ErrorType::HTTPStatus(400),
            "admin request body too large or too slow",
        )),
    }
}

#[async_trait]
impl ProxyHttp for Admin {
    type CTX = ();

    fn new_ctx(&self) -> Self::CTX {}

    /// Answers every admin request here.
    async fn request_filter(&self, session: &mut Session, _ctx: &mut ()) -> pingora::Result<bool> {
        let answer = self.answer(session).await?;
        answer.send(session).await?;
        Ok(true)
    }

    /// Never reached: the admin service forwards nothing.
    async fn upstream_peer(
        &self,
        _session: &mut Session,
        _ctx: &mut (),
    ) -> pingora::Result<Box<HttpPeer>> {
        Err(Error::explain(
            ErrorType::HTTPStatus(404),
            "the admin service forwards nothing",
        ))
    }
}
