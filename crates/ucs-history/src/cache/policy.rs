//! What an operator tunes about the cache, independent of how it is stored.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;
use ucs_model::{AuthScope, MediaType};

/// Who may share a cached result (`cache.scope`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScopeKind {
    /// Each user has their own entries (the default).
    #[default]
    User,
    /// Users of one tenant share entries; never wider.
    Tenant,
}

impl ScopeKind {
    /// The key scope of a caller.
    pub fn scope_of(self, tenant: &str, user_id: &str) -> AuthScope {
        match self {
            ScopeKind::User => AuthScope::User {
                tenant: tenant.to_owned(),
                user_id: user_id.to_owned(),
            },
            ScopeKind::Tenant => AuthScope::Tenant {
                tenant: tenant.to_owned(),
            },
        }
    }
}

/// The cache's tuning, applied at start and on every reload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachePolicy {
    /// `false`: every query goes to the backends (`X-Cache: BYPASS`).
    pub enabled: bool,
    /// Who shares entries.
    pub scope: ScopeKind,
    /// Budget of the cache in bytes (results are weighed by their estimated size in memory).
    pub max_bytes: u64,
    /// How long a result is fresh.
    pub ttl: Duration,
    /// Per media type freshness, overriding `ttl`.
    pub media_ttl: BTreeMap<MediaType, Duration>,
    /// How long an empty result is fresh (at most the media type's TTL).
    pub empty_ttl: Duration,
    /// How long past its freshness a result may still be served while one refresh runs.
    pub stale_while_revalidate: Duration,
    /// How long past that a result may still stand in for a failed backend call (a failure,
    /// a timeout, an open breaker, admission refusing it); zero: never. A result a change has
    /// dropped never does.
    pub stale_if_error: Duration,
}

impl Default for CachePolicy {
    fn default() -> Self {
        Self {
            enabled: true,
            scope: ScopeKind::User,
            max_bytes: 256 * 1024 * 1024,
            ttl: Duration::from_secs(60),
            media_ttl: BTreeMap::new(),
            empty_ttl: Duration::from_secs(5),
            stale_while_revalidate: Duration::from_secs(30),
            stale_if_error: Duration::ZERO,
        }
    }
}

impl CachePolicy {
    /// How long a result of `media_type` stays fresh; `empty` results get the short TTL.
    pub fn fresh_for(&self, media_type: MediaType, empty: bool) -> Duration {
        let ttl = self.media_ttl.get(&media_type).copied().unwrap_or(self.ttl);
        if empty {
            ttl.min(self.empty_ttl)
        } else {
            ttl
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_overrides_and_the_empty_ttl_shorten_freshness() {
        let policy = CachePolicy {
            media_ttl: [(MediaType::Chat, Duration::from_secs(10))].into(),
            empty_ttl: Duration::from_secs(3),
            ..CachePolicy::default()
        };
        assert_eq!(
            policy.fresh_for(MediaType::Call, false),
            Duration::from_secs(60)
        );
        assert_eq!(
            policy.fresh_for(MediaType::Chat, false),
            Duration::from_secs(10)
        );
        assert_eq!(
            policy.fresh_for(MediaType::Chat, true),
            Duration::from_secs(3)
        );
    }

    #[test]
    fn tenant_scope_never_names_the_user() {
        assert_eq!(
            ScopeKind::Tenant.scope_of("t1", "u1"),
            AuthScope::Tenant {
                tenant: "t1".into()
            }
        );
        assert_eq!(ScopeKind::User.scope_of("t1", "u1").tenant(), "t1");
    }
}
