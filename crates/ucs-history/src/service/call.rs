//! One backend call: admitted (`admission.rs`), timed, counted, its failure named; and the cache
//! entry an answer becomes. Everything that asks a backend goes through [`fetch`].

use super::HistoryService;
use crate::admission::Admission;
use crate::backend::{BackendFailure, HistoryBackend};
use crate::cache::{CachePolicy, CacheState, CachedPart, Locator, PartKey};
use crate::dispatcher::Registered;
use crate::error::HistoryError;
use crate::metrics::HistoryMetrics;
use crate::tier::{Fill, SecondTier, TierEntry};
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;
use ucs_model::{Interaction, MediaType};
use ucs_plugin_api::BackendRequest;

/// The `media_type` label of a batch call's metrics.
pub(super) const BATCH_LABEL: &str = "batch";

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

/// A fresh entry for a backend's answer under `policy`, complete up to `boundary` when it was
/// filled from a cut batch answer; its backend call began at change `generation`.
pub(super) fn stored(
    interactions: Vec<Interaction>,
    policy: &CachePolicy,
    media_type: MediaType,
    boundary: Option<Interaction>,
    generation: u64,
) -> Arc<CachedPart> {
    let fresh_for = policy.fresh_for(media_type, interactions.is_empty());
    Arc::new(
        CachedPart::new(
            Arc::new(interactions),
            fresh_for,
            policy.stale_while_revalidate,
            policy.stale_if_error,
        )
        .with_boundary(boundary)
        .began_at(generation),
    )
}

/// Who a backend call is made for, and what it reports to.
#[derive(Clone, Copy, Debug)]
pub(super) struct Call<'a> {
    pub(super) metrics: &'a HistoryMetrics,
    pub(super) admission: &'a Admission,
    /// Learns the media types of the interactions in history answers (none for a background
    /// refresh: its entry's interactions were learned when it was first filled).
    pub(super) locator: Option<&'a Locator>,
    /// The caller; none for a background refresh.
    pub(super) user: Option<&'a str>,
}

impl HistoryService {
    /// The call context of a call for `user`.
    pub(super) fn call<'a>(&'a self, user: Option<&'a str>) -> Call<'a> {
        Call {
            metrics: &self.metrics,
            admission: &self.admission,
            locator: Some(&self.locator),
            user,
        }
    }
}

/// One history call of a backend, through [`observed`].
pub(super) async fn fetch(
    backend: &Registered,
    request: &BackendRequest,
    call: &Call<'_>,
) -> Result<Vec<Interaction>, HistoryError> {
    // A batch call is timed and counted once, as media type `batch`.
    let media_label = if request.media_types.is_empty() {
        request.media_type.as_str()
    } else {
        BATCH_LABEL
    };
    let work = HistoryBackend::query(&*backend.backend, request);
    let interactions = observed(backend, &request.tenant, media_label, call, work).await?;
    if let Some(locator) = call.locator {
        locator.learn_all(&request.tenant, &interactions);
    }
    Ok(interactions)
}

/// One backend call (`work`, not started yet) for `tenant`, once admission control admits it
/// (see `admission.rs`), timed and counted under `media_label`; a failure is counted by its
/// kind, logged with the backend's name, and returned naming the backend.
pub(super) async fn observed<T>(
    backend: &Registered,
    tenant: &str,
    media_label: &str,
    call: &Call<'_>,
    work: impl Future<Output = Result<T, BackendFailure>>,
) -> Result<T, HistoryError> {
    let metrics = call.metrics;
    let admitted = call.admission.admit(tenant, call.user).await;
    metrics.count_admission(&admitted);
    let _admitted = admitted?;
    let labels = [&*backend.name, media_label];
    let started = Instant::now();
    let result = work.await;
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
            "backend call failed");
        HistoryError::Backend {
            backend: Arc::clone(&backend.name),
            failure,
        }
    })
}

/// A first-tier entry for what the second tier holds, fresh for as long as it is there.
pub(super) fn shared(found: TierEntry, policy: &CachePolicy, generation: u64) -> Arc<CachedPart> {
    Arc::new(
        CachedPart::new(
            found.interactions,
            found.fresh_for,
            policy.stale_while_revalidate,
            policy.stale_if_error,
        )
        .began_at(generation),
    )
}

/// Fills `key`'s part: through the second tier when there is one (what another node filled is
/// taken as it is, or this node calls the backend and shares the answer; with `lease`, one
/// node of the cluster calls at a time), else straight from the backend. The entry is not yet
/// stored in the first tier.
pub(super) async fn fill(
    tier: Option<&Arc<dyn SecondTier>>,
    key: &PartKey,
    state: &CacheState,
    backend: &Registered,
    request: &BackendRequest,
    call: &Call<'_>,
    lease: bool,
) -> Result<Arc<CachedPart>, HistoryError> {
    let generation = state.generation();
    let (policy, media_type) = (&state.policy, request.media_type);
    let Some(tier) = tier else {
        let interactions = fetch(backend, request, call).await?;
        return Ok(stored(interactions, policy, media_type, None, generation));
    };
    let mark = match tier.begin_fill(key, lease).await {
        Fill::Found(found) => {
            call.metrics
                .coalesced
                .with_label_values(&[media_type.as_str()])
                .inc();
            return Ok(shared(found, policy, generation));
        }
        Fill::Lead(mark) => Some(mark),
        Fill::Alone => None,
    };
    let entry = fetch(backend, request, call)
        .await
        .map(|interactions| stored(interactions, policy, media_type, None, generation));
    let Some(mark) = mark else {
        return entry;
    };
    // Shared in the background: the caller's notification does not wait for the write.
    let shared = entry.as_ref().ok().map(|entry| TierEntry {
        interactions: Arc::clone(&entry.interactions),
        fresh_for: policy.fresh_for(media_type, entry.interactions.is_empty()),
    });
    let (tier, tier_key) = (Arc::clone(tier), key.clone());
    tokio::spawn(async move {
        match shared {
            Some(shared) => tier.put(tier_key, mark, shared).await,
            None => tier.abandon(tier_key, mark).await,
        }
    });
    entry
}
