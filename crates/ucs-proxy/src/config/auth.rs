//! `[auth]`: who may call.

use super::defaults::*;
use super::units;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// `[auth]`: who may call — the static user list (HTTP Basic, then a `JSESSIONID` session of the
/// proxy's), or the upstream GWS (`mode = "upstream"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// `static` (default: `[[auth.users]]`) or `upstream` (the `[upstream]` GWS checks each
    /// caller's credentials with `GET /api/v2/me?subresources=features`).
    pub mode: AuthMode,
    /// How long an unused session lives (static mode; default 1800 s).
    #[serde(rename = "session_idle_timeout_seconds", with = "units::seconds")]
    pub session_idle_timeout: Duration,
    /// The users (`[[auth.users]]`, static mode); none by default.
    pub users: Vec<UserConfig>,
    /// How long a principal the upstream confirmed is reused without asking again (upstream
    /// mode; default 30 s). A password changed or a user disabled upstream takes this long to
    /// show.
    #[serde(rename = "upstream_cache_seconds", with = "units::seconds")]
    pub upstream_cache: Duration,
    /// How long the upstream's `/api/v2/me` may take (upstream mode; default 3 s).
    #[serde(rename = "upstream_timeout_ms", with = "units::millis")]
    pub upstream_timeout: Duration,
    /// Failed Basic logins per source address and per user name before waits begin
    /// (default 5); each further failure doubles the wait (1 s, 2 s, 4 s, …).
    pub login_free_attempts: u32,
    /// The longest wait after failed logins (default 300 s).
    #[serde(rename = "login_max_wait_seconds", with = "units::seconds")]
    pub login_max_wait: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            mode: AuthMode::Static,
            session_idle_timeout: DEFAULT_SESSION_IDLE_TIMEOUT,
            users: Vec::new(),
            upstream_cache: DEFAULT_UPSTREAM_AUTH_CACHE,
            upstream_timeout: DEFAULT_UPSTREAM_AUTH_TIMEOUT,
            login_free_attempts: DEFAULT_LOGIN_FREE_ATTEMPTS,
            login_max_wait: DEFAULT_LOGIN_MAX_WAIT,
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
