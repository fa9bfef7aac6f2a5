//! One call for the missing parts of a query that one batching backend serves (e.g. the
//! gws-upstream relay: GWS answers all media types in one request). The answer fills every
//! part's cache entry; identical concurrent queries wait for the one call.

use super::call::{fetch, stored, Resolved};
use super::lookup::{Lookup, Part};
use super::partial::split_batch;
use super::HistoryService;
use crate::cache::{CachedPart, PartKey};
use crate::dispatcher::Registered;
use crate::error::HistoryError;
use std::sync::Arc;
use ucs_model::MediaType;
use ucs_plugin_api::BackendRequest;

/// The groups of missing parts (indices into `parts`) that one batching backend serves, each of
/// at least two parts.
pub(super) fn batch_groups(parts: &[Part]) -> Vec<Vec<usize>> {
    let mut groups: Vec<(Arc<str>, Vec<usize>)> = Vec::new();
    for (index, part) in parts.iter().enumerate() {
        let Part::Missing { backend, .. } = part else {
            continue;
        };
        if !backend.backend.batches() {
            continue;
        }
        match groups.iter_mut().find(|(name, _)| *name == backend.name) {
            Some((_, group)) => group.push(index),
            None => groups.push((Arc::clone(&backend.name), vec![index])),
        }
    }
    groups
        .into_iter()
        .map(|(_, group)| group)
        .filter(|group| group.len() > 1)
        .collect()
}

/// A missing part's media type, key, backend and whether it replaces a cached entry.
fn missing(part: &Part) -> (MediaType, &PartKey, &Registered, bool) {
    match part {
        Part::Missing {
            media_type,
            key,
            backend,
            replace,
        } => (*media_type, key, backend, *replace),
        Part::Cached { .. } | Part::Direct { .. } => {
            unreachable!("batch groups hold missing parts only")
        }
    }
}

impl HistoryService {
    /// Resolves the missing parts `group` of `lookup` with one call to their backend.
    pub(super) async fn resolve_batch(
        &self,
        group: &[usize],
        lookup: &Lookup,
    ) -> Result<Vec<(usize, Resolved)>, HistoryError> {
        let parts: Vec<_> = group.iter().map(|&i| missing(&lookup.parts[i])).collect();
        let media_types: Vec<MediaType> = parts.iter().map(|p| p.0).collect();
        let backend = parts[0].2;
        let state = &lookup.state;
        let store = state
            .store
            .as_ref()
            .expect("missing parts exist only with the cache on");
        let request = BackendRequest::batch(lookup.tenant.as_str(), &lookup.query, &media_types);
        let (policy, query) = (&state.policy, &lookup.query);
        let caller = self.call(Some(&lookup.user_id));
        let generation = state.generation();
        let call = async {
            let answer = fetch(backend, &request, &caller).await?;
            let (split, boundary) = split_batch(query, answer, &media_types);
            Ok::<_, HistoryError>(
                split
                    .into_iter()
                    .zip(&media_types)
                    .map(|(items, m)| stored(items, policy, *m, boundary.clone(), generation))
                    .collect::<Vec<Arc<CachedPart>>>(),
            )
        };
        if parts.iter().any(|p| p.3) {
            // Partial entries stand in the way of the entry API: replace them all.
            let entries = call.await?;
            for (part, entry) in parts.iter().zip(&entries) {
                store.insert(part.1.clone(), Arc::clone(entry)).await;
                // Delivered whatever a change meanwhile says (read after the request came);
                // kept only if no change may affect it.
                state.register(part.1, entry).await;
            }
            return Ok(group
                .iter()
                .zip(parts.iter().zip(entries))
                .map(|(&i, (part, entry))| (i, Resolved::from_entry(part.0, entry)))
                .collect());
        }
        // The first part's entry is the coalescing point: its loader makes the one call and
        // stores the other parts before it returns.
        let others: Vec<PartKey> = parts[1..].iter().map(|p| p.1.clone()).collect();
        let first = store
            .entry(parts[0].1.clone())
            .or_try_insert_with(async {
                let entries = call.await?;
                for (key, entry) in others.into_iter().zip(&entries[1..]) {
                    store.insert(key, Arc::clone(entry)).await;
                }
                Ok::<_, HistoryError>(Arc::clone(&entries[0]))
            })
            .await
            .map_err(|error| (*error).clone())?;
        if !first.is_fresh() {
            self.metrics
                .coalesced
                .with_label_values(&[parts[0].0.as_str()])
                .inc();
        }
        let mut entries = vec![Some(first.into_value())];
        for part in &parts[1..] {
            entries.push(store.get(part.1).await);
        }
        let mut resolved = Vec::with_capacity(group.len());
        for ((&i, part), entry) in group.iter().zip(&parts).zip(entries) {
            // Stored by the call just made (ours or a coalesced one). Gone already, or read
            // before a change that may affect it: this part alone is asked again.
            let part_resolved = match entry {
                Some(entry) if state.register(part.1, &entry).await => {
                    Resolved::from_entry(part.0, entry)
                }
                _ => {
                    let request = BackendRequest::new(lookup.tenant.as_str(), query, part.0);
                    self.fetch_replacing(part.2, &request, part.1, lookup, part.0)
                        .await?
                }
            };
            resolved.push((i, part_resolved));
        }
        Ok(resolved)
    }
}
