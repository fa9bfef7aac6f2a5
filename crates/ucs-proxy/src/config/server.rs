//! `[server]`, `[api]`, `[limits]` and `[admin]`: where the proxy listens and what it accepts.

use super::defaults::*;
use super::units;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::time::Duration;
use ucs_model::Tz;

/// `[server]`: where the proxy listens and how it runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Public listener for the GWS API (default `127.0.0.1:8080`).
    pub listen: SocketAddr,
    /// Worker threads of the public service (default 2).
    pub threads: usize,
    /// How long a stopping process keeps running once its listeners are closed (default 6 s):
    /// in-flight requests finish, the results still owed are delivered, then the CometD
    /// sessions are handed over (the last second). Keep it above the backends' timeout.
    #[serde(rename = "grace_period_seconds", with = "units::seconds")]
    pub grace_period: Duration,
    /// How long blocking work gets after the grace period before the process exits (default
    /// 5 s).
    #[serde(rename = "graceful_shutdown_timeout_seconds", with = "units::seconds")]
    pub graceful_shutdown_timeout: Duration,
    /// The Unix socket over which a new process (`ucs-proxy --upgrade`) takes the listening
    /// sockets from the running one, sent SIGQUIT (default `/tmp/ucs-proxy-upgrade.sock`).
    pub upgrade_sock: String,
    /// Whether idle worker threads take tasks from busy ones (default true, pingora's default);
    /// false keeps each connection's work on one thread, fewer cross-thread wake-ups. With one
    /// thread there is nothing to steal from: see [`ServerConfig::steals_work`].
    pub work_stealing: bool,
}

impl ServerConfig {
    /// Whether the workers run tokio's work-stealing scheduler: only with `work_stealing` and
    /// more than one thread. One thread runs the single-threaded scheduler, whatever
    /// `work_stealing` says: the same work without the shared queues' atomics and locks (a
    /// fan-out to 10 000 sessions takes about a third less CPU: `benches/load/longpoll.sh`).
    pub fn steals_work(&self) -> bool {
        self.work_stealing && self.threads > 1
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: DEFAULT_LISTEN,
            threads: DEFAULT_THREADS,
            grace_period: DEFAULT_GRACE_PERIOD,
            graceful_shutdown_timeout: DEFAULT_GRACEFUL_SHUTDOWN_TIMEOUT,
            upgrade_sock: DEFAULT_UPGRADE_SOCK.to_owned(),
            work_stealing: true,
        }
    }
}

/// `[api]`: how results are presented.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiConfig {
    /// Base of the absolute `uri` of each interaction (default `http://127.0.0.1:8080`).
    pub public_base_url: String,
    /// IANA time zone of dates, both in requests (`yyyy-MM-dd`, "today") and results
    /// (default `UTC`).
    #[serde(with = "units::time_zone")]
    pub time_zone: Tz,
    /// Whether a failed notification says why: `Request failed: <reason>` instead of GWS's bare
    /// `Request failed` (default false: reasons may name internal systems).
    pub verbose_errors: bool,
    /// Cross-origin access to the routes the proxy serves itself (`[api.cors]`).
    pub cors: CorsConfig,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            public_base_url: DEFAULT_PUBLIC_BASE_URL.to_owned(),
            time_zone: Tz::UTC,
            verbose_errors: false,
            cors: CorsConfig::default(),
        }
    }
}

/// `[api.cors]`: which other origins' pages may call the history operations and
/// `/api/v2/notifications` (passthrough routes keep whatever GWS answers).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CorsConfig {
    /// Origins allowed, exactly as browsers send them (`https://desktop.example.com`); none by
    /// default: no cross-origin access, as before.
    pub allowed_origins: Vec<String>,
    /// Whether those pages may send cookies and credentials (default true: GWS desktops
    /// authenticate with the `JSESSIONID` cookie).
    pub allow_credentials: bool,
    /// Request headers a page may send (default `Authorization`, `Content-Type`,
    /// `X-CSRF-TOKEN`, `X-Requested-With`).
    pub allowed_headers: Vec<String>,
    /// How long a browser may reuse a preflight answer (default 600 s).
    #[serde(rename = "max_age_seconds", with = "units::seconds")]
    pub max_age: Duration,
}

impl Default for CorsConfig {
    fn default() -> Self {
        Self {
            allowed_origins: Vec::new(),
            allow_credentials: true,
            allowed_headers: DEFAULT_CORS_HEADERS
                .iter()
                .map(|h| (*h).to_owned())
                .collect(),
            max_age: DEFAULT_CORS_MAX_AGE,
        }
    }
}

/// `[limits]`: bounds on requests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Largest accepted request body in bytes (default 65536); larger bodies get HTTP 413.
    #[serde(with = "units::bytes")]
    pub max_body_bytes: usize,
    /// Time allowed to receive a whole body (default 10 s); slower ones get HTTP 408.
    #[serde(rename = "body_read_timeout_ms", with = "units::millis")]
    pub body_read_timeout: Duration,
    /// Time allowed to receive a whole request head, from its first byte (default 10 s); slower
    /// ones get HTTP 408 and the connection closes.
    #[serde(rename = "header_read_timeout_ms", with = "units::millis")]
    pub header_read_timeout: Duration,
    /// Largest accepted `maxSize` (default 1000); a larger value is an error, not cut.
    pub max_size: u32,
    /// Most entries accepted in `customAttributes` and in `searchCustomAttributes` (default 100);
    /// more is an error before the ack, never a store failure after it.
    pub max_attributes: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            max_size: ucs_model::DEFAULT_MAX_SIZE_LIMIT,
            max_attributes: ucs_model::DEFAULT_MAX_ATTRIBUTES,
        }
    }
}

/// `[admin]`: the operator's listener, off the public port.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminConfig {
    /// Whether the admin listener runs (default true).
    pub enabled: bool,
    /// Its address (default `127.0.0.1:9091`); keep it off public interfaces.
    pub listen: SocketAddr,
}

impl Default for AdminConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            listen: DEFAULT_ADMIN_LISTEN,
        }
    }
}
