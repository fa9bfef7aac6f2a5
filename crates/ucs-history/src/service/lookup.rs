//! Looking a query up before the ack: one lookup of the whole rendered answer, else one per
//! media type part. Never calls a backend, so the `X-Cache` status is known at once.

use super::call::shared;
use super::partial::parts_suffice;
use super::HistoryService;
use crate::cache::{
    remove_if_same, CacheState, CachedPart, EntryState, PartKey, RenderKey, Rendered,
};
use crate::dispatcher::Registered;
use crate::metrics::{TIER_LOCAL, TIER_SHARED};
use crate::status::CacheStatus;
use std::sync::Arc;
use tokio::time::Instant;
use ucs_model::{AuthScope, CacheKey, HistoryQuery, MediaType};

/// One media type's share of a query, as the lookup found it.
#[derive(Debug)]
pub(super) enum Part {
    /// Cached (fresh or stale).
    Cached {
        media_type: MediaType,
        key: PartKey,
        backend: Registered,
        entry: Arc<CachedPart>,
    },
    /// Not cached: resolved through the cache, coalesced with identical misses. `replace`: a
    /// cached part that cannot answer this query (partial, see `partial.rs`) is replaced.
    Missing {
        media_type: MediaType,
        key: PartKey,
        backend: Registered,
        replace: bool,
    },
    /// Cache off: asked from the backend directly.
    Direct {
        media_type: MediaType,
        backend: Registered,
    },
}

impl Part {
    /// The cache entry of a cached part.
    pub(super) fn entry(&self) -> Option<&Arc<CachedPart>> {
        match self {
            Part::Cached { entry, .. } => Some(entry),
            Part::Missing { .. } | Part::Direct { .. } => None,
        }
    }
}

/// A looked-up query: its cache status (known before the ack) and what remains to resolve.
#[derive(Debug)]
pub struct Lookup {
    pub(super) status: CacheStatus,
    pub(super) tenant: String,
    pub(super) user_id: String,
    pub(super) query: HistoryQuery,
    pub(super) asked: Vec<MediaType>,
    pub(super) parts: Vec<Part>,
    pub(super) state: Arc<CacheState>,
    /// The identity of the whole answer (cache on).
    pub(super) render_key: Option<RenderKey>,
    /// A rendered answer whose every part is fresh: the whole query is a hit, nothing to do.
    pub(super) answer: Option<Arc<Rendered>>,
    /// That answer's parts (held while the lookup lives).
    pub(super) answer_parts: Vec<(MediaType, Arc<CachedPart>)>,
    /// Expired entries that may stand in for their part if its backend call fails
    /// (`stale_if_error`).
    pub(super) stand_ins: Vec<(MediaType, Arc<CachedPart>)>,
}

impl Lookup {
    /// How the cache answers this query.
    pub fn status(&self) -> CacheStatus {
        self.status
    }
}

impl HistoryService {
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
        let mut lookup = Lookup {
            status: CacheStatus::Bypass,
            tenant: tenant.to_owned(),
            user_id: user_id.to_owned(),
            query,
            asked: media_types.to_vec(),
            parts: Vec::new(),
            state: Arc::clone(&state),
            render_key,
            answer: None,
            answer_parts: Vec::new(),
            stand_ins: Vec::new(),
        };
        // The whole answer, rendered before, with every part still fresh: one lookup, not one
        // per media type.
        if let (Some(rendered), Some(key)) = (&state.rendered, &lookup.render_key) {
            let answer = rendered.get(key).filter(|a| a.is_fresh_at(now));
            if let Some((answer, parts)) = answer.and_then(|a| Some((a.live_parts()?, a))) {
                for (media_type, _) in &answer {
                    self.count(CacheStatus::Hit, *media_type);
                    if self.tier.is_some() {
                        self.metrics.tier_hits(TIER_LOCAL).inc();
                    }
                }
                lookup.status = CacheStatus::Hit;
                lookup.answer = Some(parts);
                lookup.answer_parts = answer;
                return lookup;
            }
        }
        // Boxed: the part lookups' state (the store's and the shared tier's futures) stays out
        // of the future of every request, which a whole answer rendered before never needs.
        Box::pin(self.lookup_parts(lookup, &state, media_types, scope, now)).await
    }

    /// The lookup of each media type's part, when no whole answer rendered before is fresh.
    async fn lookup_parts(
        &self,
        mut lookup: Lookup,
        state: &CacheState,
        media_types: &[MediaType],
        scope: AuthScope,
        now: Instant,
    ) -> Lookup {
        let (mut missing, mut stale) = (false, false);
        for &media_type in media_types {
            let Some(backend) = self.dispatcher.registered(media_type).cloned() else {
                continue;
            };
            let Some(store) = &state.store else {
                self.count(CacheStatus::Bypass, media_type);
                lookup.parts.push(Part::Direct {
                    media_type,
                    backend,
                });
                continue;
            };
            let key = PartKey {
                backend: Arc::clone(&backend.name),
                key: CacheKey::for_media_type(scope.clone(), &lookup.query, media_type),
            };
            let part = match store.get(&key).await {
                Some(entry) if !entry.is_expired_at(now) && entry.is_valid() => {
                    stale |= !entry.is_fresh_at(now);
                    if self.tier.is_some() && entry.is_fresh_at(now) {
                        self.metrics.tier_hits(TIER_LOCAL).inc();
                    }
                    Part::Cached {
                        media_type,
                        key,
                        backend,
                        entry,
                    }
                }
                found => {
                    // A pending entry (just stored, not yet checked against the changes that
                    // came during its call) stays: resolving registers it or asks again. One past
                    // its stale window by our clock, or dropped by a change, is gone unless a
                    // newer answer has taken its place meanwhile; within `stale_if_error` it may
                    // still stand in if the backend call fails.
                    let gone = found.filter(|entry| {
                        entry.is_expired_at(now) || entry.state() != EntryState::Pending
                    });
                    if let Some(gone) = gone {
                        if gone.may_stand_in_at(now) {
                            lookup.stand_ins.push((media_type, Arc::clone(&gone)));
                        }
                        remove_if_same(store, &key, &gone).await;
                    }
                    match self.shared_entry(state, &key).await {
                        Some(entry) => Part::Cached {
                            media_type,
                            key,
                            backend,
                            entry,
                        },
                        None => {
                            missing = true;
                            Part::Missing {
                                media_type,
                                key,
                                backend,
                                replace: false,
                            }
                        }
                    }
                }
            };
            lookup.parts.push(part);
        }
        if replace_insufficient_parts(&mut lookup, missing) {
            missing = true;
        }
        // Counted once the parts are final: a partial part replaced is a miss, not a hit.
        for part in &lookup.parts {
            let (media_type, result) = match part {
                Part::Cached {
                    media_type, entry, ..
                } if entry.is_fresh_at(now) => (media_type, CacheStatus::Hit),
                Part::Cached { media_type, .. } => (media_type, CacheStatus::Stale),
                Part::Missing { media_type, .. } => (media_type, CacheStatus::Miss),
                Part::Direct { .. } => continue,
            };
            self.count(result, *media_type);
        }
        lookup.status = if state.store.is_none() || lookup.parts.is_empty() {
            CacheStatus::Bypass
        } else if missing {
            CacheStatus::Miss
        } else if stale {
            CacheStatus::Stale
        } else {
            CacheStatus::Hit
        };
        lookup
    }
}

impl HistoryService {
    /// The second tier's valid entry for `key`, copied into the first tier (counted as a hit
    /// of tier `l2`); none without a second tier, or when a change arrives meanwhile.
    async fn shared_entry(&self, state: &CacheState, key: &PartKey) -> Option<Arc<CachedPart>> {
        let (tier, store) = (self.tier.as_ref()?, state.store.as_ref()?);
        let generation = state.generation();
        let found = tier.get(key).await?;
        let entry = shared(found, &state.policy, generation);
        store.insert(key.clone(), Arc::clone(&entry)).await;
        if !state.register(key, &entry).await {
            return None;
        }
        self.metrics.tier_hits(TIER_SHARED).inc();
        Some(entry)
    }
}

/// Turns the cached partial parts of `lookup` into misses when they cannot answer it with the
/// other parts (some part is missing anyway, or the merge would reach past a boundary); the
/// batch that fills the misses answers this query exactly. Returns whether any part changed.
fn replace_insufficient_parts(lookup: &mut Lookup, missing: bool) -> bool {
    let entries: Vec<&Arc<CachedPart>> = lookup.parts.iter().filter_map(Part::entry).collect();
    if entries.iter().all(|entry| entry.boundary.is_none())
        || (!missing && parts_suffice(&lookup.query, &entries))
    {
        return false;
    }
    for part in &mut lookup.parts {
        if let Part::Cached {
            media_type,
            key,
            backend,
            entry,
        } = part
        {
            if entry.boundary.is_some() {
                *part = Part::Missing {
                    media_type: *media_type,
                    key: key.clone(),
                    backend: backend.clone(),
                    replace: true,
                };
            }
        }
    }
    true
}

/// Makes every part of `lookup` that is cached partially, or missing, a miss that replaces
/// what the cache holds.
pub(super) fn mark_all_replaced(lookup: &mut Lookup) {
    replace_insufficient_parts(lookup, true);
    for part in &mut lookup.parts {
        if let Part::Missing { replace, .. } = part {
            *replace = true;
        }
    }
}
