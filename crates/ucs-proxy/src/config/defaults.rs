//! The documented defaults of the configuration, as named constants (the README's table and
//! `config/default.toml` say the same).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// Default public listener (API and CometD).
pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::new(LOCALHOST, 8080);
/// Default admin listener (metrics, cache, health, reload).
pub const DEFAULT_ADMIN_LISTEN: SocketAddr = SocketAddr::new(LOCALHOST, 9091);
/// Default worker threads of the public service.
pub const DEFAULT_THREADS: usize = 2;
/// Default time a stopping process keeps running after its listeners close (above the default
/// backend timeout, so the results still owed are delivered).
pub const DEFAULT_GRACE_PERIOD: Duration = Duration::from_secs(6);
/// Default socket of the graceful upgrade's hand-over of listening sockets.
pub const DEFAULT_UPGRADE_SOCK: &str = "/tmp/ucs-proxy-upgrade.sock";
/// Default time in-flight requests get at shutdown.
pub const DEFAULT_GRACEFUL_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);
/// Default base of absolute `uri` values in results.
pub const DEFAULT_PUBLIC_BASE_URL: &str = "http://127.0.0.1:8080";
/// Default bound on a request body.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;
/// Default time allowed to receive a whole request body.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_millis(10_000);
/// Default time allowed to receive a whole request body, in milliseconds (the key's unit).
pub const DEFAULT_BODY_READ_TIMEOUT_MS: u64 = 10_000;
/// Default time allowed to receive a whole request head.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_millis(10_000);
/// Default time after a passed-through UCS write when its answers are dropped again.
pub const DEFAULT_WRITE_SETTLE: Duration = Duration::from_millis(2000);
/// Default idle lifetime of a proxy session (static authentication).
pub const DEFAULT_SESSION_IDLE_TIMEOUT: Duration = Duration::from_secs(1800);
/// Default time a principal the upstream confirmed is reused.
pub const DEFAULT_UPSTREAM_AUTH_CACHE: Duration = Duration::from_secs(30);
/// Default time the upstream's `/api/v2/me` may take.
pub const DEFAULT_UPSTREAM_AUTH_TIMEOUT: Duration = Duration::from_millis(3000);
/// Default interval of the upstream nodes' health checks.
pub const DEFAULT_HEALTH_CHECK_INTERVAL: Duration = Duration::from_millis(5000);
/// Default time a backend query may take.
pub const DEFAULT_BACKEND_TIMEOUT: Duration = Duration::from_millis(5000);
/// Default `tracing` filter.
pub const DEFAULT_LOG_LEVEL: &str = "info";
/// Request headers a cross-origin page may send by default.
pub const DEFAULT_CORS_HEADERS: [&str; 4] = [
    "Authorization",
    "Content-Type",
    "X-CSRF-TOKEN",
    "X-Requested-With",
];
/// Default lifetime of a preflight answer in browsers.
pub const DEFAULT_CORS_MAX_AGE: Duration = Duration::from_secs(600);
/// Failed logins per source and per user before waits begin.
pub const DEFAULT_LOGIN_FREE_ATTEMPTS: u32 = 5;
/// The longest wait after failed logins.
pub const DEFAULT_LOGIN_MAX_WAIT: Duration = Duration::from_secs(300);
