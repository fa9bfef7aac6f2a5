//! Stale-while-revalidate: the one background refresh of a stale entry. The service owns these
//! tasks; dropping it aborts those still running.

use super::call::{fetch, stored, Call};
use super::lookup::{Lookup, Part};
use super::HistoryService;
use crate::admission::Admission;
use crate::cache::{CachePolicy, PartKey, Store};
use crate::dispatcher::Registered;
use crate::metrics::HistoryMetrics;
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
    store: Store,
    admission: Arc<Admission>,
    policy: CachePolicy,
    metrics: HistoryMetrics,
    key: PartKey,
    backend: Registered,
    request: BackendRequest,
}

impl Refresh {
    /// Asks the backend again and replaces the entry; on failure the stale entry stays until it
    /// expires (and is not refreshed again).
    async fn run(self) {
        let call = Call {
            metrics: &self.metrics,
            admission: &self.admission,
            user: None,
        };
        if let Ok(interactions) = fetch(&self.backend, &self.request, &call).await {
            let entry = stored(interactions, &self.policy, self.request.media_type, None);
            self.store.insert(self.key, entry).await;
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
        let Some(store) = &lookup.state.store else {
            return;
        };
        if !entry.is_fresh_at(Instant::now()) && entry.claim_refresh() {
            self.refreshes.spawn(Refresh {
                store: store.clone(),
                admission: Arc::clone(&self.admission),
                policy: lookup.state.policy.clone(),
                metrics: self.metrics.clone(),
                key: key.clone(),
                backend: backend.clone(),
                request: BackendRequest::new(lookup.tenant.as_str(), &lookup.query, *media_type),
            });
        }
    }
}
