//! The moka store behind the cache, swapped whole when its size budget changes on reload.

use super::changes::ChangeIndex;
use super::entry::{CachedPart, EntryState, PartKey};
use super::policy::CachePolicy;
use super::rendered::{build_render_store, RenderStore};
use crate::metrics::HistoryMetrics;
use moka::future::Cache;
use moka::notification::RemovalCause;
use moka::ops::compute::Op;
use moka::Expiry;
use serde::Serialize;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use ucs_model::{InteractionChange, MediaType};

/// The moka cache of per-media-type results.
/// Keys hash with aHash: fast, and randomly keyed per process (keys hold caller-chosen strings).
pub(crate) type Store = Cache<PartKey, Arc<CachedPart>, ahash::RandomState>;

/// Each entry lives for its own lifetime (fresh TTL + stale window), fixed when it is stored.
struct EntryLifetime;

impl Expiry<PartKey, Arc<CachedPart>> for EntryLifetime {
    fn expire_after_create(
        &self,
        _key: &PartKey,
        value: &Arc<CachedPart>,
        _created_at: Instant,
    ) -> Option<Duration> {
        Some(value.lifetime)
    }

    fn expire_after_update(
        &self,
        _key: &PartKey,
        value: &Arc<CachedPart>,
        _updated_at: Instant,
        _duration_until_expiry: Option<Duration>,
    ) -> Option<Duration> {
        Some(value.lifetime)
    }
}

/// Why an entry left the cache: the `cause` label of `ucs_proxy_cache_evictions_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EvictionCause {
    /// Its lifetime (fresh + stale window) ended.
    Expired,
    /// The byte budget made room.
    Size,
    /// A purge removed it.
    Explicit,
    /// A newer answer took its place (a refresh).
    Replaced,
}

impl EvictionCause {
    /// Every cause.
    pub(crate) const ALL: [EvictionCause; 4] = [
        EvictionCause::Expired,
        EvictionCause::Size,
        EvictionCause::Explicit,
        EvictionCause::Replaced,
    ];

    /// The metric label.
    pub(crate) const fn as_label(self) -> &'static str {
        match self {
            EvictionCause::Expired => "expired",
            EvictionCause::Size => "size",
            EvictionCause::Explicit => "explicit",
            EvictionCause::Replaced => "replaced",
        }
    }
}

impl From<RemovalCause> for EvictionCause {
    fn from(cause: RemovalCause) -> Self {
        match cause {
            RemovalCause::Expired => EvictionCause::Expired,
            RemovalCause::Explicit => EvictionCause::Explicit,
            RemovalCause::Replaced => EvictionCause::Replaced,
            RemovalCause::Size => EvictionCause::Size,
        }
    }
}

fn build_store(policy: &CachePolicy, metrics: &HistoryMetrics, index: &Arc<ChangeIndex>) -> Store {
    let evictions = metrics.evictions.clone();
    let index = Arc::clone(index);
    Cache::builder()
        .max_capacity(policy.max_bytes)
        .weigher(|_key: &PartKey, value: &Arc<CachedPart>| value.weight)
        .expire_after(EntryLifetime)
        .support_invalidation_closures()
        .eviction_listener(move |key, value, cause| {
            index.forget(&key, &value);
            evictions
                .with_label_values(&[EvictionCause::from(cause).as_label()])
                .inc();
        })
        .build_with_hasher(ahash::RandomState::new())
}

/// The policy in force and the store it applies to (none when the cache is disabled).
#[derive(Debug)]
pub(crate) struct CacheState {
    pub(crate) policy: CachePolicy,
    pub(crate) store: Option<Store>,
    /// Rendered whole answers (present whenever `store` is).
    pub(crate) rendered: Option<RenderStore>,
    /// The store's entries by tenant and media type, for changes (present whenever `store` is).
    pub(crate) index: Option<Arc<ChangeIndex>>,
}

impl CacheState {
    /// The change generation now: a backend call records it as it begins (0 without a cache).
    pub(crate) fn generation(&self) -> u64 {
        self.index.as_ref().map_or(0, |index| index.generation())
    }

    /// Registers an entry just stored under `key` (see [`ChangeIndex::register`]); an entry a
    /// change has affected meanwhile leaves the store. Returns whether it may be served.
    pub(crate) async fn register(&self, key: &PartKey, entry: &Arc<CachedPart>) -> bool {
        let Some(index) = &self.index else {
            return true;
        };
        if index.register(key, entry) {
            return true;
        }
        if let Some(store) = &self.store {
            remove_if_same(store, key, entry).await;
        }
        false
    }
}

/// Removes `entry` from `store`, unless `key` holds a newer one by now.
pub(crate) async fn remove_if_same(store: &Store, key: &PartKey, entry: &Arc<CachedPart>) {
    store
        .entry(key.clone())
        .and_compute_with(|current| {
            let same = current.is_some_and(|c| Arc::ptr_eq(c.value(), entry));
            std::future::ready(if same { Op::Remove } else { Op::Nop })
        })
        .await;
}

/// What one change did to the cache.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Invalidation {
    /// Entries dropped: their answers may differ after the change.
    pub invalidated: u64,
    /// Entries of the change's tenant and media type looked at and kept.
    pub spared: u64,
}

/// Which entries a purge removes; every given criterion must match.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PurgeFilter {
    /// Only entries of this tenant.
    pub tenant: Option<String>,
    /// Only entries of this media type.
    pub media_type: Option<MediaType>,
    /// Only entries whose answer holds this interaction.
    pub interaction_id: Option<String>,
    /// Only entries of this contact: asked for its history, or whose answer holds one of its
    /// interactions.
    pub contact_id: Option<String>,
    /// Only entries of this user: cached for them (`cache.scope = "user"`), or asked about
    /// their interactions (the owner filter).
    pub user_id: Option<String>,
}

impl PurgeFilter {
    fn is_everything(&self) -> bool {
        *self == PurgeFilter::default()
    }

    fn matches(&self, key: &PartKey, entry: &CachedPart) -> bool {
        let query = key.key.query();
        let answer = entry.interactions.as_slice();
        self.tenant
            .as_deref()
            .is_none_or(|t| key.key.scope().tenant() == t)
            && self
                .media_type
                .is_none_or(|m| key.key.media_type() == Some(m))
            && self
                .interaction_id
                .as_deref()
                .is_none_or(|id| answer.iter().any(|i| i.id == id))
            && self.contact_id.as_deref().is_none_or(|contact| {
                query.contact_id() == Some(contact)
                    || answer
                        .iter()
                        .any(|i| i.contact_id.as_deref() == Some(contact))
            })
            && self.user_id.as_deref().is_none_or(|user| {
                query.user_id() == Some(user)
                    || matches!(key.key.scope(), ucs_model::AuthScope::User { user_id, .. } if user_id == user)
            })
    }
}

/// A snapshot of the cache for the admin API.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheStats {
    /// Whether the cache is on.
    pub enabled: bool,
    /// Entries held.
    pub entries: u64,
    /// Bytes held (weighed by their size in memory).
    pub bytes: u64,
    /// The byte budget.
    pub max_bytes: u64,
    /// Interaction contents held (GetInteractionContent), in their own quarter of the budget.
    pub content_entries: u64,
    /// Bytes of contents held.
    pub content_bytes: u64,
}

/// Why a cache operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// moka refused the invalidation predicate.
    #[error("purge failed: {0}")]
    Purge(String),
}

/// The result cache: policy and store behind one lock that is only written on reload.
#[derive(Debug)]
pub(crate) struct ResultCache {
    state: RwLock<Arc<CacheState>>,
    metrics: HistoryMetrics,
}

impl ResultCache {
    pub(crate) fn new(policy: CachePolicy, metrics: HistoryMetrics) -> Self {
        let index = policy.enabled.then(Arc::<ChangeIndex>::default);
        let store = index
            .as_ref()
            .map(|index| build_store(&policy, &metrics, index));
        let rendered = policy.enabled.then(|| build_render_store(&policy));
        Self {
            state: RwLock::new(Arc::new(CacheState {
                policy,
                store,
                rendered,
                index,
            })),
            metrics,
        }
    }

    /// The state in force now; a lookup keeps it for its whole life.
    pub(crate) fn current(&self) -> Arc<CacheState> {
        Arc::clone(&self.state.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Applies a new policy. TTLs and scope apply to entries stored from now on; a new byte
    /// budget or switching the cache on/off starts from an empty store. Returns whether the
    /// store was emptied.
    pub(crate) fn reconfigure(&self, policy: CachePolicy) -> bool {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        let rebuild = policy.enabled != state.policy.enabled
            || (policy.enabled && policy.max_bytes != state.policy.max_bytes);
        let (store, index) = if rebuild {
            let index = policy.enabled.then(Arc::<ChangeIndex>::default);
            let store = index
                .as_ref()
                .map(|index| build_store(&policy, &self.metrics, index));
            (store, index)
        } else {
            (state.store.clone(), state.index.clone())
        };
        // Rendered answers are cheap to redo; their lifetime follows the new TTLs.
        let rendered = policy.enabled.then(|| build_render_store(&policy));
        *state = Arc::new(CacheState {
            policy,
            store,
            rendered,
            index,
        });
        rebuild
    }

    /// Drops the entries `change` may affect (see `changes.rs`), counted.
    pub(crate) async fn apply_change(&self, change: InteractionChange) -> Invalidation {
        let state = self.current();
        let (Some(store), Some(index)) = (&state.store, &state.index) else {
            return Invalidation::default();
        };
        let (change, candidates) = index.candidates(change);
        let mut outcome = Invalidation::default();
        for (key, entry) in candidates {
            if index.drop_if_affected(&change, &key, &entry) {
                remove_if_same(store, &key, &entry).await;
                outcome.invalidated += 1;
            } else {
                outcome.spared += 1;
            }
        }
        self.metrics.invalidated.inc_by(outcome.invalidated);
        self.metrics.spared.inc_by(outcome.spared);
        outcome
    }

    /// Drops every entry `backend` answered: its change feed was interrupted, changes may have
    /// been missed. Returns how many.
    pub(crate) async fn resync(&self, backend: &str) -> u64 {
        let state = self.current();
        let (Some(store), Some(index)) = (&state.store, &state.index) else {
            return 0;
        };
        let candidates = index.resync(backend);
        let dropped = candidates.len() as u64;
        for (key, entry) in candidates {
            index.drop_entry(&key, &entry);
            remove_if_same(store, &key, &entry).await;
        }
        self.metrics.invalidated.inc_by(dropped);
        dropped
    }

    /// Removes the entries `filter` selects. They are marked invalid first, so that no rendered
    /// answer still referring to one (a delivery finishing meanwhile) can bring it back.
    pub(crate) fn purge(&self, filter: &PurgeFilter) -> Result<(), CacheError> {
        let state = self.current();
        if let Some(rendered) = &state.rendered {
            rendered.invalidate_all();
        }
        let Some(store) = state.store.clone() else {
            return Ok(());
        };
        if filter.is_everything() {
            for (_, entry) in store.iter() {
                entry.set_state(EntryState::Invalid);
            }
            store.invalidate_all();
            return Ok(());
        }
        let filter = filter.clone();
        store
            .invalidate_entries_if(move |key, entry| {
                let purged = filter.matches(key, entry);
                if purged {
                    entry.set_state(EntryState::Invalid);
                }
                purged
            })
            .map(|_| ())
            .map_err(|e| CacheError::Purge(e.to_string()))
    }

    /// Entries and bytes after pending maintenance (which is also when moka lets go of the
    /// memory of removed entries); also refreshes the gauges.
    pub(crate) async fn stats(&self) -> CacheStats {
        let state = self.current();
        if let Some(rendered) = &state.rendered {
            rendered.run_pending_tasks();
        }
        let (entries, bytes) = match &state.store {
            Some(store) => {
                store.run_pending_tasks().await;
                (store.entry_count(), store.weighted_size())
            }
            None => (0, 0),
        };
        self.metrics
            .entries
            .set(i64::try_from(entries).unwrap_or(i64::MAX));
        self.metrics
            .bytes
            .set(i64::try_from(bytes).unwrap_or(i64::MAX));
        CacheStats {
            enabled: state.policy.enabled,
            entries,
            bytes,
            max_bytes: state.policy.max_bytes,
            content_entries: 0,
            content_bytes: 0,
        }
    }
}
