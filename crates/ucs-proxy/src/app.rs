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
use ucs_cometd::Engine;
use ucs_history::HistoryService;
use ucs_model::Tz;

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
}
