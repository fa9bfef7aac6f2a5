//! The plugin's configuration (`[backends.config]`, as JSON), with its defaults.

use serde::Deserialize;
use std::time::Duration;

/// Default time allowed for one HTTP call to the upstream (not the long-poll).
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 5_000;
/// Default time to wait for the upstream's notification after its ack.
pub const DEFAULT_RESULT_TIMEOUT_MS: u64 = 20_000;
/// Consecutive failures that open the circuit by default.
pub const DEFAULT_BREAKER_FAILURES: u32 = 5;
/// Default time an open circuit fails fast before one trial call.
pub const DEFAULT_BREAKER_COOLDOWN_MS: u64 = 10_000;
/// First pause after a failed CometD exchange; doubled up to the maximum.
pub const DEFAULT_BACKOFF_MIN_MS: u64 = 250;
/// Longest pause between CometD attempts.
pub const DEFAULT_BACKOFF_MAX_MS: u64 = 10_000;

/// One service account: the upstream user the relay logs in as for one tenant.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// The tenant (contact centre id) whose queries this account answers. The upstream's
    /// `GET /api/v2/me` must name the same contact centre (when it names one).
    pub tenant: String,
    /// Login name.
    pub user_name: String,
    /// Password.
    pub password: String,
}

/// The whole configuration.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The GWS node (or its sticky load balancer): `http://host:port`.
    pub base_url: String,
    /// The service accounts, one per tenant served.
    pub accounts: Vec<Account>,
    /// The upstream's time zone: dates are sent to it as `yyyy-MM-dd` in this zone (default UTC;
    /// set it to the proxy's `api.time_zone`, which must be the upstream's).
    #[serde(default = "utc")]
    pub time_zone: String,
    /// Milliseconds for one HTTP call (default 5000).
    #[serde(default = "default_request_timeout_ms")]
    pub request_timeout_ms: u64,
    /// Milliseconds to wait for the notification after the ack (default 20000; keep it under the
    /// backend's `timeout_ms`).
    #[serde(default = "default_result_timeout_ms")]
    pub result_timeout_ms: u64,
    /// Consecutive failures that open the circuit (default 5).
    #[serde(default = "default_breaker_failures")]
    pub breaker_failures: u32,
    /// Milliseconds an open circuit fails fast (default 10000).
    #[serde(default = "default_breaker_cooldown_ms")]
    pub breaker_cooldown_ms: u64,
    /// First CometD retry pause, ms (default 250), doubled per failure.
    #[serde(default = "default_backoff_min_ms")]
    pub backoff_min_ms: u64,
    /// Longest CometD retry pause, ms (default 10000).
    #[serde(default = "default_backoff_max_ms")]
    pub backoff_max_ms: u64,
}

fn utc() -> String {
    "UTC".to_owned()
}
fn default_request_timeout_ms() -> u64 {
    DEFAULT_REQUEST_TIMEOUT_MS
}
fn default_result_timeout_ms() -> u64 {
    DEFAULT_RESULT_TIMEOUT_MS
}
fn default_breaker_failures() -> u32 {
    DEFAULT_BREAKER_FAILURES
}
fn default_breaker_cooldown_ms() -> u64 {
    DEFAULT_BREAKER_COOLDOWN_MS
}
fn default_backoff_min_ms() -> u64 {
    DEFAULT_BACKOFF_MIN_MS
}
fn default_backoff_max_ms() -> u64 {
    DEFAULT_BACKOFF_MAX_MS
}

impl Config {
    /// Checks what types alone cannot.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://")) {
            return Err("base_url must start with http:// or https://".into());
        }
        if self.base_url.starts_with("https://") {
            return Err("https upstreams are not supported by this build: terminate TLS in front of GWS or use http on the internal network".into());
        }
        if self.accounts.is_empty() {
            return Err("accounts: at least one service account is needed".into());
        }
        let mut tenants: Vec<&str> = self.accounts.iter().map(|a| a.tenant.as_str()).collect();
        tenants.sort_unstable();
        if tenants.windows(2).any(|w| w[0] == w[1]) {
            return Err("accounts: one account per tenant".into());
        }
        if self.request_timeout_ms == 0 || self.result_timeout_ms == 0 {
            return Err("request_timeout_ms and result_timeout_ms must be at least 1".into());
        }
        if self.breaker_failures == 0 {
            return Err("breaker_failures must be at least 1".into());
        }
        if self.backoff_min_ms == 0 || self.backoff_max_ms < self.backoff_min_ms {
            return Err("backoff_min_ms must be at least 1 and at most backoff_max_ms".into());
        }
        Ok(())
    }

    /// The base URL without a trailing slash.
    pub fn base(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }

    /// One HTTP call's timeout.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }
}
