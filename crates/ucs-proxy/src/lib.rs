//! `ucs-history-proxy`: a caching reverse proxy for the GWS interaction-history API.
//!
//! This crate is the binary's library half: configuration ([`Config`], figment), the public
//! HTTP edge ([`Edge`], a pingora `ProxyHttp`) and the assembly of the pingora server
//! ([`build_server`]). The wire contract itself lives in `ucs-model`; `main.rs` only parses the
//! command line and hands over.
//!
//! The flow of one history request: pingora accepts the connection, `Edge::request_filter`
//! recognises the URL, reads the bounded body, lets `ucs_model::parse_request` validate and
//! normalize it, looks the query up in the history service's cache, and answers at once with
//! `{"statusCode":0,"referenceId":N}` (and `X-Cache`) or the GWS error; the result is then
//! resolved and delivered over CometD. The admin listener ([`Admin`]) serves metrics, cache
//! purges, health and reload.
#![deny(missing_docs)]

mod admin;
mod app;
mod auth;
mod backends;
mod background;
mod change_feeds;
mod client_drops;
mod cluster;
mod config;
mod connection;
mod cors;
mod drain;
mod edge;
mod http_io;
mod labels;
mod logging;
mod metrics;
mod reference;
mod reload;
mod server;
mod upstream;

pub use admin::Admin;
pub use app::App;
pub use auth::{
    hash_password, AuthError, AuthSetupError, Authenticated, Authenticator, Credentials, Principal,
    SESSION_COOKIE,
};
pub use backends::{library_path, load_backends, BackendSetupError, LoadedBackends};
pub use background::Housekeeping;
pub use change_feeds::ChangeFeeds;
pub use cluster::ClusterService;
/// The documented defaults of the configuration.
pub use config::defaults::*;
pub use config::{
    AdminConfig, AdmissionConfig, ApiConfig, AuthConfig, AuthMode, BackendConfig, CacheConfig,
    ClusterConfig, CometdConfig, Config, ConfigError, CorsConfig, LimitsConfig, LogConfig,
    LogFormat, ServerConfig, UpstreamConfig, UpstreamSelection, UserConfig, ENV_CONFIG_FILE,
    ENV_PREFIX,
};
pub use edge::{Edge, RequestLog};
pub use logging::{init_logging, LogError, LogHandle};
pub use reference::ReferenceIds;
pub use reload::{ReloadError, ReloadReport, Reloader};
pub use server::{build_server, Start, StartupError};
pub use upstream::{UpstreamSetupError, AFFINITY_COOKIE};
