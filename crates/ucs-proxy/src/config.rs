//! The proxy's configuration: one struct, loaded with figment from a TOML file and
//! `UCS_PROXY_`-prefixed environment variables (`UCS_PROXY_SERVER__LISTEN=127.0.0.1:9000`).
//!
//! Every field has a documented default, so an empty file is a valid configuration, and unknown
//! keys are refused so that a typo never silently falls back to a default.

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use ucs_history::{CachePolicy, ScopeKind};
use ucs_model::{MediaType, Tz};

/// The prefix of environment overrides; `__` separates nested keys.
pub const ENV_PREFIX: &str = "UCS_PROXY_";
/// The environment variable that may name the configuration file (not a configuration key).
pub const ENV_CONFIG_FILE: &str = "UCS_PROXY_CONFIG";

/// Default public listener (API and, later, CometD).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Default admin listener (metrics, cache, health, reload).
pub const DEFAULT_ADMIN_LISTEN: &str = "127.0.0.1:9091";
/// Default base of absolute `uri` values in results.
pub const DEFAULT_PUBLIC_BASE_URL: &str = "http://127.0.0.1:8080";
/// Default bound on a request body.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;
/// Default time allowed to receive a whole request body.
pub const DEFAULT_BODY_READ_TIMEOUT_MS: u64 = 10_000;

/// Why a configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The named file does not exist.
    #[error("configuration file {0} does not exist")]
    Missing(PathBuf),
    /// The file or an environment override could not be read into the struct.
    #[error("invalid configuration: {0}")]
    Invalid(#[from] Box<figment::Error>),
    /// A value was read but makes no sense.
    #[error("invalid configuration: {key}: {reason}")]
    Value {
        /// The dotted key, e.g. `server.listen`.
        key: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

/// The whole configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Listeners and worker threads.
    pub server: ServerConfig,
    /// How the API presents itself.
    pub api: ApiConfig,
    /// Bounds on what a client may send.
    pub limits: LimitsConfig,
    /// The CometD server.
    pub cometd: CometdConfig,
    /// Who may call.
    pub auth: AuthConfig,
    /// The result cache.
    pub cache: CacheConfig,
    /// The admin listener (metrics, cache, health, reload).
    pub admin: AdminConfig,
    /// The GWS nodes every route that is not ours is forwarded to.
    pub upstream: UpstreamConfig,
    /// The backend plugins (`[[backends]]`), in order.
    pub backends: Vec<BackendConfig>,
    /// Logging.
    pub log: LogConfig,
}

/// `[server]`: where the proxy listens and how it runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Public listener for the GWS API (default `127.0.0.1:8080`).
    pub listen: String,
    /// Worker threads of the public service (default 2).
    pub threads: usize,
    /// Seconds a shutting-down process keeps serving before it stops accepting (default 1).
    pub grace_period_seconds: u64,
    /// Seconds in-flight requests get to finish at shutdown (default 5).
    pub graceful_shutdown_timeout_seconds: u64,
    /// Whether idle worker threads take tasks from busy ones (default true, pingora's default);
    /// false keeps each connection's work on one thread, fewer cross-thread wake-ups.
    pub work_stealing: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: DEFAULT_LISTEN.to_owned(),
            threads: 2,
            grace_period_seconds: 1,
            graceful_shutdown_timeout_seconds: 5,
            work_stealing: true,
        }
    }
}

/// `[cache]`: the result cache (see the README's "Tuning the cache").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    /// Whether results are cached (default true); false sends every query to the backends.
    pub enabled: bool,
    /// Who shares entries: `user` (default) or `tenant` (users of one contact centre).
    pub scope: ScopeKind,
    /// Byte budget of the cache (default 268435456 = 256 MiB), results weighed as JSON.
    pub max_bytes: u64,
    /// Seconds a result is fresh (default 60).
    pub ttl_seconds: u64,
    /// Seconds an empty result is fresh (default 5; never more than the TTL).
    pub empty_ttl_seconds: u64,
    /// Seconds past freshness a result is still served while one background refresh runs
    /// (default 30; 0 turns stale serving off).
    pub stale_while_revalidate_seconds: u64,
    /// Per media type TTL in seconds (`[cache.media_ttl_seconds] chat = 10`), overriding
    /// `ttl_seconds`; none by default.
    pub media_ttl_seconds: BTreeMap<MediaType, u64>,
}

impl Default for CacheConfig {
    fn default() -> Self {
        let policy = CachePolicy::default();
        Self {
            enabled: policy.enabled,
            scope: policy.scope,
            max_bytes: policy.max_bytes,
            ttl_seconds: policy.ttl.as_secs(),
            empty_ttl_seconds: policy.empty_ttl.as_secs(),
            stale_while_revalidate_seconds: policy.stale_while_revalidate.as_secs(),
            media_ttl_seconds: BTreeMap::new(),
        }
    }
}

impl CacheConfig {
    /// The service's cache policy.
    pub fn to_policy(&self) -> CachePolicy {
        CachePolicy {
            enabled: self.enabled,
            scope: self.scope,
            max_bytes: self.max_bytes,
            ttl: Duration::from_secs(self.ttl_seconds),
            media_ttl: self
                .media_ttl_seconds
                .iter()
                .map(|(media, secs)| (*media, Duration::from_secs(*secs)))
                .collect(),
            empty_ttl: Duration::from_secs(self.empty_ttl_seconds),
            stale_while_revalidate: Duration::from_secs(self.stale_while_revalidate_seconds),
        }
    }
}

/// `[upstream]`: the existing GWS nodes behind the proxy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpstreamConfig {
    /// `host:port` of each GWS node; none by default (routes that are not ours get the GWS
    /// `Invalid operation` answer).
    pub servers: Vec<String>,
    /// `session_hash` (default: consistent hashing on `JSESSIONID`, so a GWS session and its CSRF
    /// token stay on one node) or `round_robin`.
    pub selection: UpstreamSelection,
    /// Milliseconds between active TCP health checks of every node (default 5000).
    pub health_check_interval_ms: u64,
}

impl Default for UpstreamConfig {
    fn default() -> Self {
        Self {
            servers: Vec::new(),
            selection: UpstreamSelection::SessionHash,
            health_check_interval_ms: 5000,
        }
    }
}

/// How an upstream node is chosen for a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpstreamSelection {
    /// Consistent hashing on the `JSESSIONID` cookie (the client address without one).
    SessionHash,
    /// The next healthy node.
    RoundRobin,
}

/// `[admin]`: the operator's listener, off the public port.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminConfig {
    /// Whether the admin listener runs (default true).
    pub enabled: bool,
    /// Its address (default `127.0.0.1:9091`); keep it off public interfaces.
    pub listen: String,
}

impl Default for AdminConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            listen: DEFAULT_ADMIN_LISTEN.to_owned(),
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
    pub time_zone: String,
    /// Whether a failed notification says why: `Request failed: <reason>` instead of GWS's bare
    /// `Request failed` (default false: reasons may name internal systems).
    pub verbose_errors: bool,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            public_base_url: DEFAULT_PUBLIC_BASE_URL.to_owned(),
            time_zone: "UTC".to_owned(),
            verbose_errors: false,
        }
    }
}

/// `[cometd]`: the Bayeux server at `/api/v2/notifications`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CometdConfig {
    /// How long a `/meta/connect` is held, ms (default 30000).
    pub timeout_ms: u64,
    /// Advised pause between connects, ms (default 0).
    pub interval_ms: u64,
    /// How long a session survives without a connect, ms (default 10000).
    pub max_interval_ms: u64,
    /// Messages queued per session before the oldest is dropped (default 1000).
    pub max_queue: usize,
    /// Held connects per browser before `multiple-clients` advice (default 1).
    pub max_sessions_per_browser: usize,
    /// Poll interval advised past that limit, ms (default 2000).
    pub multi_session_interval_ms: u64,
    /// Offer the `websocket` transport (default false: GWS serves long-polling only).
    pub websocket: bool,
}

impl Default for CometdConfig {
    fn default() -> Self {
        let d = ucs_cometd::BayeuxConfig::default();
        Self {
            timeout_ms: d.timeout.as_millis() as u64,
            interval_ms: d.interval.as_millis() as u64,
            max_interval_ms: d.max_interval.as_millis() as u64,
            max_queue: d.max_queue,
            max_sessions_per_browser: d.max_sessions_per_browser,
            multi_session_interval_ms: d.multi_session_interval.as_millis() as u64,
            websocket: d.websocket,
        }
    }
}

impl CometdConfig {
    /// The engine settings.
    pub fn to_bayeux(&self) -> ucs_cometd::BayeuxConfig {
        ucs_cometd::BayeuxConfig {
            timeout: std::time::Duration::from_millis(self.timeout_ms),
            interval: std::time::Duration::from_millis(self.interval_ms),
            max_interval: std::time::Duration::from_millis(self.max_interval_ms),
            max_queue: self.max_queue,
            max_sessions_per_browser: self.max_sessions_per_browser,
            multi_session_interval: std::time::Duration::from_millis(
                self.multi_session_interval_ms,
            ),
            websocket: self.websocket,
            ..ucs_cometd::BayeuxConfig::default()
        }
    }
}

/// `[auth]`: who may call — the static user list (HTTP Basic, then a `JSESSIONID` session of the
/// proxy's), or the upstream GWS (`mode = "upstream"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// `static` (default: `[[auth.users]]`) or `upstream` (the `[upstream]` GWS checks each
    /// caller's credentials with `GET /api/v2/me?subresources=features`).
    pub mode: AuthMode,
    /// Seconds an unused session lives (static mode; default 1800).
    pub session_idle_timeout_seconds: u64,
    /// The users (`[[auth.users]]`, static mode); none by default.
    pub users: Vec<UserConfig>,
    /// Seconds a principal the upstream confirmed is reused without asking again (upstream mode;
    /// default 30). A password changed or a user disabled upstream takes this long to show.
    pub upstream_cache_seconds: u64,
    /// Milliseconds the upstream's `/api/v2/me` may take (upstream mode; default 3000).
    pub upstream_timeout_ms: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            mode: AuthMode::Static,
            session_idle_timeout_seconds: 1800,
            users: Vec::new(),
            upstream_cache_seconds: 30,
            upstream_timeout_ms: 3000,
        }
    }
}

/// Who authenticates callers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMode {
    /// The proxy, against `[[auth.users]]`.
    Static,
    /// The upstream GWS, through `GET /api/v2/me`.
    Upstream,
}

/// One `[[auth.users]]` entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// Login name.
    pub user_name: String,
    /// argon2id PHC string, from `ucs-proxy hash-password`.
    pub password_hash: String,
    /// GWS user id (32 hex digits).
    pub id: String,
    /// Tenant (contact centre id).
    pub tenant: String,
    /// First name.
    #[serde(default)]
    pub first_name: String,
    /// Last name.
    #[serde(default)]
    pub last_name: String,
    /// Enabled features (`api-ucs-voice`, `api-multimedia-chat`, …).
    #[serde(default)]
    pub features: Vec<String>,
}

/// `[limits]`: bounds on requests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Largest accepted request body in bytes (default 65536); larger bodies get HTTP 413.
    pub max_body_bytes: usize,
    /// Milliseconds allowed to receive a whole body (default 10000); slower ones get HTTP 408.
    pub body_read_timeout_ms: u64,
    /// Largest accepted `maxSize` (default 1000); a larger value is an error, not cut.
    pub max_size: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            body_read_timeout_ms: DEFAULT_BODY_READ_TIMEOUT_MS,
            max_size: ucs_model::DEFAULT_MAX_SIZE_LIMIT,
        }
    }
}

/// One `[[backends]]` entry: a plugin library and what it serves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendConfig {
    /// The plugin library; a relative path is resolved next to the proxy binary.
    pub library: PathBuf,
    /// The media types it serves here; empty (default) means all that the plugin declares.
    #[serde(default)]
    pub media_types: Vec<ucs_model::MediaType>,
    /// Milliseconds a query may take before it fails (default 5000).
    #[serde(default = "default_backend_timeout_ms")]
    pub timeout_ms: u64,
    /// The plugin's own configuration, handed to it as JSON.
    #[serde(default = "empty_object")]
    pub config: serde_json::Value,
}

fn default_backend_timeout_ms() -> u64 {
    5000
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(Default::default())
}

/// `[log]`: what is logged and how.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// A `tracing` filter, e.g. `info` or `ucs_proxy=debug,pingora=warn` (default `info`).
    pub level: String,
    /// `human` or `json` (default `human`).
    pub format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".to_owned(),
            format: LogFormat::Human,
        }
    }
}

/// The shape of log lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One readable line per event.
    Human,
    /// One JSON object per event.
    Json,
}

impl Config {
    /// Loads the configuration: defaults, then `file` (which must exist when given), then
    /// environment overrides; then checks the values.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.is_file() {
                return Err(ConfigError::Missing(path.to_owned()));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        Self::from_figment(figment.merge(Env::prefixed(ENV_PREFIX).split("__").ignore(&["config"])))
    }

    fn from_figment(figment: Figment) -> Result<Config, ConfigError> {
        let config: Config = figment.extract().map_err(Box::new)?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what types alone cannot: addresses, the time zone, non-zero limits.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.listen_addr()?;
        self.admin_addr()?;
        self.time_zone()?;
        let value = |key, reason: &str| {
            Err(ConfigError::Value {
                key,
                reason: reason.to_owned(),
            })
        };
        if self.server.threads == 0 {
            return value("server.threads", "must be at least 1");
        }
        if !(self.api.public_base_url.starts_with("http://")
            || self.api.public_base_url.starts_with("https://"))
        {
            return value("api.public_base_url", "must start with http:// or https://");
        }
        if self.limits.max_body_bytes == 0 {
            return value("limits.max_body_bytes", "must be at least 1");
        }
        if self.limits.body_read_timeout_ms == 0 {
            return value("limits.body_read_timeout_ms", "must be at least 1");
        }
        if self.limits.max_size == 0 {
            return value("limits.max_size", "must be at least 1");
        }
        if self.cometd.timeout_ms == 0 || self.cometd.max_interval_ms == 0 {
            return value(
                "cometd",
                "timeout_ms and max_interval_ms must be at least 1",
            );
        }
        if self.cometd.max_queue == 0 || self.cometd.max_sessions_per_browser == 0 {
            return value(
                "cometd",
                "max_queue and max_sessions_per_browser must be at least 1",
            );
        }
        if self.upstream.health_check_interval_ms == 0 {
            return value("upstream.health_check_interval_ms", "must be at least 1");
        }
        if self.cache.max_bytes == 0 {
            return value(
                "cache.max_bytes",
                "must be at least 1 (use cache.enabled = false)",
            );
        }
        if self.auth.mode == AuthMode::Upstream && self.upstream.servers.is_empty() {
            return value("auth.mode", "\"upstream\" needs [upstream] servers");
        }
        if self.auth.upstream_cache_seconds == 0 || self.auth.upstream_timeout_ms == 0 {
            return value(
                "auth",
                "upstream_cache_seconds and upstream_timeout_ms must be at least 1",
            );
        }
        crate::auth::Authenticator::check_config(&self.auth)?;
        Ok(())
    }

    /// The admin listener's address.
    pub fn admin_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.admin
            .listen
            .parse()
            .map_err(|e: std::net::AddrParseError| ConfigError::Value {
                key: "admin.listen",
                reason: e.to_string(),
            })
    }

    /// The public listener's address.
    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.server
            .listen
            .parse()
            .map_err(|e: std::net::AddrParseError| ConfigError::Value {
                key: "server.listen",
                reason: e.to_string(),
            })
    }

    /// The configured time zone.
    pub fn time_zone(&self) -> Result<Tz, ConfigError> {
        self.api.time_zone.parse().map_err(|_| ConfigError::Value {
            key: "api.time_zone",
            reason: format!("{:?} is not an IANA time zone", self.api.time_zone),
        })
    }

    /// The effective configuration as TOML, as `ucs-proxy check` prints it.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("the configuration always serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_str(toml: &str) -> Result<Config, ConfigError> {
        Config::from_figment(
            Figment::from(Serialized::defaults(Config::default())).merge(Toml::string(toml)),
        )
    }

    #[test]
    fn an_empty_file_gives_the_documented_defaults() {
        let config = load_str("").unwrap();
        assert_eq!(config, Config::default());
        assert_eq!(config.server.listen, "127.0.0.1:8080");
        assert_eq!(config.limits.max_body_bytes, 65536);
        assert_eq!(config.limits.max_size, 1000);
        assert_eq!(config.time_zone().unwrap(), Tz::UTC);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        assert!(matches!(
            load_str("[server]\nlisen = \"x\""),
            Err(ConfigError::Invalid(_))
        ));
        assert!(matches!(
            load_str("[server]\nlisten = \"nowhere\""),
            Err(ConfigError::Value {
                key: "server.listen",
                ..
            })
        ));
        assert!(matches!(
            load_str("[api]\ntime_zone = \"Mars/Olympus\""),
            Err(ConfigError::Value {
                key: "api.time_zone",
                ..
            })
        ));
        assert!(matches!(
            load_str("[limits]\nmax_size = 0"),
            Err(ConfigError::Value {
                key: "limits.max_size",
                ..
            })
        ));
    }

    #[test]
    // figment's Jail closure returns figment's own (large) error type; not ours to shrink.
    #[allow(clippy::result_large_err)]
    fn environment_overrides_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("proxy.toml", "[server]\nlisten = \"127.0.0.1:1111\"\n")?;
            jail.set_env("UCS_PROXY_SERVER__LISTEN", "127.0.0.1:2222");
            jail.set_env("UCS_PROXY_LIMITS__MAX_SIZE", "50");
            jail.set_env("UCS_PROXY_CONFIG", "proxy.toml");
            let config = Config::load(Some(Path::new("proxy.toml"))).unwrap();
            assert_eq!(config.server.listen, "127.0.0.1:2222");
            assert_eq!(config.limits.max_size, 50);
            Ok(())
        });
    }

    #[test]
    fn every_cometd_key_reaches_the_engine() {
        let config = load_str(
            "[cometd]\ntimeout_ms = 1\ninterval_ms = 2\nmax_interval_ms = 3\nmax_queue = 4\n\
             max_sessions_per_browser = 5\nmulti_session_interval_ms = 6\nwebsocket = true\n",
        )
        .unwrap();
        let engine = config.cometd.to_bayeux();
        let ms = std::time::Duration::from_millis;
        assert_eq!(
            (
                engine.timeout,
                engine.interval,
                engine.max_interval,
                engine.max_queue
            ),
            (ms(1), ms(2), ms(3), 4)
        );
        assert_eq!(engine.max_sessions_per_browser, 5);
        assert_eq!(engine.multi_session_interval, ms(6));
        assert!(engine.websocket);
    }

    #[test]
    fn every_cache_key_reaches_the_policy() {
        let config = load_str(
            "[cache]\nenabled = false\nscope = \"tenant\"\nmax_bytes = 1024\nttl_seconds = 7\n\
             empty_ttl_seconds = 2\nstale_while_revalidate_seconds = 0\n\
             [cache.media_ttl_seconds]\nchat = 3\n",
        )
        .unwrap();
        let policy = config.cache.to_policy();
        let s = std::time::Duration::from_secs;
        assert!(!policy.enabled);
        assert_eq!(policy.scope, ScopeKind::Tenant);
        assert_eq!(policy.max_bytes, 1024);
        assert_eq!(
            (policy.ttl, policy.empty_ttl, policy.stale_while_revalidate),
            (s(7), s(2), s(0))
        );
        assert_eq!(policy.fresh_for(MediaType::Chat, false), s(3));
        assert_eq!(
            load_str("").unwrap().cache.to_policy(),
            CachePolicy::default()
        );
    }

    #[test]
    fn cache_and_admin_values_are_checked() {
        assert!(matches!(
            load_str("[cache]\nscope = \"everyone\""),
            Err(ConfigError::Invalid(_))
        ));
        assert!(matches!(
            load_str("[cache]\nmax_bytes = 0"),
            Err(ConfigError::Value {
                key: "cache.max_bytes",
                ..
            })
        ));
        assert!(matches!(
            load_str("[cache.media_ttl_seconds]\nfax = 3"),
            Err(ConfigError::Invalid(_))
        ));
        assert!(matches!(
            load_str("[admin]\nlisten = \"nowhere\""),
            Err(ConfigError::Value {
                key: "admin.listen",
                ..
            })
        ));
    }

    #[test]
    fn a_missing_file_is_an_error_not_the_defaults() {
        assert!(matches!(
            Config::load(Some(Path::new("/nonexistent/proxy.toml"))),
            Err(ConfigError::Missing(_))
        ));
    }
}
