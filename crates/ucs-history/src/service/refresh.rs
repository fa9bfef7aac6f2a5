//! Stale-while-revalidate: the one background refresh of a stale entry. The service owns these
//! tasks; dropping it aborts those still running.

use super::call::{fill, Call};
use super::lookup::{Lookup, Part};
use super::HistoryService;
use crate::admission::Admission;
use crate::cache::{CacheState, PartKey};
use crate::dispatcher::Registered;
use crate::metrics::HistoryMetrics;
use crate::tier::SecondTier;
use std::sync::Arc;
use std::sync::{Mutex, PoisonError};
use tokio::task::JoinSet;
use tokio::time::Instant;
use ucs_plugin_api::BackendRequest;

/// The running background refreshes. A drop guard: dropping it aborts them.
#[derive(Debug, Default)]
pub(super) struct Refreshes {
    tasks: Mutex<JoinSet<()>>,
}

impl Refreshes {
    /// Runs `refresh` in the background, and forgets the refreshes that have finished.
    fn spawn(&self, refresh: Refresh) {
        let mut tasks = self.tasks.lock().unwrap_or_else(PoisonError::into_inner);
        while tasks.try_join_next().is_some() {}
        tasks.spawn(refresh.run());
    }
}

/// The background refresh of one stale entry.
struct Refresh {
    state: Arc<CacheState>,
    admission: Arc<Admission>,
    metrics: HistoryMetrics,
    key: PartKey,
    backend: Registered,
    request: BackendRequest,
    tier: Option<Arc<dyn SecondTier>>,
}

impl Refresh {
    /// Asks the backend again and replaces the entry; on failure the stale entry stays until it
    /// expires (and is not refreshed again).
    async fn run(self) {
        let call = Call {
            metrics: &self.metrics,
            admission: &self.admission,
            locator: None,
            user: None,
        };
        let Some(store) = &self.state.store else {
            return;
        };
        let (state, tier) = (&*self.state, self.tier.as_ref());
        let filled = fill(
            tier,
            &self.key,
            state,
            &self.backend,
            &self.request,
            &call,
            true,
        );
        if let Ok(entry) = filled.await {
            store.insert(self.key.clone(), Arc::clone(&entry)).await;
            self.state.register(&self.key, &entry).await;
        }
    }
}

impl HistoryService {
    /// Starts the one background refresh of a stale cached part.
    pub(super) fn refresh_if_stale(&self, part: &Part, lookup: &Lookup) {
        let Part::Cached {
            media_type,
            key,
            backend,
            entry,
        } = part
        else {
            return;
        };
        if lookup.state.store.is_none() {
            return;
        }
        if !entry.is_fresh_at(Instant::now()) && entry.claim_refresh() {
            self.refreshes.spawn(Refresh {
                state: Arc::clone(&lookup.state),
                admission: Arc::clone(&self.admission),
                metrics: self.metrics.clone(),
                key: key.clone(),
                backend: backend.clone(),
                request: BackendRequest::new(lookup.tenant.as_str(), &lookup.query, *media_type),
                tier: self.tier.clone(),
            });
        }
    }
}
