//! Reloading the configuration without a restart (SIGHUP or `POST /admin/reload`): the cache
//! tuning and the log level are applied; every other change is reported as needing a restart,
//! never silently ignored.

use crate::config::{Config, ConfigError, LogConfig};
use crate::logging::{LogError, LogHandle};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Mutex;
use ucs_history::HistoryService;

/// Why a reload was refused; the running configuration stays as it was.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// The file or environment no longer gives a valid configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The new log level could not be applied.
    #[error(transparent)]
    Log(#[from] LogError),
}

/// What a reload did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReloadReport {
    /// Settings now in force (`cache`, `log.level`).
    pub applied: Vec<&'static str>,
    /// Changed settings that only a restart applies (`server`, `backends`, …).
    pub requires_restart: Vec<&'static str>,
    /// Whether the cache was emptied (new byte budget, or switched on or off).
    pub cache_emptied: bool,
}

/// Where the configuration comes from, and what of it is in force.
#[derive(Debug)]
pub struct Reloader {
    path: Option<PathBuf>,
    running: Mutex<Config>,
    log: Option<LogHandle>,
}

impl Reloader {
    /// A reloader of the configuration read from `path` (plus the environment), now running as
    /// `config`; `log` changes the level (none when logging was set up elsewhere, e.g. tests).
    pub fn new(path: Option<PathBuf>, config: Config, log: Option<LogHandle>) -> Self {
        Self {
            path,
            running: Mutex::new(config),
            log,
        }
    }

    /// Re-reads the configuration and applies what can be applied to `history` and the logs.
    pub fn reload(&self, history: &HistoryService) -> Result<ReloadReport, ReloadError> {
        let new = Config::load(self.path.as_deref())?;
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        let mut report = ReloadReport::default();
        if new.log.level != running.log.level {
            if let Some(log) = &self.log {
                log.set_level(&new.log.level)?;
            }
            running.log.level = new.log.level.clone();
            report.applied.push("log.level");
        }
        if new.cache != running.cache {
            report.cache_emptied = history.reconfigure(new.cache.to_policy());
            running.cache = new.cache.clone();
            report.applied.push("cache");
        }
        report.requires_restart = restart_only_changes(&running, &new);
        if report.requires_restart.is_empty() {
            tracing::info!(applied = ?report.applied, cache_emptied = report.cache_emptied, "configuration reloaded");
        } else {
            tracing::warn!(applied = ?report.applied, requires_restart = ?report.requires_restart,
                "configuration reloaded; some changes need a restart");
        }
        Ok(report)
    }
}

/// The sections that differ between the running and the new configuration and that only a
/// restart applies. Every section is named here (the destructuring fails to compile when one is
/// added and forgotten); `cache` and `log.level` are applied by [`Reloader::reload`].
fn restart_only_changes(running: &Config, new: &Config) -> Vec<&'static str> {
    let Config {
        server,
        api,
        limits,
        cometd,
        auth,
        cache: _applied,
        admission,
        admin,
        upstream,
        cluster,
        backends,
        log,
    } = running;
    let LogConfig {
        level: _applied_too,
        format,
    } = log;
    [
        ("server", *server != new.server),
        ("admin", *admin != new.admin),
        ("api", *api != new.api),
        ("limits", *limits != new.limits),
        ("cometd", *cometd != new.cometd),
        ("admission", *admission != new.admission),
        ("auth", *auth != new.auth),
        ("backends", *backends != new.backends),
        ("upstream", *upstream != new.upstream),
        ("cluster", *cluster != new.cluster),
        ("log.format", *format != new.log.format),
    ]
    .into_iter()
    .filter_map(|(name, differs)| differs.then_some(name))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn only_restart_sections_are_reported() {
        let running = Config::default();
        let mut new = Config::default();
        new.cache.ttl = Duration::from_secs(5);
        new.log.level = "debug".into();
        assert!(restart_only_changes(&running, &new).is_empty());
        new.server.threads = 8;
        new.backends.clear();
        new.api.verbose_errors = true;
        assert_eq!(restart_only_changes(&running, &new), ["server", "api"]);
    }
}
