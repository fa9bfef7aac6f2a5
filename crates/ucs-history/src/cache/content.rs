//! The content cache: interaction contents by (scope, id, source), weighed by their bytes, each
//! dropped by a change of its interaction.

use super::{CachePolicy, PurgeFilter};
use moka::notification::RemovalCause;
use moka::policy::EvictionPolicy;
use moka::sync::Cache;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use ucs_model::{AuthScope, ContentDocument, MediaType, Source};

/// The identity of a cached content.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ContentKey {
    pub(crate) scope: AuthScope,
    pub(crate) id: String,
    pub(crate) source: Source,
}

/// One cached content and the change generation its backend call began at.
#[derive(Debug)]
pub(crate) struct CachedContent {
    pub(crate) document: Arc<ContentDocument>,
    pub(crate) media_type: Option<MediaType>,
    began_at: u64,
}

impl CachedContent {
    /// The entry for `document`, whose backend call began at change `began_at`.
    pub(crate) fn new(document: ContentDocument, began_at: u64) -> Self {
        Self {
            media_type: MediaType::from_name(document.media_type()),
            document: Arc::new(document),
            began_at,
        }
    }
}

/// How much longer than an entry's lifetime the change of its interaction is remembered: more
/// than any backend call takes with its admission wait, so that an entry filled from a read made
/// before a change is refused for as long as it could live.
const CHANGE_MARGIN: Duration = Duration::from_secs(120);
/// Recently changed interactions remembered at most.
const CHANGED_CAPACITY: u64 = 1_000_000;

/// The content cache (see the module's docs).
#[derive(Debug)]
pub(crate) struct ContentStore {
    entries: moka::future::Cache<ContentKey, Arc<CachedContent>, ahash::RandomState>,
    /// The generation of the last change of each recently changed interaction (tenant, id).
    changed: Cache<(String, String), u64, ahash::RandomState>,
    generation: AtomicU64,
}

impl ContentStore {
    /// An empty store holding at most a quarter of `policy.max_bytes` of contents, each fresh
    /// for `policy.ttl`.
    pub(crate) fn new(policy: &CachePolicy) -> Self {
        let ttl = policy.ttl.max(Duration::from_millis(1));
        let entries = moka::future::Cache::builder()
            .max_capacity((policy.max_bytes / 4).max(1))
            .weigher(|_key: &ContentKey, entry: &Arc<CachedContent>| {
                u32::try_from(entry.document.memory_size()).unwrap_or(u32::MAX)
            })
            .time_to_live(ttl)
            .support_invalidation_closures()
            .build_with_hasher(ahash::RandomState::new());
        let guarded = entries.clone();
        Self {
            changed: Cache::builder()
                .max_capacity(CHANGED_CAPACITY)
                .time_to_live(ttl + CHANGE_MARGIN)
                // Every change is recorded (LRU admits every new key); when one is pushed out
                // before its time, the contents it may guard go too.
                .eviction_policy(EvictionPolicy::lru())
                .eviction_listener(move |_key, _generation, cause| {
                    if cause == RemovalCause::Size {
                        guarded.invalidate_all();
                    }
                })
                .build_with_hasher(ahash::RandomState::new()),
            entries,
            generation: AtomicU64::new(0),
        }
    }

    /// The change generation now: a backend call records it as it begins.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The fresh entry of `key`: none when absent, or when its interaction changed after its
    /// backend call began (then it is dropped).
    pub(crate) async fn get(&self, key: &ContentKey) -> Option<Arc<CachedContent>> {
        let entry = self.entries.get(key).await?;
        if self.overtaken(key, &entry) {
            self.entries.invalidate(key).await;
            return None;
        }
        Some(entry)
    }

    /// The entry of `key`, filled by `fill` when absent: identical concurrent misses wait for
    /// one call. A failure (or nothing found) is not stored. An answer its interaction's change
    /// overtook is given to the callers that waited for it but not served again.
    pub(crate) async fn get_or_fill<E: Send + Sync + 'static>(
        &self,
        key: ContentKey,
        fill: impl Future<Output = Result<Arc<CachedContent>, E>>,
    ) -> Result<Arc<CachedContent>, Arc<E>> {
        let entry = self.entries.try_get_with(key.clone(), fill).await?;
        if self.overtaken(&key, &entry) {
            self.entries.invalidate(&key).await;
        }
        Ok(entry)
    }

    /// Whether `entry`'s interaction changed after its backend call began.
    fn overtaken(&self, key: &ContentKey, entry: &CachedContent) -> bool {
        let changed = self
            .changed
            .get(&(key.scope.tenant().to_owned(), key.id.clone()));
        changed.is_some_and(|at| at > entry.began_at)
    }

    /// Interaction `id` of `tenant` changed: its cached contents (every scope, every source)
    /// are no longer served (they are dropped when next read, or leave by their TTL; the change
    /// is remembered longer than they can live).
    pub(crate) fn changed(&self, tenant: &str, id: &str) {
        let at = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        self.changed.insert((tenant.to_owned(), id.to_owned()), at);
    }

    /// Drops every cached content (a purge, a resync).
    pub(crate) fn clear(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.entries.invalidate_all();
    }

    /// Drops the contents `purged` selects.
    pub(crate) fn drop_if(
        &self,
        purged: impl Fn(&ContentKey, &CachedContent) -> bool + Send + Sync + 'static,
    ) {
        // Only fails when invalidation closures are not enabled, which `new` does.
        let _ = self
            .entries
            .invalidate_entries_if(move |key, entry| purged(key, entry));
    }

    /// Entries and bytes held.
    pub(crate) async fn stats(&self) -> (u64, u64) {
        self.entries.run_pending_tasks().await;
        (self.entries.entry_count(), self.entries.weighted_size())
    }
}

impl PurgeFilter {
    /// Whether a purge with this filter removes the cached content of `key`. What a content
    /// entry does not record (its contact) counts as matching: a purge never leaves one behind.
    fn matches_content(&self, key: &ContentKey, entry: &CachedContent) -> bool {
        self.tenant.as_deref().is_none_or(|t| key.scope.tenant() == t)
            && self.media_type.is_none_or(|m| entry.media_type == Some(m))
            && self.interaction_id.as_deref().is_none_or(|id| key.id == id)
            && self.user_id.as_deref().is_none_or(|user| {
                !matches!(&key.scope, ucs_model::AuthScope::User { user_id, .. } if user_id != user)
            })
    }
}

impl ContentStore {
    /// Removes the contents `filter` selects.
    pub(crate) fn purge(&self, filter: &PurgeFilter) {
        let filter = filter.clone();
        self.drop_if(move |key, entry| filter.matches_content(key, entry));
    }
}
