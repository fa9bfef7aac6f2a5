//! `ucs-history-proxy`: a caching reverse proxy for the GWS interaction-history API.
//!
//! This crate is the binary's library half: configuration ([`Config`], figment), the public
//! HTTP edge ([`Edge`], a pingora `ProxyHttp`) and the assembly of the pingora server
//! ([`build_server`]). The wire contract itself lives in `ucs-model`; `main.rs` only parses the
//! command line and hands over.
//!
//! The flow of one history request: pingora accepts the connection, `Edge::request_filter`
//! recognises the URL, reads the bounded body, lets `ucs_model::parse_request` validate and
//! normalize it, and answers at once with `{"statusCode":0,"referenceId":N}` or the GWS error.
#![deny(missing_docs)]

mod auth;
mod backends;
mod background;
mod config;
mod edge;
mod logging;
mod reference;
mod server;

pub use auth::{
    hash_password, AuthError, Authenticated, Authenticator, Credentials, Principal, SESSION_COOKIE,
};
pub use backends::{library_path, load_backends};
pub use background::Housekeeping;
pub use config::{
    ApiConfig, AuthConfig, CometdConfig, Config, ConfigError, LimitsConfig, LogConfig, LogFormat,
    ServerConfig, UserConfig, DEFAULT_BODY_READ_TIMEOUT_MS, DEFAULT_LISTEN, DEFAULT_MAX_BODY_BYTES,
    DEFAULT_PUBLIC_BASE_URL, ENV_CONFIG_FILE, ENV_PREFIX,
};
pub use edge::{App, Edge};
pub use logging::init_logging;
pub use reference::ReferenceIds;
pub use server::build_server;
