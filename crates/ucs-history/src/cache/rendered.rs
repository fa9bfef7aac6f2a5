//! Rendered results: the merged, presented and serialized answer of one whole query, reused for
//! as long as it is made of the very same cache entries. A repeated hit then costs a lookup and a
//! copy of bytes, not a merge, a presentation and a serialization.
//!
//! A rendered answer refers to its entries weakly: it never keeps an entry the cache has let go
//! of alive (the budget would not bound memory), and is no longer a hit once one is gone.

use super::entry::CachedPart;
use super::policy::CachePolicy;
use serde_json::value::RawValue;
use std::sync::{Arc, Weak};
use tokio::time::Instant;
use ucs_model::{CacheKey, MediaType};

/// The identity of a whole query's answer: scope and normalized query, and the media types it
/// covers (callers of one tenant may read different media types).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct RenderKey {
    pub(crate) key: CacheKey,
    pub(crate) media_types: Vec<MediaType>,
}

/// An answer as it is delivered, with the entries it was made of.
#[derive(Debug)]
pub(crate) struct Rendered {
    /// The media type of each part, in order.
    media_types: Vec<MediaType>,
    parts: Vec<Weak<CachedPart>>,
    /// When the first of its parts stops being fresh.
    fresh_until: Instant,
    /// The interactions as a JSON array, presented for the caller.
    pub(crate) json: Arc<RawValue>,
}

impl Rendered {
    pub(crate) fn new(
        media_types: Vec<MediaType>,
        parts: &[Arc<CachedPart>],
        json: Arc<RawValue>,
    ) -> Self {
        let fresh_until = parts
            .iter()
            .map(|part| part.fresh_until)
            .min()
            .unwrap_or_else(Instant::now);
        Self {
            media_types,
            parts: parts.iter().map(Arc::downgrade).collect(),
            fresh_until,
            json,
        }
    }

    /// Its parts with their media types, if every one is still held by somebody (the cache)
    /// and no change has dropped it.
    pub(crate) fn live_parts(&self) -> Option<Vec<(MediaType, Arc<CachedPart>)>> {
        self.media_types
            .iter()
            .zip(&self.parts)
            .map(|(media_type, part)| Some((*media_type, part.upgrade().filter(|p| p.is_valid())?)))
            .collect()
    }

    /// Whether every part is still fresh at `now` (then the whole answer is a hit).
    pub(crate) fn is_fresh_at(&self, now: Instant) -> bool {
        now < self.fresh_until
    }

    /// Whether this answer was made of exactly `parts` (the same entries, not equal ones).
    pub(crate) fn is_made_of<'a>(
        &self,
        parts: impl ExactSizeIterator<Item = &'a Arc<CachedPart>>,
    ) -> bool {
        parts.len() == self.parts.len()
            && parts
                .zip(&self.parts)
                .all(|(a, b)| std::ptr::eq(Arc::as_ptr(a), b.as_ptr()))
    }
}

/// The store of rendered answers: a quarter of the byte budget on top of the entries' own;
/// entries live as long as the longest result may (they are checked against their parts anyway).
pub(crate) type RenderStore = moka::sync::Cache<RenderKey, Arc<Rendered>, ahash::RandomState>;

pub(crate) fn build_render_store(policy: &CachePolicy) -> RenderStore {
    let longest = policy
        .media_ttl
        .values()
        .copied()
        .fold(policy.ttl, std::cmp::max);
    moka::sync::Cache::builder()
        .max_capacity((policy.max_bytes / 4).max(1))
        .weigher(|_key: &RenderKey, value: &Arc<Rendered>| {
            u32::try_from(value.json.get().len() + 256).unwrap_or(u32::MAX)
        })
        .time_to_live(longest + policy.stale_while_revalidate)
        .build_with_hasher(ahash::RandomState::new())
}
