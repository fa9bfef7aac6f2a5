//! The history service: cache lookup before the ack ([`lookup`](HistoryService::lookup)),
//! resolution after it ([`resolve`](HistoryService::resolve)), rendered answers
//! ([`resolve_presented`](HistoryService::resolve_presented)) and the background refreshes of
//! stale entries, each in its own module.

mod batch;
mod call;
mod content;
mod lookup;
mod partial;
mod refresh;
mod render;
mod resolve;

pub use content::ContentLookup;
pub use lookup::Lookup;

use crate::admission::{Admission, AdmissionPolicy, Overload};
use crate::cache::{
    CacheError, CachePolicy, CacheStats, ContentStore, Invalidation, Locator, PurgeFilter,
    ResultCache,
};
use crate::dispatcher::Dispatcher;
use crate::metrics::{HistoryMetrics, TIER_LOCAL, TIER_SHARED};
use crate::present::Presentation;
use crate::status::CacheStatus;
use crate::tier::SecondTier;
use refresh::Refreshes;
use std::sync::{Arc, RwLock};
use ucs_model::{ChangeKind, InteractionChange, MediaType};

/// The history service: dispatcher, cache, metrics, and the background refreshes it owns
/// (dropping the service stops them).
#[derive(Debug)]
pub struct HistoryService {
    dispatcher: Dispatcher,
    cache: ResultCache,
    metrics: HistoryMetrics,
    presentation: Presentation,
    refreshes: Refreshes,
    admission: Arc<Admission>,
    /// The cache shared by the nodes of a cluster; none: this node serves alone.
    tier: Option<Arc<dyn SecondTier>>,
    /// Cached interaction contents (replaced when the byte budget or TTL changes).
    content: RwLock<Arc<ContentStore>>,
    /// The media types of the interactions seen.
    locator: Locator,
}

impl HistoryService {
    /// A service over `dispatcher` with the cache tuned by `policy`.
    pub fn new(dispatcher: Dispatcher, policy: CachePolicy, metrics: HistoryMetrics) -> Self {
        for media_type in dispatcher.media_types() {
            if let Some(registered) = dispatcher.registered(media_type) {
                metrics.declare_backend(&registered.name, media_type);
            }
        }
        Self {
            dispatcher,
            content: RwLock::new(Arc::new(ContentStore::new(&policy))),
            locator: Locator::default(),
            cache: ResultCache::new(policy, metrics.clone()),
            metrics,
            presentation: Presentation::default(),
            refreshes: Refreshes::default(),
            admission: Arc::new(Admission::new(AdmissionPolicy::default())),
            tier: None,
        }
    }

    /// The service with a second cache tier shared with other nodes (fixed for the service's
    /// life): first-tier misses look there before the ack, and backend answers are shared.
    pub fn with_second_tier(mut self, tier: Arc<dyn SecondTier>) -> Self {
        for tier in [TIER_LOCAL, TIER_SHARED] {
            self.metrics.tier_hits(tier);
        }
        self.tier = Some(tier);
        self
    }

    /// The service with admission control tuned by `policy` (fixed for the service's life).
    pub fn with_admission(mut self, policy: AdmissionPolicy) -> Self {
        self.admission = Arc::new(Admission::new(policy));
        self
    }

    /// Whether the backends would take a miss of `tenant` now: `Err` when the tenant's queue of
    /// waiting calls is full, so the caller can be refused before the ack. Hits need no leave.
    pub fn admits(&self, tenant: &str) -> Result<(), Overload> {
        if self.admission.is_full(tenant) {
            self.metrics.count_admission(&Err(Overload::QueueFull));
            return Err(Overload::QueueFull);
        }
        Ok(())
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

    /// Removes the cached entries `filter` selects.
    pub fn purge(&self, filter: &PurgeFilter) -> Result<(), CacheError> {
        self.content_store().purge(filter);
        self.cache.purge(filter)
    }

    /// Drops the cached answers `change` may affect, and counts it as received from `source`
    /// (a backend's name, `passthrough` or `admin`: keep the set of sources small).
    pub async fn apply_change(&self, source: &str, change: InteractionChange) -> Invalidation {
        self.metrics.changes.with_label_values(&[source]).inc();
        self.content_changed(&change.tenant, &change.id);
        if change.kind == ChangeKind::Content {
            return Invalidation::default();
        }
        self.cache.apply_change(change).await
    }

    /// Drops every cached answer of `backend`: its change feed was (re)connected and changes
    /// may have been missed meanwhile. Returns how many entries.
    pub async fn resync(&self, backend: &str) -> u64 {
        self.metrics.resyncs.with_label_values(&[backend]).inc();
        // Contents do not record their backend: a resync drops them all.
        self.content_store().clear();
        self.cache.resync(backend).await
    }

    /// Applies a new cache policy; returns whether the cache was emptied (new byte budget, or
    /// switched on or off).
    pub fn reconfigure(&self, policy: CachePolicy) -> bool {
        let old = self.cache.current();
        let content_moved = (old.policy.enabled, old.policy.max_bytes, old.policy.ttl)
            != (policy.enabled, policy.max_bytes, policy.ttl);
        if content_moved {
            *self.content.write().unwrap_or_else(|e| e.into_inner()) =
                Arc::new(ContentStore::new(&policy));
        }
        self.cache.reconfigure(policy)
    }

    /// The policy in force.
    pub fn policy(&self) -> CachePolicy {
        self.cache.current().policy.clone()
    }

    /// Entries and bytes held (also refreshes the gauges, for a scrape).
    pub async fn cache_stats(&self) -> CacheStats {
        let (content_entries, content_bytes) = self.content_store().stats().await;
        CacheStats {
            content_entries,
            content_bytes,
            ..self.cache.stats().await
        }
    }

    /// The service's metrics.
    pub fn metrics(&self) -> &HistoryMetrics {
        &self.metrics
    }

    fn count(&self, result: CacheStatus, media_type: MediaType) {
        self.metrics.lookup_counter(result, media_type).inc();
    }
}
