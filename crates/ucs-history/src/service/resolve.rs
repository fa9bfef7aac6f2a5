//! Resolving a looked-up query after the ack: cached parts as they are, missing ones through
//! their backends (identical concurrent misses make one call), merged, sorted and cut.

use super::lookup::{Lookup, Part};
use super::HistoryService;
use crate::backend::HistoryBackend;
use crate::cache::{CachePolicy, CacheState, CachedPart};
use crate::dispatcher::Registered;
use crate::error::HistoryError;
use crate::metrics::HistoryMetrics;
use futures_util::future::join_all;
use std::sync::Arc;
use std::time::Instant;
use ucs_model::{HistoryQuery, Interaction, MediaType};
use ucs_plugin_api::BackendRequest;

/// One part's answer, and the cache entry it came from (none when the cache is off).
#[derive(Debug)]
pub(super) struct Resolved {
    pub(super) media_type: MediaType,
    pub(super) interactions: Arc<Vec<Interaction>>,
    pub(super) entry: Option<Arc<CachedPart>>,
}

impl Resolved {
    pub(super) fn from_entry(media_type: MediaType, entry: Arc<CachedPart>) -> Self {
        Self {
            media_type,
            interactions: Arc::clone(&entry.interactions),
            entry: Some(entry),
        }
    }
}

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
        if let Some(answer) = &lookup.answer {
            let parts = answer
                .parts()
                .map(|(media_type, entry)| Resolved::from_entry(media_type, Arc::clone(entry)))
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

    async fn resolve_part(
        &self,
        part: &Part,
        tenant: &str,
        query: &HistoryQuery,
        state: &CacheState,
    ) -> Result<Resolved, HistoryError> {
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
            } => (*media_type, Some(key), backend),
        };
        let request = BackendRequest::new(tenant, query, media_type);
        let (Some(key), Some(store)) = (key, &state.store) else {
            let interactions = fetch(backend, &request, &self.metrics).await?;
            return Ok(Resolved {
                media_type,
                interactions: Arc::new(interactions),
                entry: None,
            });
        };
        let (metrics, policy) = (&self.metrics, &state.policy);
        let load = async move {
            let interactions = fetch(backend, &request, metrics).await?;
            Ok::<_, HistoryError>(stored(interactions, policy, media_type))
        };
        let entry = store
            .entry(key.clone())
            .or_try_insert_with(load)
            .await
            .map_err(|error| (*error).clone())?;
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

/// A fresh entry for a backend's answer under `policy`.
pub(super) fn stored(
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

/// One backend call, timed and counted; a failure is counted by its kind, logged with the
/// backend's name, and returned naming the backend.
pub(super) async fn fetch(
    backend: &Registered,
    request: &BackendRequest,
    metrics: &HistoryMetrics,
) -> Result<Vec<Interaction>, HistoryError> {
    let labels = [&*backend.name, request.media_type.as_str()];
    let started = Instant::now();
    let result = HistoryBackend::query(&*backend.backend, request).await;
    metrics
        .backend_duration
        .with_label_values(&labels)
        .observe(started.elapsed().as_secs_f64());
    result.map_err(|failure| {
        let kind = failure.kind().as_label();
        metrics
            .backend_errors
            .with_label_values(&[labels[0], labels[1], kind])
            .inc();
        tracing::warn!(backend = labels[0], media_type = labels[1], kind, error = %failure,
            "backend query failed");
        HistoryError::Backend {
            backend: Arc::clone(&backend.name),
            failure,
        }
    })
}
