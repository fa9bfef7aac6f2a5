//! What types alone cannot check: non-zero limits, URLs, the users list, cross-section rules.
//! Needs nothing of the modules the configuration configures.

use super::{AuthMode, Config};
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

/// Why a configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The named file does not exist.
    #[error("configuration file {0} does not exist")]
    Missing(PathBuf),
    /// The file or an environment override could not be read into the struct (the message
    /// names the key).
    #[error("invalid configuration: {0}")]
    Invalid(Box<figment::Error>),
    /// A value was read but makes no sense.
    #[error("invalid configuration: {key}: {reason}")]
    Value {
        /// The dotted key, e.g. `server.threads`.
        key: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl From<Box<figment::Error>> for ConfigError {
    fn from(error: Box<figment::Error>) -> Self {
        ConfigError::Invalid(error)
    }
}

fn refuse(key: &'static str, reason: impl Into<String>) -> Result<(), ConfigError> {
    Err(ConfigError::Value {
        key,
        reason: reason.into(),
    })
}

fn at_least_one(key: &'static str, value: u128) -> Result<(), ConfigError> {
    if value == 0 {
        return refuse(key, "must be at least 1");
    }
    Ok(())
}

impl Config {
    /// Checks what types alone cannot: non-zero limits, URLs, the users, cross-section rules.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let (server, api, limits, cometd) = (&self.server, &self.api, &self.limits, &self.cometd);
        let (auth, cache, upstream) = (&self.auth, &self.cache, &self.upstream);
        at_least_one("server.threads", server.threads as u128)?;
        if !(api.public_base_url.starts_with("http://")
            || api.public_base_url.starts_with("https://"))
        {
            return refuse("api.public_base_url", "must start with http:// or https://");
        }
        if let Some(origin) = api
            .cors
            .allowed_origins
            .iter()
            .find(|o| *o == "*" || !(o.starts_with("http://") || o.starts_with("https://")))
        {
            return refuse(
                "api.cors.allowed_origins",
                format!("{origin:?} is not an origin such as \"https://desktop.example.com\""),
            );
        }
        at_least_one("limits.max_body_bytes", limits.max_body_bytes as u128)?;
        at_least_one(
            "limits.body_read_timeout_ms",
            limits.body_read_timeout.as_millis(),
        )?;
        at_least_one("limits.max_size", u128::from(limits.max_size))?;
        at_least_one("limits.max_attributes", limits.max_attributes as u128)?;
        if cometd.timeout.is_zero() || cometd.max_interval.is_zero() {
            return refuse(
                "cometd",
                "timeout_ms and max_interval_ms must be at least 1",
            );
        }
        if cometd.max_queue == 0
            || cometd.max_sessions_per_browser == 0
            || cometd.max_subscriptions == 0
        {
            return refuse(
                "cometd",
                "max_queue, max_sessions_per_browser and max_subscriptions must be at least 1",
            );
        }
        at_least_one(
            "upstream.health_check_interval_ms",
            upstream.health_check_interval.as_millis(),
        )?;
        if cache.max_bytes == 0 {
            return refuse(
                "cache.max_bytes",
                "must be at least 1 (use cache.enabled = false)",
            );
        }
        if auth.mode == AuthMode::Upstream && upstream.servers.is_empty() {
            return refuse("auth.mode", "\"upstream\" needs [upstream] servers");
        }
        if auth.upstream_cache.is_zero() || auth.upstream_timeout.is_zero() {
            return refuse(
                "auth",
                "upstream_cache_seconds and upstream_timeout_ms must be at least 1",
            );
        }
        let admission = &self.admission;
        if admission.per_tenant == 0 || admission.per_user == 0 || admission.queue_timeout.is_zero()
        {
            return refuse(
                "admission",
                "per_tenant, per_user and queue_timeout_ms must be at least 1",
            );
        }
        self.validate_cluster()?;
        self.validate_users()
    }

    /// A cluster needs a Redis and timings that are not zero.
    fn validate_cluster(&self) -> Result<(), ConfigError> {
        let cluster = &self.cluster;
        if !cluster.enabled {
            return Ok(());
        }
        if let Some(url) = cluster.redis.iter().find(|url| {
            !(url.starts_with("redis://")
                || url.starts_with("rediss://")
                || url.starts_with("unix://"))
        }) {
            return refuse("cluster.redis", format!("{url:?} is not a redis:// URL"));
        }
        if cluster.redis.is_empty() || cluster.key_prefix.is_empty() {
            return refuse("cluster", "redis and key_prefix must not be empty");
        }
        if [
            cluster.op_timeout,
            cluster.lease,
            cluster.heartbeat,
            cluster.pending,
            cluster.change_log,
        ]
        .iter()
        .any(Duration::is_zero)
        {
            return refuse(
                "cluster",
                "op_timeout_ms, lease_ms, heartbeat_ms, pending_seconds and change_log_seconds must be at least 1",
            );
        }
        Ok(())
    }

    /// Every user once, each with a password hash this build can verify.
    fn validate_users(&self) -> Result<(), ConfigError> {
        let mut names = HashSet::new();
        for user in &self.auth.users {
            if argon2::PasswordHash::new(&user.password_hash).is_err() {
                return refuse(
                    "auth.users.password_hash",
                    format!(
                        "user {:?}: not an argon2 PHC string (use `ucs-proxy hash-password`)",
                        user.user_name
                    ),
                );
            }
            if !names.insert(user.user_name.as_str()) {
                return refuse(
                    "auth.users.user_name",
                    format!("user {:?} is listed twice", user.user_name),
                );
            }
        }
        Ok(())
    }
}
