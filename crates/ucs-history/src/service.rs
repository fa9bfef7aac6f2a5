//! The history service: cache lookup before the ack, resolution after it.

use crate::cache::{
    CacheError, CachePolicy, CacheState, CacheStats, CachedPart, PartKey, PurgeFilter, ResultCache,
    Store,
};
use crate::dispatcher::{Dispatcher, HistoryError};
use crate::metrics::{error_kind, HistoryMetrics};
use crate::status::CacheStatus;
use futures_util::future::join_all;
use std::sync::Arc;
use std::time::Instant;
use ucs_model::{CacheKey, HistoryQuery, Interaction, MediaType};
use ucs_plugin_api::{BackendRequest, PluginBackend, PluginError};

/// One media type's share of a query, as the lookup found it.
#[derive(Debug)]
enum Part {
    /// Cached (fresh or stale).
    Cached {
        media_type: MediaType,
        key: PartKey,
        backend: Arc<PluginBackend>,
        entry: Arc<CachedPart>,
        store: Store,
    },
    /// Not cached: resolved through the cache, coalesced with identical misses.
    Missing {
        media_type: MediaType,
        key: PartKey,
        backend: Arc<PluginBackend>,
        store: Store,
    },
    /// Cache off: asked from the backend directly.
    Direct {
        media_type: MediaType,
        backend: Arc<PluginBackend>,
    },
}

/// A looked-up query: its cache status (known before the ack) and what remains to resolve.
#[derive(Debug)]
pub struct Lookup {
    status: CacheStatus,
    tenant: String,
    query: HistoryQuery,
    asked: Vec<MediaType>,
    parts: Vec<Part>,
    state: Arc<CacheState>,
}

impl Lookup {
    /// How the cache answers this query.
    pub fn status(&self) -> CacheStatus {
        self.status
    }
}

/// The history service: dispatcher, cache and metrics.
#[derive(Debug)]
pub struct HistoryService {
    dispatcher: Dispatcher,
    cache: ResultCache,
    metrics: HistoryMetrics,
}

impl HistoryService {
    /// A service over `dispatcher` with the cache tuned by `policy`.
    pub fn new(dispatcher: Dispatcher, policy: CachePolicy, metrics: HistoryMetrics) -> Self {
        for media_type in dispatcher.media_types() {
            if let Some(backend) = dispatcher.backend(media_type) {
                metrics.declare_backend(backend.name(), media_type);
            }
        }
        Self {
            dispatcher,
            cache: ResultCache::new(policy, metrics.clone()),
            metrics,
        }
    }

    /// The backends.
    pub fn dispatcher(&self) -> &Dispatcher {
        &self.dispatcher
    }

    /// Looks `query` up for a caller of `tenant` (`user_id`) over `media_types` (those the
    /// caller may read). Fast and never calls a backend: the status is known before the ack.
    pub async fn lookup(
        &self,
        tenant: &str,
        user_id: &str,
        media_types: &[MediaType],
        query: HistoryQuery,
    ) -> Lookup {
        let state = self.cache.current();
        let scope = state.policy.scope.scope_of(tenant, user_id);
        let mut parts = Vec::with_capacity(media_types.len());
        let (mut missing, mut stale) = (false, false);
        for &media_type in media_types {
            let Some(backend) = self.dispatcher.backend(media_type) else {
                continue;
            };
            let backend = Arc::clone(backend);
            let Some(store) = &state.store else {
                self.count(CacheStatus::Bypass, media_type);
                parts.push(Part::Direct {
                    media_type,
                    backend,
                });
                continue;
            };
            let key = PartKey {
                backend: Arc::from(backend.name()),
                key: CacheKey::for_media_type(scope.clone(), &query, media_type),
            };
            let part = match store.get(&key).await {
                Some(entry) => {
                    let result = if entry.is_fresh() {
                        CacheStatus::Hit
                    } else {
                        stale = true;
                        CacheStatus::Stale
                    };
                    self.count(result, media_type);
                    Part::Cached {
                        media_type,
                        key,
                        backend,
                        entry,
                        store: store.clone(),
                    }
                }
                None => {
                    missing = true;
                    self.count(CacheStatus::Miss, media_type);
                    Part::Missing {
                        media_type,
                        key,
                        backend,
                        store: store.clone(),
                    }
                }
            };
            parts.push(part);
        }
        let status = if state.store.is_none() || parts.is_empty() {
            CacheStatus::Bypass
        } else if missing {
            CacheStatus::Miss
        } else if stale {
            CacheStatus::Stale
        } else {
            CacheStatus::Hit
        };
        Lookup {
            status,
            tenant: tenant.to_owned(),
            query,
            asked: media_types.to_vec(),
            parts,
            state,
        }
    }

    /// Resolves a looked-up query: cached parts as they are (a stale one triggers one background
    /// refresh), missing ones through the backends (identical concurrent misses make one call),
    /// merged, sorted and cut to `maxSize`. Errors are never cached.
    pub async fn resolve(&self, lookup: Lookup) -> Result<Vec<Interaction>, HistoryError> {
        let Lookup {
            tenant,
            query,
            asked,
            parts,
            state,
            ..
        } = lookup;
        if parts.is_empty() {
            let asked: Vec<&str> = asked.iter().map(|m| m.as_str()).collect();
            return Err(HistoryError::NoBackend(asked.join(", ")));
        }
        let fetches = parts
            .into_iter()
            .map(|part| self.resolve_part(part, &tenant, &query, &state));
        let parts = join_all(fetches)
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
        Ok(query.merge_parts(parts.iter().map(|part| part.as_slice())))
    }

    async fn resolve_part(
        &self,
        part: Part,
        tenant: &str,
        query: &HistoryQuery,
        state: &CacheState,
    ) -> Result<Arc<Vec<Interaction>>, HistoryError> {
        match part {
            Part::Direct {
                media_type,
                backend,
            } => {
                let request = backend_request(tenant, query, media_type);
                Ok(Arc::new(fetch(&backend, &request, &self.metrics).await?))
            }
            Part::Cached {
                media_type,
                key,
                backend,
                entry,
                store,
            } => {
                if !entry.is_fresh() && entry.claim_refresh() {
                    let request = backend_request(tenant, query, media_type);
                    let refresh = Refresh {
                        store,
                        policy: state.policy.clone(),
                        metrics: self.metrics.clone(),
                    };
                    tokio::spawn(refresh.run(key, backend, request));
                }
                Ok(Arc::clone(&entry.interactions))
            }
            Part::Missing {
                media_type,
                key,
                backend,
                store,
            } => {
                let request = backend_request(tenant, query, media_type);
                let (metrics, policy) = (&self.metrics, &state.policy);
                let load = async move {
                    let interactions = fetch(&backend, &request, metrics).await?;
                    Ok::<_, PluginError>(stored(interactions, policy, media_type))
                };
                let entry = store
                    .entry(key)
                    .or_try_insert_with(load)
                    .await
                    .map_err(|error| HistoryError::Backend((*error).clone()))?;
                if !entry.is_fresh() {
                    self.metrics
                        .coalesced
                        .with_label_values(&[media_type.as_str()])
                        .inc();
                }
                Ok(Arc::clone(&entry.into_value().interactions))
            }
        }
    }

    /// Removes the cached entries `filter` selects.
    pub fn purge(&self, filter: &PurgeFilter) -> Result<(), CacheError> {
        self.cache.purge(filter)
    }

    /// Applies a new cache policy; returns whether the cache was emptied (new byte budget, or
    /// switched on or off).
    pub fn reconfigure(&self, policy: CachePolicy) -> bool {
        self.cache.reconfigure(policy)
    }

    /// The policy in force.
    pub fn policy(&self) -> CachePolicy {
        self.cache.current().policy.clone()
    }

    /// Entries and bytes held (also refreshes the gauges, for a scrape).
    pub async fn cache_stats(&self) -> CacheStats {
        self.cache.stats().await
    }

    /// The service's metrics.
    pub fn metrics(&self) -> &HistoryMetrics {
        &self.metrics
    }

    fn count(&self, result: CacheStatus, media_type: MediaType) {
        self.metrics
            .cache_requests
            .with_label_values(&[result.as_label(), media_type.as_str()])
            .inc();
    }
}

fn backend_request(tenant: &str, query: &HistoryQuery, media_type: MediaType) -> BackendRequest {
    BackendRequest {
        tenant: tenant.to_owned(),
        media_type,
        query: query.with_media_type(media_type),
    }
}

/// A fresh entry for a backend's answer under `policy`.
fn stored(
    interactions: Vec<Interaction>,
    policy: &CachePolicy,
    media_type: MediaType,
) -> Arc<CachedPart> {
    let fresh_for = policy.fresh_for(media_type, interactions.is_empty());
    Arc::new(CachedPart::new(
        Arc::new(interactions),
        fresh_for,
        policy.stale_while_revalidate,
    ))
}

/// One backend call, timed and counted; failures logged with the backend's name.
async fn fetch(
    backend: &PluginBackend,
    request: &BackendRequest,
    metrics: &HistoryMetrics,
) -> Result<Vec<Interaction>, PluginError> {
    let labels = [backend.name(), request.media_type.as_str()];
    let started = Instant::now();
    let result = backend.query(request).await;
    metrics
        .backend_duration
        .with_label_values(&labels)
        .observe(started.elapsed().as_secs_f64());
    if let Err(error) = &result {
        let kind = error_kind(error.kind());
        metrics
            .backend_errors
            .with_label_values(&[labels[0], labels[1], kind])
            .inc();
        tracing::warn!(backend = backend.name(), media_type = labels[1], kind, %error, "backend query failed");
    }
    result
}

/// The background refresh of one stale entry.
struct Refresh {
    store: Store,
    policy: CachePolicy,
    metrics: HistoryMetrics,
}

impl Refresh {
    /// Asks the backend again and replaces the entry; on failure the stale entry stays until it
    /// expires (and is not refreshed again).
    async fn run(self, key: PartKey, backend: Arc<PluginBackend>, request: BackendRequest) {
        if let Ok(interactions) = fetch(&backend, &request, &self.metrics).await {
            let entry = stored(interactions, &self.policy, request.media_type);
            self.store.insert(key, entry).await;
        }
    }
}
