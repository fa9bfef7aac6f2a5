//! The composition root: every part of the proxy is built here, from the configuration, and
//! handed to the pingora services that serve it. Nothing else constructs shared state.

use crate::admin::Admin;
use crate::app::{App, EdgeSettings};
use crate::auth::SharedLogins;
use crate::auth::{AuthSetupError, Authenticator};
use crate::backends::{load_backends, BackendSetupError};
use crate::background::Housekeeping;
use crate::change_feeds::ChangeFeeds;
use crate::cluster::{ClusterLogins, ClusterService, EngineSessions, Presence};
use crate::config::{Config, ConfigError};
use crate::connection::Guarded;
use crate::cors::Cors;
use crate::edge::{DirectEdge, Edge};
use crate::metrics::ProxyMetrics;
use crate::reference::ReferenceIds;
use crate::reload::Reloader;
use crate::upstream::UpstreamSetupError;
use pingora::listeners::{L4BufferSettings, ListenerConfig};
use pingora::proxy::{http_proxy, http_proxy_service};
use pingora::server::configuration::{Opt, ServerConf};
use pingora::server::Server;
use pingora::services::background::background_service;
use pingora::services::listening::Service;
use std::net::SocketAddr;
use std::sync::Arc;
use ucs_cluster::{Cluster, ClusterMetrics, REFERENCE_SLOTS};
use ucs_cometd::{Engine, GwsAuthorizer};
use ucs_history::{HistoryMetrics, HistoryService, Presentation};

/// Why the proxy could not start; each variant says which part, its source says why.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The configuration is not valid.
    #[error("configuration")]
    Config(#[from] ConfigError),
    /// The metrics registry refused a metric.
    #[error("metrics registry")]
    Metrics(#[from] prometheus::Error),
    /// A backend plugin could not be loaded or registered.
    #[error("backend plugins")]
    Backends(#[from] BackendSetupError),
    /// The upstream GWS pool could not be built.
    #[error("upstream pool")]
    Upstream(#[from] UpstreamSetupError),
    /// The authenticator could not be built.
    #[error("authentication")]
    Auth(#[from] AuthSetupError),
    /// A listener's address cannot be bound (in use, not local, no permission).
    #[error("cannot listen on {addr}")]
    Bind {
        /// The configured address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Checks that `addr` can be bound now, as nginx does at start: a proxy that cannot listen must
/// not run (pingora would retry for a while in the background and the process would look up).
fn check_bindable(addr: SocketAddr) -> Result<(), StartupError> {
    std::net::TcpListener::bind(addr)
        .map(drop)
        .map_err(|source| StartupError::Bind { addr, source })
}

/// Joins the cluster `[cluster]` describes: the node's `referenceId` slot is claimed now,
/// before the first request; its sessions are watched for the presence records.
fn join_cluster(
    config: &Config,
    engine: &Engine,
    metrics: &ProxyMetrics,
) -> Result<(Cluster, u64), StartupError> {
    let settings = config.cluster.to_settings(config.server.listen);
    let sessions = Arc::new(EngineSessions {
        engine: engine.clone(),
    });
    let cluster = Cluster::new(
        settings,
        ClusterMetrics::register(metrics.registry())?,
        sessions,
    );
    let slot = cluster.claim_reference_slot();
    tracing::info!(node = cluster.node_id(), slot, "joining the cluster");
    let presence = Arc::new(Presence {
        cluster: cluster.clone(),
    });
    if engine.observe(presence).is_err() {
        tracing::warn!("the engine already had a session observer");
    }
    Ok((cluster, slot))
}

/// The buffers below pingora's HTTP layer on a client connection: none. No read buffer (pingora
/// reads request heads and bodies into buffers of their own, so its default 64 KiB one only adds
/// a copy, and kept up to 64 KiB resident on every idle or long-polling connection); no write
/// buffer either: the connection's writes are gathered by its guard, in a buffer that exists
/// only while an answer is written (`connection/coalesce.rs`), where pingora's 1 460 bytes
/// stayed with every connection for its whole life.
const CLIENT_BUFFERS: L4BufferSettings = L4BufferSettings {
    read: Some(0),
    write: Some(0),
};

/// How a process starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// Binds its listeners.
    Fresh,
    /// Takes the listening sockets of the running process over (`--upgrade`): the running
    /// one is then sent SIGQUIT, hands them over through `server.upgrade_sock`, finishes what
    /// it holds and hands its CometD sessions over.
    TakeOver,
}

/// Builds a ready-to-run server: the public edge on `server.listen`, the admin service on
/// `admin.listen` (unless disabled) and the housekeeping background service (which also reloads
/// the configuration through `reloader` on SIGHUP).
///
/// The caller runs it with [`Server::run_forever`], which installs the signal handlers
/// (SIGTERM: graceful shutdown; SIGINT: immediate; SIGQUIT: hand-off to a new process).
pub fn build_server(
    config: &Config,
    reloader: Reloader,
    start: Start,
) -> Result<Server, StartupError> {
    config.validate()?;
    // Taking over, the running process holds the addresses: they are not bindable, and need
    // not be.
    if start == Start::Fresh {
        check_bindable(config.server.listen)?;
        if config.admin.enabled {
            check_bindable(config.admin.listen)?;
        }
    }
    let conf = ServerConf {
        upgrade_sock: config.server.upgrade_sock.clone(),
        threads: config.server.threads,
        work_stealing: config.server.steals_work(),
        grace_period_seconds: Some(config.server.grace_period.as_secs()),
        graceful_shutdown_timeout_seconds: Some(config.server.graceful_shutdown_timeout.as_secs()),
        ..ServerConf::default()
    };
    let opt = Opt {
        upgrade: start == Start::TakeOver,
        ..Opt::default()
    };
    let mut server = Server::new_with_opt_and_conf(Some(opt), conf);
    server.bootstrap();

    let upstream = match crate::upstream::build_pool(&config.upstream)? {
        Some((pool, health_checks)) => {
            server.add_boxed_service(health_checks);
            Some(pool)
        }
        None => None,
    };
    let metrics = ProxyMetrics::new()?;
    let backends = load_backends(&config.backends)?;
    let engine = Engine::new(config.cometd.to_bayeux(), Arc::new(GwsAuthorizer));
    let cluster = match config.cluster.enabled {
        true => Some(join_cluster(config, &engine, &metrics)?),
        false => None,
    };
    let mut history = HistoryService::new(
        backends.dispatcher,
        config.cache.to_policy(),
        HistoryMetrics::register(metrics.registry())?,
    )
    .with_admission(config.admission.to_policy())
    .with_presentation(Presentation {
        time_zone: config.api.time_zone,
        public_base_url: config.api.public_base_url.clone(),
    });
    if let Some((cluster, _)) = &cluster {
        history = history.with_second_tier(cluster.second_tier());
    }
    let auth = Authenticator::new(
        &config.auth,
        upstream.as_ref(),
        metrics.auth_upstream_checks(),
        metrics.auth_throttled(),
        cluster.as_ref().map(|(cluster, _)| {
            Arc::new(ClusterLogins {
                cluster: cluster.clone(),
            }) as Arc<dyn SharedLogins>
        }),
    )?;
    let app = Arc::new(App {
        settings: EdgeSettings {
            time_zone: config.api.time_zone,
            max_body_bytes: config.limits.max_body_bytes,
            body_read_timeout: config.limits.body_read_timeout,
            max_size_limit: config.limits.max_size,
            max_attributes: config.limits.max_attributes,
            verbose_errors: config.api.verbose_errors,
            write_settle: config.cache.write_settle,
        },
        references: match &cluster {
            Some((_, slot)) => ReferenceIds::for_slot(*slot, REFERENCE_SLOTS),
            None => ReferenceIds::new(),
        },
        engine,
        auth: Arc::new(auth),
        history: Arc::new(history),
        metrics,
        reloader,
        upstream,
        cors: Cors::new(&config.api.cors),
        listen: config.server.listen,
        drain: Arc::default(),
        cluster: cluster.as_ref().map(|(cluster, _)| cluster.clone()),
    });

    let edge_app = Guarded::new(
        http_proxy(&server.configuration, Edge::new(app.clone())),
        config.limits.header_read_timeout,
        Arc::new(app.metrics.head_refusals()),
        app.drain.connections_end(),
    )
    .with_direct(Arc::new(DirectEdge::new(app.clone())));
    let mut edge = Service::new("public edge".to_owned(), edge_app);
    edge.add_listener(
        ListenerConfig::tcp(config.server.listen.to_string()).l4_buffer(CLIENT_BUFFERS),
    );
    server.add_service(edge);
    if config.admin.enabled {
        let mut admin = http_proxy_service(&server.configuration, Admin::new(app.clone()));
        admin.add_tcp(&config.admin.listen.to_string());
        server.add_service(admin);
    }
    if !backends.feeds.is_empty() {
        server.add_service(background_service(
            "change feeds",
            ChangeFeeds::new(Arc::clone(&app), backends.feeds),
        ));
    }
    if let Some((cluster, slot)) = cluster {
        server.add_service(background_service(
            "cluster",
            ClusterService::new(Arc::clone(&app), cluster, slot),
        ));
    }
    server.add_service(background_service(
        "housekeeping",
        Housekeeping::new(app, config.server.grace_period),
    ));
    Ok(server)
}
