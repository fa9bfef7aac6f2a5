//! Parts filled from one batch answer. A batch answer holds the query's first `maxSize` over
//! several media types; when it was cut, each part filled from it is complete only up to the
//! answer's last interaction (its boundary). Such parts answer a query exactly as long as the
//! merged answer never reaches past a boundary — always the case for the query that made them.

use crate::cache::CachedPart;
use std::cmp::Ordering;
use std::sync::Arc;
use ucs_model::{HistoryQuery, Interaction, MediaType};

/// Whether `parts` (cached entries of `query`'s media types) answer it exactly.
///
/// Exact parts always do. With partial parts, the merged first `maxSize` must end at or before
/// every boundary: adding the missing interactions (all after their part's boundary) can only
/// move the cut earlier, so the answer would be the same. Fewer than `maxSize` in all means the
/// answer needs everything, which a partial part does not have.
pub(super) fn parts_suffice(query: &HistoryQuery, parts: &[&Arc<CachedPart>]) -> bool {
    if parts.iter().all(|part| part.boundary.is_none()) {
        return true;
    }
    let n = query.max_size() as usize;
    let mut all: Vec<&Interaction> = parts
        .iter()
        .flat_map(|part| part.interactions.iter())
        .collect();
    if n == 0 || all.len() < n {
        return false;
    }
    let (_, last, _) = all.select_nth_unstable_by(n - 1, |a, b| query.compare(a, b));
    let last: &Interaction = last;
    parts
        .iter()
        .filter_map(|part| part.boundary.as_ref())
        .all(|boundary| query.compare(last, boundary) != Ordering::Greater)
}

/// Splits a batch answer (`query`'s first `maxSize` over `media_types`) into one part per media
/// type, each with the answer's boundary when the answer was cut.
pub(super) fn split_batch(
    query: &HistoryQuery,
    answer: Vec<Interaction>,
    media_types: &[MediaType],
) -> (Vec<Vec<Interaction>>, Option<Interaction>) {
    let cut = answer.len() >= query.max_size() as usize;
    let boundary = answer.last().filter(|_| cut).cloned();
    let mut parts: Vec<Vec<Interaction>> = vec![Vec::new(); media_types.len()];
    for interaction in answer {
        if let Some(at) = media_types
            .iter()
            .position(|m| m.matches(&interaction.media_type))
        {
            parts[at].push(interaction);
        }
    }
    (parts, boundary)
}
