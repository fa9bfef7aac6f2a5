//! The history service: cache lookup before the ack, resolution after it.

use crate::cache::{
    CacheError, CachePolicy, CacheState, CacheStats, CachedPart, PartKey, PurgeFilter, RenderKey,
    Rendered, ResultCache, Store,
};
use crate::dispatcher::{Dispatcher, HistoryError};
use crate::metrics::{error_kind, HistoryMetrics};
use crate::present::{present, Presentation};
use crate::status::CacheStatus;
use futures_util::future::join_all;
use serde_json::value::RawValue;
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
    },
    /// Not cached: resolved through the cache, coalesced with identical misses.
    Missing {
        media_type: MediaType,
        key: PartKey,
        backend: Arc<PluginBackend>,
    },
    /// Cache off: asked from the backend directly.
    Direct {
        media_type: MediaType,
        backend: Arc<PluginBackend>,
    },
}

impl Part {
    /// The cache entry of a cached part.
    fn entry(&self) -> Option<&Arc<CachedPart>> {
        match self {
            Part::Cached { entry, .. } => Some(entry),
            Part::Missing { .. } | Part::Direct { .. } => None,
        }
    }
}

/// One part's answer, and the cache entry it came from (none when the cache is off).
#[derive(Debug)]
pub(crate) struct Resolved {
    media_type: MediaType,
    interactions: Arc<Vec<Interaction>>,
    entry: Option<Arc<CachedPart>>,
}

impl Resolved {
    pub(crate) fn from_entry(media_type: MediaType, entry: Arc<CachedPart>) -> Self {
        Self {
            media_type,
            interactions: Arc::clone(&entry.interactions),
            entry: Some(entry),
        }
    }
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
    /// The identity of the whole answer (cache on).
    render_key: Option<RenderKey>,
    /// A rendered answer whose every part is fresh: the whole query is a hit, nothing to do.
    answer: Option<Arc<Rendered>>,
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
    presentation: Presentation,
}

impl HistoryService {
    /// A service over `dispatcher` with the cache tuned by `policy`.
    pub fn new(dispatcher: Dispatcher, policy: CachePolicy, metrics: HistoryMetrics) -> Self {
        for media_type in dispatcher.media_types() {
            if let Some((_, name)) = dispatcher.named_backend(media_type) {
                metrics.declare_backend(name, media_type);
            }
        }
        Self {
            dispatcher,
            cache: ResultCache::new(policy, metrics.clone()),
            metrics,
            presentation: Presentation::default(),
        }
    }

    /// The service presenting results as `presentation` says (fixed for the service's life).
    pub fn with_presentation(mut self, presentation: Presentation) -> Self {
        self.presentation = presentation;
        self
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
        let now = Instant::now();
        let render_key = state.rendered.as_ref().map(|_| RenderKey {
            key: CacheKey::new(scope.clone(), &query),
            media_types: media_types.to_vec(),
        });
        // The whole answer, rendered before, with every part still fresh: one lookup, not one
        // per media type.
        if let (Some(rendered), Some(key)) = (&state.rendered, &render_key) {
            if let Some(answer) = rendered.get(key).filter(|a| a.is_fresh_at(now)) {
                for media_type in answer.media_types() {
                    self.count(CacheStatus::Hit, *media_type);
                }
                return Lookup {
                    status: CacheStatus::Hit,
                    tenant: tenant.to_owned(),
                    query,
                    asked: media_types.to_vec(),
                    parts: Vec::new(),
                    state,
                    render_key,
                    answer: Some(answer),
                };
            }
        }
        let mut parts = Vec::with_capacity(media_types.len());
        let (mut missing, mut stale) = (false, false);
        for &media_type in media_types {
            let Some((backend, name)) = self.dispatcher.named_backend(media_type) else {
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
                backend: Arc::clone(name),
                key: CacheKey::for_media_type(scope.clone(), &query, media_type),
            };
            let part = match store.get(&key).await {
                Some(entry) => {
                    let result = if entry.is_fresh_at(now) {
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
                    }
                }
                None => {
                    missing = true;
                    self.count(CacheStatus::Miss, media_type);
                    Part::Missing {
                        media_type,
                        key,
                        backend,
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
            render_key,
            answer: None,
        }
    }

    /// Resolves a looked-up query: cached parts as they are (a stale one triggers one background
    /// refresh), missing ones through the backends (identical concurrent misses make one call),
    /// merged, sorted and cut to `maxSize`. Errors are never cached.
    pub async fn resolve(&self, lookup: Lookup) -> Result<Vec<Interaction>, HistoryError> {
        let (query, parts) = self.resolve_parts(lookup).await?;
        Ok(query.merge_parts(parts.iter().map(|part| part.interactions.as_slice())))
    }

    /// As [`HistoryService::resolve`], presented for the caller (see [`Presentation`]) and
    /// serialized as the JSON array of the notification's `interactions`. The rendered answer is
    /// kept and reused as long as the query is answered by the very same cache entries.
    pub async fn resolve_presented(&self, lookup: Lookup) -> Result<Arc<RawValue>, HistoryError> {
        if let Some(answer) = &lookup.answer {
            return Ok(Arc::clone(&answer.json));
        }
        if let (Some(rendered), Some(key)) = (&lookup.state.rendered, &lookup.render_key) {
            if let Some(answer) = rendered.get(key) {
                let entries: Option<Vec<&Arc<CachedPart>>> =
                    lookup.parts.iter().map(Part::entry).collect();
                if entries.is_some_and(|entries| answer.is_made_of(entries.into_iter())) {
                    for part in &lookup.parts {
                        self.refresh_if_stale(part, &lookup);
                    }
                    return Ok(Arc::clone(&answer.json));
                }
            }
        }
        let render_key = lookup.render_key.clone();
        let state = Arc::clone(&lookup.state);
        let (query, parts) = self.resolve_parts(lookup).await?;
        let mut interactions =
            query.merge_parts(parts.iter().map(|part| part.interactions.as_slice()));
        let presentation = &self.presentation;
        present(
            &mut interactions,
            presentation.time_zone,
            &presentation.public_base_url,
        );
        let json: Arc<RawValue> = Arc::from(
            serde_json::value::to_raw_value(&interactions).expect("interactions always serialize"),
        );
        if let (Some(rendered), Some(key)) = (&state.rendered, render_key) {
            let media_types = parts.iter().map(|part| part.media_type).collect();
            let entries: Option<Vec<Arc<CachedPart>>> =
                parts.into_iter().map(|part| part.entry).collect();
            if let Some(entries) = entries {
                let answer = Rendered::new(media_types, entries, Arc::clone(&json));
                rendered.insert(key, Arc::new(answer));
            }
        }
        Ok(json)
    }

    async fn resolve_parts(
        &self,
        lookup: Lookup,
    ) -> Result<(HistoryQuery, Vec<Resolved>), HistoryError> {
        if let Some(answer) = &lookup.answer {
            return Ok((lookup.query, answer.resolved()));
        }
        if lookup.parts.is_empty() {
            let asked: Vec<&str> = lookup.asked.iter().map(|m| m.as_str()).collect();
            return Err(HistoryError::NoBackend(asked.join(", ")));
        }
        for part in &lookup.parts {
            self.refresh_if_stale(part, &lookup);
        }
        let fetches = lookup
            .parts
            .iter()
            .map(|part| self.resolve_part(part, &lookup.tenant, &lookup.query, &lookup.state));
        let parts = join_all(fetches)
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
        Ok((lookup.query, parts))
    }

    /// Starts the one background refresh of a stale cached part.
    fn refresh_if_stale(&self, part: &Part, lookup: &Lookup) {
        let Part::Cached {
            media_type,
            key,
            backend,
            entry,
        } = part
        else {
            return;
        };
        let Some(store) = &lookup.state.store else {
            return;
        };
        if !entry.is_fresh_at(Instant::now()) && entry.claim_refresh() {
            let request = BackendRequest::new(lookup.tenant.as_str(), &lookup.query, *media_type);
            let refresh = Refresh {
                store: store.clone(),
                policy: lookup.state.policy.clone(),
                metrics: self.metrics.clone(),
            };
            tokio::spawn(refresh.run(key.clone(), Arc::clone(backend), request));
        }
    }

    async fn resolve_part(
        &self,
        part: &Part,
        tenant: &str,
        query: &HistoryQuery,
        state: &CacheState,
    ) -> Result<Resolved, HistoryError> {
        match part {
            Part::Direct {
                media_type,
                backend,
            } => {
                self.fetch_uncached(backend, tenant, query, *media_type)
                    .await
            }
            Part::Cached {
                media_type, entry, ..
            } => Ok(Resolved::from_entry(*media_type, Arc::clone(entry))),
            Part::Missing {
                media_type,
                key,
                backend,
            } => {
                let media_type = *media_type;
                let Some(store) = &state.store else {
                    return self
                        .fetch_uncached(backend, tenant, query, media_type)
                        .await;
                };
                let request = BackendRequest::new(tenant, query, media_type);
                let (metrics, policy) = (&self.metrics, &state.policy);
                let load = async move {
                    let interactions = fetch(backend, &request, metrics).await?;
                    Ok::<_, PluginError>(stored(interactions, policy, media_type))
                };
                let entry = store
                    .entry(key.clone())
                    .or_try_insert_with(load)
                    .await
                    .map_err(|error| HistoryError::Backend((*error).clone()))?;
                if !entry.is_fresh() {
                    // Another caller's call filled it: this miss was coalesced.
                    self.metrics
                        .coalesced
                        .with_label_values(&[media_type.as_str()])
                        .inc();
                }
                Ok(Resolved::from_entry(media_type, entry.into_value()))
            }
        }
    }

    /// One backend call whose answer is not cached.
    async fn fetch_uncached(
        &self,
        backend: &PluginBackend,
        tenant: &str,
        query: &HistoryQuery,
        media_type: MediaType,
    ) -> Result<Resolved, HistoryError> {
        let request = BackendRequest::new(tenant, query, media_type);
        Ok(Resolved {
            media_type,
            interactions: Arc::new(fetch(backend, &request, &self.metrics).await?),
            entry: None,
        })
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
        self.metrics.lookup_counter(result, media_type).inc();
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
