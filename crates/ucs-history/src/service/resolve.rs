//! Resolving a looked-up query after the ack: cached parts as they are, missing ones through
//! their backends (identical concurrent misses make one call), merged, sorted and cut.

use super::batch::batch_groups;
use super::call::{fetch, fill, Resolved};
use super::lookup::mark_all_replaced;
use super::lookup::{Lookup, Part};
use super::partial::parts_suffice;
use super::HistoryService;
use crate::backend::FailureKind;
use crate::cache::{CachedPart, PartKey};
use crate::dispatcher::Registered;
use crate::error::HistoryError;
use futures_util::future::join_all;
use futures_util::FutureExt;
use std::sync::Arc;
use ucs_model::{HistoryQuery, Interaction, MediaType};
use ucs_plugin_api::BackendRequest;

impl HistoryService {
    /// Resolves a looked-up query: cached parts as they are (a stale one triggers one background
    /// refresh), missing ones through the backends (identical concurrent misses make one call),
    /// merged, sorted and cut to `maxSize`. Errors are never cached.
    pub async fn resolve(&self, lookup: Lookup) -> Result<Vec<Interaction>, HistoryError> {
        let (query, parts) = self.resolve_parts(lookup).await?;
        Ok(query.merge_parts(parts.iter().map(|part| part.interactions.as_slice())))
    }

    pub(super) async fn resolve_parts(
        &self,
        lookup: Lookup,
    ) -> Result<(HistoryQuery, Vec<Resolved>), HistoryError> {
        if lookup.answer.is_some() {
            let parts = lookup
                .answer_parts
                .iter()
                .map(|(media_type, entry)| Resolved::from_entry(*media_type, Arc::clone(entry)))
                .collect();
            return Ok((lookup.query, parts));
        }
        if lookup.parts.is_empty() {
            let asked: Vec<&str> = lookup.asked.iter().map(|m| m.as_str()).collect();
            return Err(HistoryError::NoBackend(asked.join(", ")));
        }
        for part in &lookup.parts {
            self.refresh_if_stale(part, &lookup);
        }
        let mut lookup = lookup;
        let parts = self.resolve_each(&lookup).await?;
        let entries: Vec<&Arc<CachedPart>> =
            parts.iter().filter_map(|p| p.entry.as_ref()).collect();
        if parts_suffice(&lookup.query, &entries) {
            return Ok((lookup.query, parts));
        }
        // A coalesced batch of another query filled partial parts that do not answer this one:
        // ask again for this query's own batch, replacing them (that answer always suffices).
        drop(entries);
        mark_all_replaced(&mut lookup);
        let parts = self.resolve_each(&lookup).await?;
        Ok((lookup.query, parts))
    }

    /// Resolves every part once: the missing parts of one batching backend in one call, the
    /// others one by one, all at the same time.
    async fn resolve_each(&self, lookup: &Lookup) -> Result<Vec<Resolved>, HistoryError> {
        let batches = batch_groups(&lookup.parts);
        let batched: Vec<usize> = batches.iter().flatten().copied().collect();
        let singles = (0..lookup.parts.len())
            .filter(|i| !batched.contains(i))
            .map(|i| {
                let part = &lookup.parts[i];
                let resolved = self.resolve_part(part, lookup);
                async move { Ok::<_, HistoryError>(vec![(i, resolved.await?)]) }.boxed()
            });
        let groups = batches
            .iter()
            .map(|group| self.resolve_batch(group, lookup).boxed());
        let mut parts: Vec<(usize, Resolved)> = Vec::with_capacity(lookup.parts.len());
        for unit in join_all(singles.chain(groups)).await {
            parts.extend(unit?);
        }
        parts.sort_by_key(|(i, _)| *i);
        Ok(parts.into_iter().map(|(_, part)| part).collect())
    }

    pub(super) async fn resolve_part(
        &self,
        part: &Part,
        lookup: &Lookup,
    ) -> Result<Resolved, HistoryError> {
        let (tenant, query, state) = (lookup.tenant.as_str(), &lookup.query, &*lookup.state);
        let call = self.call(Some(&lookup.user_id));
        let (media_type, key, backend) = match part {
            Part::Cached {
                media_type, entry, ..
            } => return Ok(Resolved::from_entry(*media_type, Arc::clone(entry))),
            Part::Direct {
                media_type,
                backend,
            } => (*media_type, None, backend),
            Part::Missing {
                media_type,
                key,
                backend,
                replace,
            } => (*media_type, Some((key, *replace)), backend),
        };
        let request = BackendRequest::new(tenant, query, media_type);
        let (Some((key, replace)), Some(store)) = (key, &state.store) else {
            let interactions = fetch(backend, &request, &call).await?;
            return Ok(Resolved {
                media_type,
                interactions: Arc::new(interactions),
                entry: None,
            });
        };
        if replace {
            return self
                .fetch_replacing(backend, &request, key, lookup, media_type)
                .await;
        }
        let load = fill(
            self.tier.as_ref(),
            key,
            state,
            backend,
            &request,
            &call,
            true,
        );
        let entry = match store.entry(key.clone()).or_try_insert_with(load).await {
            Ok(entry) => entry,
            Err(error) => return self.stand_in((*error).clone(), lookup, media_type),
        };
        if !entry.is_fresh() {
            // Another caller's call filled it: this miss was coalesced.
            self.metrics
                .coalesced
                .with_label_values(&[media_type.as_str()])
                .inc();
        }
        let entry = entry.into_value();
        if !state.register(key, &entry).await {
            // A change arrived while it was read: what it read may predate the change.
            return self
                .fetch_replacing(backend, &request, key, lookup, media_type)
                .await;
        }
        Ok(Resolved::from_entry(media_type, entry))
    }

    /// A failed backend call: the expired answer of the part stands in for it when
    /// `stale_if_error` allows (a failure the caller did not cause, an answer no change has
    /// dropped), counted and logged; otherwise the error.
    fn stand_in(
        &self,
        error: HistoryError,
        lookup: &Lookup,
        media_type: MediaType,
    ) -> Result<Resolved, HistoryError> {
        let not_the_callers = match &error {
            HistoryError::Backend { failure, .. } => failure.kind() != FailureKind::InvalidRequest,
            HistoryError::Overloaded(_) => true,
            _ => false,
        };
        let now = tokio::time::Instant::now();
        let stand_in = lookup
            .stand_ins
            .iter()
            .find(|(m, entry)| *m == media_type && entry.may_stand_in_at(now))
            .filter(|_| not_the_callers);
        let Some((_, entry)) = stand_in else {
            return Err(error);
        };
        self.metrics.stale_if_error(media_type).inc();
        tracing::warn!(media_type = media_type.as_str(), %error,
            "backend call failed: an expired answer stands in (stale-if-error)");
        Ok(Resolved::from_entry(media_type, Arc::clone(entry)))
    }

    /// Asks the backend for `key`'s part and stores the answer in place of whatever is cached.
    /// The answer is delivered even when a change arrives during the call (it was read after
    /// the request came); it is only kept if none may affect it.
    pub(super) async fn fetch_replacing(
        &self,
        backend: &Registered,
        request: &BackendRequest,
        key: &PartKey,
        lookup: &Lookup,
        media_type: MediaType,
    ) -> Result<Resolved, HistoryError> {
        let state = &*lookup.state;
        let call = self.call(Some(&lookup.user_id));
        let entry = fill(
            self.tier.as_ref(),
            key,
            state,
            backend,
            request,
            &call,
            false,
        )
        .await?;
        if let Some(store) = &state.store {
            store.insert(key.clone(), Arc::clone(&entry)).await;
            state.register(key, &entry).await;
        }
        Ok(Resolved::from_entry(media_type, entry))
    }
}
