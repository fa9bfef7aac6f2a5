//! `[cache]`: the result cache (see the README's "Tuning the cache").

use super::defaults::DEFAULT_WRITE_SETTLE;
use super::units;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;
use ucs_history::{CachePolicy, ScopeKind};
use ucs_model::MediaType;

/// `[cache]`: the result cache.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    /// Whether results are cached (default true); false sends every query to the backends.
    pub enabled: bool,
    /// Who shares entries: `user` (default) or `tenant` (users of one contact centre).
    pub scope: ScopeKind,
    /// Byte budget of the cache (default 268435456 = `"256MiB"`), results weighed by their size
    /// in memory.
    #[serde(with = "units::bytes")]
    pub max_bytes: u64,
    /// How long a result is fresh (default 60 s).
    #[serde(rename = "ttl_seconds", with = "units::seconds")]
    pub ttl: Duration,
    /// How long an empty result is fresh (default 5 s; never more than the TTL).
    #[serde(rename = "empty_ttl_seconds", with = "units::seconds")]
    pub empty_ttl: Duration,
    /// How long past freshness a result is still served while one background refresh runs
    /// (default 30 s; 0 turns stale serving off).
    #[serde(rename = "stale_while_revalidate_seconds", with = "units::seconds")]
    pub stale_while_revalidate: Duration,
    /// How long past that window a result still stands in for a failed backend call (default
    /// 0: never; see the README's trade-off).
    #[serde(rename = "stale_if_error_seconds", with = "units::seconds")]
    pub stale_if_error: Duration,
    /// Per media type TTL (`[cache.media_ttl_seconds] chat = 10`), overriding `ttl_seconds`;
    /// none by default.
    #[serde(rename = "media_ttl_seconds", with = "units::seconds_map")]
    pub media_ttl: BTreeMap<MediaType, Duration>,
    /// After GWS acknowledged a UCS write that passed through (`SetCallCompleted`, …), the
    /// answers holding its interaction are dropped at once and again this much later, once UCS
    /// has applied it (default 2 s).
    #[serde(rename = "write_settle_ms", with = "units::millis")]
    pub write_settle: Duration,
}

impl Default for CacheConfig {
    fn default() -> Self {
        let policy = CachePolicy::default();
        Self {
            enabled: policy.enabled,
            scope: policy.scope,
            max_bytes: policy.max_bytes,
            ttl: policy.ttl,
            empty_ttl: policy.empty_ttl,
            stale_while_revalidate: policy.stale_while_revalidate,
            stale_if_error: policy.stale_if_error,
            media_ttl: policy.media_ttl,
            write_settle: DEFAULT_WRITE_SETTLE,
        }
    }
}

impl CacheConfig {
    /// The service's cache policy.
    pub fn to_policy(&self) -> CachePolicy {
        let CacheConfig {
            enabled,
            scope,
            max_bytes,
            ttl,
            empty_ttl,
            stale_while_revalidate,
            stale_if_error,
            media_ttl,
            write_settle: _,
        } = self.clone();
        CachePolicy {
            enabled,
            scope,
            max_bytes,
            ttl,
            media_ttl,
            empty_ttl,
            stale_while_revalidate,
            stale_if_error,
        }
    }
}
