//! The proxy's configuration: one struct, loaded with figment from a TOML file and
//! `UCS_PROXY_`-prefixed environment variables (`UCS_PROXY_SERVER__LISTEN=127.0.0.1:9000`).
//!
//! Every field has a documented default (`defaults.rs`), so an empty file is a valid
//! configuration, and unknown keys are refused so that a typo never silently falls back to a
//! default. Values are typed as they are used (addresses, time zones, durations, byte sizes);
//! durations and sizes keep their historical keys and integer units and also read `"90s"`,
//! `"256MiB"` (`units.rs`). [`Config::validate`] checks what types cannot, without needing any
//! of the modules it configures. A new key goes in its section's file with a default here and
//! a line in the README's table.

mod admission;
mod auth;
mod cache;
mod cluster;
mod cometd;
pub(crate) mod defaults;
mod log;
mod server;
#[cfg(test)]
mod tests;
mod units;
mod upstream;
mod validate;

pub use admission::AdmissionConfig;
pub use auth::{AuthConfig, AuthMode, UserConfig};
pub use cache::CacheConfig;
pub use cluster::ClusterConfig;
pub use cometd::CometdConfig;
pub use log::{LogConfig, LogFormat};
pub use server::{AdminConfig, ApiConfig, CorsConfig, LimitsConfig, ServerConfig};
pub use upstream::{BackendConfig, UpstreamConfig, UpstreamSelection};
pub use validate::ConfigError;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The prefix of environment overrides; `__` separates nested keys.
pub const ENV_PREFIX: &str = "UCS_PROXY_";
/// The environment variable that may name the configuration file (not a configuration key).
pub const ENV_CONFIG_FILE: &str = "UCS_PROXY_CONFIG";

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
    /// Budgets of backend work per tenant and user.
    pub admission: AdmissionConfig,
    /// The admin listener (metrics, cache, health, reload).
    pub admin: AdminConfig,
    /// The GWS nodes every route that is not ours is forwarded to.
    pub upstream: UpstreamConfig,
    /// Many nodes, one cache (off by default).
    pub cluster: ClusterConfig,
    /// The backend plugins (`[[backends]]`), in order.
    pub backends: Vec<BackendConfig>,
    /// Logging.
    pub log: LogConfig,
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

    /// The effective configuration as TOML, as `ucs-proxy check` prints it: every value of a
    /// key that names a password, a secret or a token is replaced by `"<redacted>"` (service
    /// accounts' passwords in a plugin's configuration among them).
    pub fn to_toml(&self) -> String {
        let mut value = toml::Value::try_from(self).expect("the configuration always serializes");
        redact(&mut value);
        toml::to_string_pretty(&value).expect("a TOML value always prints")
    }
}

/// What `check` prints instead of a secret.
pub(crate) const REDACTED: &str = "<redacted>";

/// Whether a key holds a secret: its name says password, secret or token.
fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["password", "secret", "token"]
        .iter()
        .any(|word| key.contains(word))
}

/// Replaces every secret value below `value`.
fn redact(value: &mut toml::Value) {
    match value {
        toml::Value::Table(table) => {
            for (key, inner) in table.iter_mut() {
                if is_secret_key(key) && !inner.is_table() && !inner.is_array() {
                    *inner = toml::Value::String(REDACTED.to_owned());
                } else {
                    redact(inner);
                }
            }
        }
        toml::Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}
