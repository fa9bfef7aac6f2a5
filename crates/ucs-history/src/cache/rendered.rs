//! Rendered results: the merged, presented and serialized answer of one whole query, reused for
//! as long as it is made of the very same cache entries. A repeated hit then costs a lookup and a
//! copy of bytes, not a merge, a presentation and a serialization.

use super::entry::CachedPart;
use super::policy::CachePolicy;
use serde_json::value::RawValue;
use std::sync::Arc;
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
    parts: Vec<Arc<CachedPart>>,
    /// The interactions as a JSON array, presented for the caller.
    pub(crate) json: Arc<RawValue>,
}

impl Rendered {
    pub(crate) fn new(
        media_types: Vec<MediaType>,
        parts: Vec<Arc<CachedPart>>,
        json: Arc<RawValue>,
    ) -> Self {
        Self {
            media_types,
            parts,
            json,
        }
    }

    /// Its parts, each with its media type.
    pub(crate) fn parts(&self) -> impl Iterator<Item = (MediaType, &Arc<CachedPart>)> {
        self.media_types.iter().copied().zip(&self.parts)
    }

    /// Whether every part is still fresh at `now` (then the whole answer is a hit).
    pub(crate) fn is_fresh_at(&self, now: Instant) -> bool {
        self.parts.iter().all(|part| part.is_fresh_at(now))
    }

    /// Whether this answer was made of exactly `parts` (the same entries, not equal ones).
    pub(crate) fn is_made_of<'a>(
        &self,
        parts: impl ExactSizeIterator<Item = &'a Arc<CachedPart>>,
    ) -> bool {
        parts.len() == self.parts.len() && parts.zip(&self.parts).all(|(a, b)| Arc::ptr_eq(a, b))
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
