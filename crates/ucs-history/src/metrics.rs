//! The service's Prometheus metrics. Label values are bounded: media types, backend names from
//! the configuration, and fixed result/cause/kind words.

use crate::admission::{AdmissionOutcome, Admitted, Overload};
use crate::backend::FailureKind;
use crate::cache::EvictionCause;
use crate::status::CacheStatus;
use prometheus::{
    exponential_buckets, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts,
    Registry,
};
use ucs_model::MediaType;

/// Histogram buckets of backend calls: from 100 µs doubling to ~13 s.
fn latency_buckets() -> Vec<f64> {
    exponential_buckets(0.0001, 2.0, 18).expect("constant bucket parameters are valid")
}

/// The metrics of the history service.
#[derive(Clone, Debug)]
pub struct HistoryMetrics {
    /// `ucs_proxy_cache_requests_total{result,media_type}`: one per media type part looked up.
    pub(crate) cache_requests: IntCounterVec,
    /// The `cache_requests` series, per media type (in `MediaType::ALL` order) and result
    /// (hit, miss, stale, bypass): resolved once, so a lookup counts without a label search.
    lookup_series: Vec<[IntCounter; 4]>,
    /// The `cache_requests{result="stale_if_error"}` series per media type: expired answers
    /// that stood in for a failed backend call.
    stale_if_error_series: Vec<IntCounter>,
    /// `ucs_proxy_cache_coalesced_total{media_type}`: misses that waited for another caller's
    /// backend call instead of making their own.
    pub(crate) coalesced: IntCounterVec,
    /// `ucs_proxy_cache_tier_hits_total{tier}`: fresh hits by the tier that held them (`l1`:
    /// this node's own cache, `l2`: the cluster's shared one). Counted with a second tier only.
    pub(crate) tier_hits: IntCounterVec,
    /// `ucs_proxy_cache_evictions_total{cause}`: entries removed (expired, size, explicit,
    /// replaced).
    pub(crate) evictions: IntCounterVec,
    /// `ucs_proxy_cache_entries`: entries held (estimate, refreshed on scrape).
    pub(crate) entries: IntGauge,
    /// `ucs_proxy_cache_bytes`: weighed bytes held (estimate, refreshed on scrape).
    pub(crate) bytes: IntGauge,
    /// `ucs_proxy_backend_request_duration_seconds{backend,media_type}`.
    pub(crate) backend_duration: HistogramVec,
    /// `ucs_proxy_backend_errors_total{backend,media_type,kind}`.
    pub(crate) backend_errors: IntCounterVec,
    /// `ucs_proxy_admission_total{outcome}`: backend calls admitted at once, after waiting, or
    /// refused (queue full, wait too long).
    pub(crate) admission: IntCounterVec,
    /// `ucs_proxy_cache_changes_total{source}`: interaction changes received, by source (a
    /// backend's change feed, `passthrough` writes, the `admin` API).
    pub(crate) changes: IntCounterVec,
    /// `ucs_proxy_cache_invalidated_total`: entries dropped because a change may affect them
    /// (or their backend's change feed was interrupted).
    pub(crate) invalidated: IntCounter,
    /// `ucs_proxy_cache_spared_total`: entries of a change's tenant and media type that it
    /// could not affect, kept.
    pub(crate) spared: IntCounter,
    /// `ucs_proxy_cache_resyncs_total{backend}`: change feeds (re)connected, each dropping
    /// that backend's entries.
    pub(crate) resyncs: IntCounterVec,
    /// `ucs_proxy_content_requests_total{result}`: GetInteractionContent lookups (hit, miss,
    /// bypass) and, with result `not_found`, resolutions that found no interaction.
    pub(crate) content_requests: IntCounterVec,
}

/// The `tier` label of a hit in this node's own cache.
pub(crate) const TIER_LOCAL: &str = "l1";
/// The `tier` label of a hit in the cache shared by the cluster.
pub(crate) const TIER_SHARED: &str = "l2";

impl HistoryMetrics {
    /// Creates the metrics and registers them in `registry`.
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let cache_requests = IntCounterVec::new(
            Opts::new(
                "ucs_proxy_cache_requests_total",
                "Cache lookups per media type part of a history query, by result.",
            ),
            &["result", "media_type"],
        )?;
        let lookup_series = MediaType::ALL
            .iter()
            .map(|m| {
                CacheStatus::ALL
                    .map(|r| cache_requests.with_label_values(&[r.as_label(), m.as_str()]))
            })
            .collect();
        let stale_if_error_series = MediaType::ALL
            .iter()
            .map(|m| cache_requests.with_label_values(&["stale_if_error", m.as_str()]))
            .collect();
        let metrics = Self {
            cache_requests,
            lookup_series,
            stale_if_error_series,
            coalesced: IntCounterVec::new(
                Opts::new(
                    "ucs_proxy_cache_coalesced_total",
                    "Cache misses served by another caller's backend call (request coalescing).",
                ),
                &["media_type"],
            )?,
            tier_hits: IntCounterVec::new(
                Opts::new(
                    "ucs_proxy_cache_tier_hits_total",
                    "Fresh cache hits by the tier that held them (l1: the node's own, l2: the cluster's shared cache).",
                ),
                &["tier"],
            )?,
            evictions: IntCounterVec::new(
                Opts::new(
                    "ucs_proxy_cache_evictions_total",
                    "Cache entries removed, by cause (expired, size, explicit, replaced).",
                ),
                &["cause"],
            )?,
            entries: IntGauge::new("ucs_proxy_cache_entries", "Cache entries held (estimate).")?,
            bytes: IntGauge::new(
                "ucs_proxy_cache_bytes",
                "Bytes of results held in the cache (estimate of their size in memory).",
            )?,
            backend_duration: HistogramVec::new(
                HistogramOpts::new(
                    "ucs_proxy_backend_request_duration_seconds",
                    "Duration of backend plugin queries, by backend and media type.",
                )
                .buckets(latency_buckets()),
                &["backend", "media_type"],
            )?,
            backend_errors: IntCounterVec::new(
                Opts::new(
                    "ucs_proxy_backend_errors_total",
                    "Failed backend plugin queries, by backend, media type and kind \
                     (unavailable, timeout, invalid_request, internal, panic, invalid_output).",
                ),
                &["backend", "media_type", "kind"],
            )?,
            admission: IntCounterVec::new(
                Opts::new(
                    "ucs_proxy_admission_total",
                    "Backend calls by admission outcome (admitted, waited, queue_full, timeout).",
                ),
                &["outcome"],
            )?,
            changes: IntCounterVec::new(
                Opts::new(
                    "ucs_proxy_cache_changes_total",
                    "Interaction changes received, by source (a backend's change feed, \
                     passthrough writes, the admin API).",
                ),
                &["source"],
            )?,
            invalidated: IntCounter::new(
                "ucs_proxy_cache_invalidated_total",
                "Cache entries dropped because a change may affect their answer (or their \
                 backend's change feed was interrupted).",
            )?,
            spared: IntCounter::new(
                "ucs_proxy_cache_spared_total",
                "Cache entries of a change's tenant and media type that it could not affect.",
            )?,
            resyncs: IntCounterVec::new(
                Opts::new(
                    "ucs_proxy_cache_resyncs_total",
                    "Backend change feeds (re)connected; each drops that backend's entries.",
                ),
                &["backend"],
            )?,
            content_requests: IntCounterVec::new(
                Opts::new(
                    "ucs_proxy_content_requests_total",
                    "GetInteractionContent lookups by result (hit, miss, bypass), and resolutions that found nothing (not_found).",
                ),
                &["result"],
            )?,
        };
        for outcome in AdmissionOutcome::ALL {
            metrics.admission.with_label_values(&[outcome.as_label()]);
        }
        for cause in EvictionCause::ALL {
            metrics.evictions.with_label_values(&[cause.as_label()]);
        }
        for media_type in MediaType::ALL {
            metrics.coalesced.with_label_values(&[media_type.as_str()]);
        }
        registry.register(Box::new(metrics.cache_requests.clone()))?;
        registry.register(Box::new(metrics.coalesced.clone()))?;
        registry.register(Box::new(metrics.tier_hits.clone()))?;
        registry.register(Box::new(metrics.evictions.clone()))?;
        registry.register(Box::new(metrics.entries.clone()))?;
        registry.register(Box::new(metrics.bytes.clone()))?;
        registry.register(Box::new(metrics.backend_duration.clone()))?;
        registry.register(Box::new(metrics.backend_errors.clone()))?;
        registry.register(Box::new(metrics.admission.clone()))?;
        registry.register(Box::new(metrics.changes.clone()))?;
        registry.register(Box::new(metrics.invalidated.clone()))?;
        registry.register(Box::new(metrics.spared.clone()))?;
        registry.register(Box::new(metrics.resyncs.clone()))?;
        registry.register(Box::new(metrics.content_requests.clone()))?;
        for result in ["hit", "miss", "bypass", "not_found"] {
            metrics.content_requests.with_label_values(&[result]);
        }
        Ok(metrics)
    }

    /// Creates the series of `backend` serving `media_type` at zero, so that dashboards and
    /// alerts see them before the first call or error.
    pub(crate) fn declare_backend(&self, backend: &str, media_type: MediaType) {
        let labels = [backend, media_type.as_str()];
        self.backend_duration.with_label_values(&labels);
        self.changes.with_label_values(&[backend]);
        self.resyncs.with_label_values(&[backend]);
        for kind in FailureKind::ALL {
            self.backend_errors
                .with_label_values(&[labels[0], labels[1], kind.as_label()]);
        }
    }

    /// Counts one admission decision.
    pub(crate) fn count_admission(&self, outcome: &Result<Admitted, Overload>) {
        self.admission
            .with_label_values(&[AdmissionOutcome::of(outcome).as_label()])
            .inc();
    }

    /// The hit counter of cache tier `tier` (`l1` or `l2`).
    pub(crate) fn tier_hits(&self, tier: &str) -> IntCounter {
        self.tier_hits.with_label_values(&[tier])
    }

    /// The lookup counter of `result` for `media_type`.
    pub(crate) fn lookup_counter(&self, result: CacheStatus, media_type: MediaType) -> &IntCounter {
        &self.lookup_series[media_type as usize][result.index()]
    }

    /// The counter of expired answers of `media_type` that stood in for a failed call.
    pub(crate) fn stale_if_error(&self, media_type: MediaType) -> &IntCounter {
        &self.stale_if_error_series[media_type as usize]
    }

    /// Lookups so far, by result, over every media type.
    pub fn lookups(&self) -> LookupCounts {
        let total = |result: CacheStatus| -> u64 {
            self.lookup_series
                .iter()
                .map(|series| series[result.index()].get())
                .sum()
        };
        LookupCounts {
            hit: total(CacheStatus::Hit),
            miss: total(CacheStatus::Miss),
            stale: total(CacheStatus::Stale),
            bypass: total(CacheStatus::Bypass),
        }
    }

    /// Metrics registered nowhere (tests, tools).
    pub fn unregistered() -> Self {
        Self::register(&Registry::new()).expect("a fresh registry accepts every metric")
    }
}

/// Cache lookups so far (one per media type part), by result.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct LookupCounts {
    /// Fresh entries served.
    pub hit: u64,
    /// Parts asked from a backend.
    pub miss: u64,
    /// Stale entries served (and refreshed).
    pub stale: u64,
    /// Parts asked with the cache off.
    pub bypass: u64,
}

impl LookupCounts {
    /// Share of cacheable lookups answered from the cache, `(hit + stale) / (hit + stale +
    /// miss)`; `None` before the first one.
    pub fn hit_ratio(&self) -> Option<f64> {
        let served = self.hit + self.stale;
        let total = served + self.miss;
        (total > 0).then(|| served as f64 / total as f64)
    }
}
