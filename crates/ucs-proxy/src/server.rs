//! Assembling the pingora server from the configuration.

use crate::admin::Admin;
use crate::background::Housekeeping;
use crate::config::{Config, ConfigError};
use crate::edge::{App, Edge};
use crate::reload::Reloader;
use pingora::proxy::http_proxy_service;
use pingora::server::configuration::ServerConf;
use pingora::server::Server;
use pingora::services::background::background_service;
use std::sync::Arc;

/// Builds a ready-to-run server: the public edge on `server.listen`, the admin service on
/// `admin.listen` (unless disabled) and the housekeeping background service (which also reloads
/// the configuration through `reloader` on SIGHUP).
///
/// The caller runs it with [`Server::run_forever`], which installs the signal handlers
/// (SIGTERM: graceful shutdown; SIGINT: immediate; SIGQUIT: hand-off to a new process).
pub fn build_server(config: &Config, reloader: Reloader) -> Result<Server, ConfigError> {
    config.validate()?;
    let conf = ServerConf {
        threads: config.server.threads,
        work_stealing: config.server.work_stealing,
        grace_period_seconds: Some(config.server.grace_period_seconds),
        graceful_shutdown_timeout_seconds: Some(config.server.graceful_shutdown_timeout_seconds),
        ..ServerConf::default()
    };
    let mut server = Server::new_with_opt_and_conf(None, conf);
    server.bootstrap();

    let upstream = match crate::upstream::build_pool(&config.upstream)? {
        Some((pool, health_checks)) => {
            server.add_boxed_service(health_checks);
            Some(pool)
        }
        None => None,
    };
    let app = Arc::new(App::with_upstream(config, reloader, upstream)?);
    let mut edge = http_proxy_service(&server.configuration, Edge::new(app.clone()));
    edge.add_tcp(&config.server.listen);
    server.add_service(edge);
    if config.admin.enabled {
        let mut admin = http_proxy_service(&server.configuration, Admin::new(app.clone()));
        admin.add_tcp(&config.admin.listen);
        server.add_service(admin);
    }
    server.add_service(background_service("housekeeping", Housekeeping::new(app)));
    Ok(server)
}
