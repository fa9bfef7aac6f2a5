//! The state every request shares: settings resolved at start, the referenceId counter, the
//! CometD engine, the authenticator, the history service, the metrics, the reloader and the
//! upstream pool. Built by the composition root ([`build_server`](crate::build_server)); read by
//! the edge, the admin service and the housekeeping.

use crate::auth::Authenticator;
use crate::cors::Cors;
use crate::drain::Drain;
use crate::metrics::ProxyMetrics;
use crate::reference::ReferenceIds;
use crate::reload::{ReloadError, ReloadReport, Reloader};
use crate::upstream::UpstreamPool;
use std::sync::Arc;
use std::time::Duration;
use ucs_cluster::Cluster;
use ucs_cometd::{Engine, FramedJson, JsonText};
use ucs_history::{CacheError, HistoryService, Invalidation, PurgeFilter};
use ucs_model::{InteractionChange, Tz};

/// What the edge needs from the configuration, resolved once at start.
#[derive(Debug)]
pub(crate) struct EdgeSettings {
    pub(crate) time_zone: Tz,
    pub(crate) max_body_bytes: usize,
    pub(crate) body_read_timeout: Duration,
    pub(crate) max_size_limit: u32,
    pub(crate) max_attributes: usize,
    pub(crate) verbose_errors: bool,
    /// How long after GWS acknowledged a UCS write its answers are dropped again.
    pub(crate) write_settle: Duration,
}

/// The state shared by every request.
#[derive(Debug)]
pub struct App {
    pub(crate) settings: EdgeSettings,
    pub(crate) references: ReferenceIds,
    pub(crate) engine: Engine,
    pub(crate) auth: Arc<Authenticator>,
    pub(crate) history: Arc<HistoryService>,
    pub(crate) metrics: ProxyMetrics,
    pub(crate) reloader: Reloader,
    /// Where routes that are not ours go; none: they get `Invalid operation`.
    pub(crate) upstream: Option<UpstreamPool>,
    /// Cross-origin access to the proxy's own routes.
    pub(crate) cors: Cors,
    /// The public listener's address (readiness checks it accepts connections).
    pub(crate) listen: std::net::SocketAddr,
    /// Whether the process is stopping, and the notifications it still owes.
    pub(crate) drain: Arc<Drain>,
    /// This node's part of a cluster (`[cluster]`); none: it serves alone.
    pub(crate) cluster: Option<Cluster>,
}

/// Who learnt of a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChangeOrigin {
    /// A backend's change feed, which every node of a cluster follows itself.
    Feed,
    /// This node alone (a write through it, the admin API): the other nodes are told.
    Here,
}

impl App {
    /// The history service.
    pub fn history(&self) -> &Arc<HistoryService> {
        &self.history
    }

    /// Re-reads the configuration and applies what a running proxy can apply.
    pub fn reload(&self) -> Result<ReloadReport, ReloadError> {
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

    /// Drops the cached answers `change` may affect, here and, in a cluster, in the shared
    /// tier and (when only this node learnt it) on the other nodes.
    pub(crate) async fn apply_change(
        &self,
        source: &str,
        change: InteractionChange,
        origin: ChangeOrigin,
    ) -> Invalidation {
        if let Some(cluster) = &self.cluster {
            cluster.changed(&change, origin == ChangeOrigin::Here).await;
        }
        self.history.apply_change(source, change).await
    }

    /// Drops every cached answer of `backend` (its change feed reconnected), here and in the
    /// shared tier. Returns how many entries here.
    pub(crate) async fn resync(&self, backend: &str) -> u64 {
        if let Some(cluster) = &self.cluster {
            cluster.resynced(backend).await;
        }
        self.history.resync(backend).await
    }

    /// Removes the cached entries `filter` selects, here and on every node of a cluster.
    pub(crate) async fn purge(&self, filter: &PurgeFilter) -> Result<(), CacheError> {
        if let Some(cluster) = &self.cluster {
            cluster.purged(filter).await;
        }
        self.history.purge(filter)
    }

    /// As [`App::deliver`], with the notification framed around a cached answer: here, the
    /// sessions' messages reference the answer, no copy of it is made.
    pub(crate) async fn deliver_framed(
        &self,
        user_id: &str,
        channel: &str,
        data: &FramedJson,
        received: std::time::Instant,
    ) {
        match &self.cluster {
            Some(_) => {
                self.deliver(user_id, channel, &data.to_json_text(), received)
                    .await
            }
            None => {
                self.engine
                    .deliver_framed_to_user(user_id, channel, data, received);
            }
        }
    }

    /// Delivers a notification answering a request received at `received` to the sessions of
    /// `user_id`: here, or on whichever node of the cluster holds them (there, the delivery
    /// time is measured from the notification's arrival).
    pub(crate) async fn deliver(
        &self,
        user_id: &str,
        channel: &str,
        data: &JsonText,
        received: std::time::Instant,
    ) {
        match &self.cluster {
            Some(cluster) => cluster.deliver(user_id, channel, data.get()).await,
            None => {
                self.engine
                    .deliver_json_to_user(user_id, channel, data, received);
            }
        }
    }
}
