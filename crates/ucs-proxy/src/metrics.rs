//! The proxy's own Prometheus metrics (requests, end-to-end latency, CometD) and the `/metrics`
//! exposition. The history service registers its cache and backend metrics in the same registry.

use crate::auth::{AuthCheck, ThrottledBy};
use crate::connection::HeadRefusals;
use crate::labels::Outcome;
use prometheus::{
    exponential_buckets, Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter,
    IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};
use std::sync::Mutex;
use ucs_cometd::EngineStats;
use ucs_history::CacheStatus;

/// The metrics the edge records, and the registry every metric of the process lives in.
#[derive(Debug)]
pub(crate) struct ProxyMetrics {
    registry: Registry,
    /// `ucs_proxy_requests_total{operation,outcome}`: history requests.
    requests: IntCounterVec,
    /// The series of `requests` of every known operation, by outcome ([`Outcome::ALL`]'s
    /// order): counted without a label lookup.
    request_series: Vec<(&'static str, [IntCounter; Outcome::ALL.len()])>,
    /// `ucs_proxy_history_duration_seconds{cache}`: POST received → notification queued.
    history_duration: HistogramVec,
    /// The series of `history_duration`, by [`CacheStatus::index`].
    history_duration_series: [Histogram; CacheStatus::ALL.len()],
    /// `ucs_proxy_notification_delivery_seconds`: request received → the last byte of the
    /// long-poll answer carrying its notification written.
    notification_delivery: Histogram,
    cometd_sessions: IntGauge,
    cometd_queued: IntGauge,
    cometd_parked: IntGauge,
    cometd_deliveries: IntCounter,
    cometd_dropped: IntCounter,
    cometd_expired: IntCounter,
    /// `ucs_proxy_auth_upstream_checks_total{result}`: calls to the upstream's `/api/v2/me`
    /// (upstream authentication mode; cached principals are not counted).
    auth_upstream_checks: IntCounterVec,
    /// `ucs_proxy_auth_throttled_total{by}`: Basic logins refused unchecked after failures.
    auth_throttled: IntCounterVec,
    /// `ucs_proxy_downstream_dropped_total`: connections that went away mid-headers.
    downstream_dropped: IntCounter,
    /// `ucs_proxy_request_heads_refused_total{reason}`: heads refused below the HTTP layer.
    heads_refused: IntCounterVec,
    /// Serializes scrapes: the CometD counters are brought up to the engine's totals.
    scrape: Mutex<()>,
}

impl ProxyMetrics {
    /// Creates the proxy's metrics in a new registry.
    pub(crate) fn new() -> prometheus::Result<Self> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "ucs_proxy_requests_total",
                "History requests by operation and outcome (accepted, invalid, forbidden, \
                     unauthenticated, rejected).",
            ),
            &["operation", "outcome"],
        )?;
        let history_duration = HistogramVec::new(
            HistogramOpts::new(
                "ucs_proxy_history_duration_seconds",
                "From a history POST received to its notification queued for the caller, \
                     by cache result.",
            )
            .buckets(exponential_buckets(0.0001, 2.0, 18)?),
            &["cache"],
        )?;
        // Every series of a bounded label set exists from the start (a scrape shows zeros).
        let request_series = ucs_model::Operation::ALL
            .iter()
            .map(|operation| {
                let name = operation.name();
                (
                    name,
                    Outcome::ALL.map(|o| requests.with_label_values(&[name, o.as_label()])),
                )
            })
            .collect();
        let history_duration_series =
            CacheStatus::ALL.map(|cache| history_duration.with_label_values(&[cache.as_label()]));
        let metrics = Self {
            requests,
            request_series,
            history_duration,
            history_duration_series,
            notification_delivery: Histogram::with_opts(
                HistogramOpts::new(
                    "ucs_proxy_notification_delivery_seconds",
                    "From a request's head received to the last byte of the long-poll answer \
                     carrying its notification written to the client (this node's sessions).",
                )
                .buckets(exponential_buckets(0.00005, 1.5, 32)?),
            )?,
            cometd_sessions: IntGauge::new("ucs_proxy_cometd_sessions", "Live CometD sessions.")?,
            cometd_queued: IntGauge::new(
                "ucs_proxy_cometd_queued_messages",
                "Messages waiting in CometD session queues.",
            )?,
            cometd_parked: IntGauge::new(
                "ucs_proxy_cometd_parked_messages",
                "Notifications waiting for a session of their user to subscribe \
                 (cometd.park_ms).",
            )?,
            cometd_deliveries: IntCounter::new(
                "ucs_proxy_cometd_deliveries_total",
                "Messages queued for delivery to CometD sessions.",
            )?,
            cometd_dropped: IntCounter::new(
                "ucs_proxy_cometd_dropped_messages_total",
                "Messages dropped because a CometD session queue was full.",
            )?,
            cometd_expired: IntCounter::new(
                "ucs_proxy_cometd_expired_sessions_total",
                "CometD sessions removed after missing their connects.",
            )?,
            auth_upstream_checks: IntCounterVec::new(
                Opts::new(
                    "ucs_proxy_auth_upstream_checks_total",
                    "Callers checked with the upstream's /api/v2/me, by result (accepted, \
                     refused, unavailable).",
                ),
                &["result"],
            )?,
            auth_throttled: IntCounterVec::new(
                Opts::new(
                    "ucs_proxy_auth_throttled_total",
                    "Basic logins refused without checking after repeated failures, by what \
                     failed (source, user).",
                ),
                &["by"],
            )?,
            downstream_dropped: IntCounter::new(
                "ucs_proxy_downstream_dropped_total",
                "Connections that went away while sending their request headers (not logged).",
            )?,
            heads_refused: IntCounterVec::new(
                Opts::new(
                    "ucs_proxy_request_heads_refused_total",
                    "Request heads refused before reaching the proxy, by reason (timeout: not \
                     received whole within limits.header_read_timeout_ms, HTTP 408; malformed: \
                     not valid HTTP/1, HTTP 400).",
                ),
                &["reason"],
            )?,
            registry,
            scrape: Mutex::new(()),
        };
        for by in [ThrottledBy::Source, ThrottledBy::User] {
            metrics.auth_throttled.with_label_values(&[by.as_label()]);
        }
        for result in AuthCheck::ALL {
            metrics
                .auth_upstream_checks
                .with_label_values(&[result.as_label()]);
        }
        let r = &metrics.registry;
        r.register(Box::new(metrics.requests.clone()))?;
        r.register(Box::new(metrics.history_duration.clone()))?;
        r.register(Box::new(metrics.notification_delivery.clone()))?;
        r.register(Box::new(metrics.cometd_sessions.clone()))?;
        r.register(Box::new(metrics.cometd_queued.clone()))?;
        r.register(Box::new(metrics.cometd_parked.clone()))?;
        r.register(Box::new(metrics.cometd_deliveries.clone()))?;
        r.register(Box::new(metrics.cometd_dropped.clone()))?;
        r.register(Box::new(metrics.cometd_expired.clone()))?;
        r.register(Box::new(metrics.auth_upstream_checks.clone()))?;
        r.register(Box::new(metrics.auth_throttled.clone()))?;
        r.register(Box::new(metrics.downstream_dropped.clone()))?;
        r.register(Box::new(metrics.heads_refused.clone()))?;
        Ok(metrics)
    }

    /// The counters of request heads refused below the HTTP layer, for the connection guard.
    pub(crate) fn head_refusals(&self) -> HeadRefusals {
        HeadRefusals {
            timed_out: self.heads_refused.with_label_values(&["timeout"]),
            malformed: self.heads_refused.with_label_values(&["malformed"]),
        }
    }

    /// The counter of upstream authentication checks, for the authenticator.
    pub(crate) fn auth_upstream_checks(&self) -> IntCounterVec {
        self.auth_upstream_checks.clone()
    }

    /// The counter of throttled logins, for the authenticator.
    pub(crate) fn auth_throttled(&self) -> IntCounterVec {
        self.auth_throttled.clone()
    }

    /// The registry other components register in.
    pub(crate) fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Counts one history request.
    pub(crate) fn count_request(&self, operation: &str, outcome: Outcome) {
        let known = self
            .request_series
            .iter()
            .find(|(name, _)| *name == operation);
        match known {
            Some((_, by_outcome)) => by_outcome[outcome.index()].inc(),
            None => self
                .requests
                .with_label_values(&[operation, outcome.as_label()])
                .inc(),
        }
    }

    /// Records the time from POST received to notification queued.
    pub(crate) fn observe_history(&self, cache: CacheStatus, seconds: f64) {
        self.history_duration_series[cache.index()].observe(seconds);
    }

    /// Records one notification delivered `seconds` after its request was received.
    pub(crate) fn observe_delivery(&self, seconds: f64) {
        self.notification_delivery.observe(seconds);
    }

    /// The histogram of notification deliveries, for answers written later (parked long polls).
    pub(crate) fn notification_delivery(&self) -> Histogram {
        self.notification_delivery.clone()
    }

    /// The text exposition of every metric, the CometD figures taken now (refresh the cache
    /// gauges first with `HistoryService::cache_stats`).
    pub(crate) fn render(&self, engine: &EngineStats) -> Vec<u8> {
        {
            let _scrape = self.scrape.lock().unwrap_or_else(|e| e.into_inner());
            self.cometd_sessions
                .set(i64::try_from(engine.sessions).unwrap_or(i64::MAX));
            self.cometd_queued
                .set(i64::try_from(engine.queued).unwrap_or(i64::MAX));
            self.cometd_parked
                .set(i64::try_from(engine.parked).unwrap_or(i64::MAX));
            catch_up(&self.cometd_deliveries, engine.deliveries);
            catch_up(&self.cometd_dropped, engine.dropped);
            catch_up(&self.cometd_expired, engine.expired);
            catch_up(
                &self.downstream_dropped,
                crate::client_drops::dropped_mid_headers(),
            );
        }
        let mut families = self.registry.gather();
        families.extend(prometheus::gather());
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&families, &mut out)
            .expect("text encoding of gathered metrics cannot fail");
        out
    }
}

/// Raises a counter mirroring a monotonic total to that total.
fn catch_up(counter: &IntCounter, total: u64) {
    counter.inc_by(total.saturating_sub(counter.get()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_durations_are_counted_in_their_series() {
        let metrics = ProxyMetrics::new().unwrap();
        metrics.count_request("RetrieveInteractionHistory", Outcome::Forbidden);
        metrics.count_request("RetrieveInteractionHistory", Outcome::Forbidden);
        metrics.count_request("unknown", Outcome::Invalid);
        metrics.observe_history(CacheStatus::Stale, 0.25);
        let requests = |operation: &str, outcome: Outcome| {
            let labels = [operation, outcome.as_label()];
            metrics.requests.with_label_values(&labels).get()
        };
        assert_eq!(
            requests("RetrieveInteractionHistory", Outcome::Forbidden),
            2
        );
        assert_eq!(requests("RetrieveInteractionHistory", Outcome::Accepted), 0);
        assert_eq!(requests("unknown", Outcome::Invalid), 1);
        for cache in CacheStatus::ALL {
            let observed = metrics
                .history_duration
                .with_label_values(&[cache.as_label()]);
            let expected = u64::from(cache == CacheStatus::Stale);
            assert_eq!(observed.get_sample_count(), expected, "{cache:?}");
        }
    }

    #[test]
    fn the_exposition_carries_the_cometd_figures_once_each() {
        let metrics = ProxyMetrics::new().unwrap();
        let stats = EngineStats {
            sessions: 3,
            queued: 2,
            deliveries: 10,
            dropped: 1,
            expired: 0,
            parked: 4,
        };
        metrics.render(&stats);
        let text = String::from_utf8(metrics.render(&stats)).unwrap();
        assert!(text.contains("ucs_proxy_cometd_sessions 3"), "{text}");
        assert!(
            text.contains("ucs_proxy_cometd_parked_messages 4"),
            "{text}"
        );
        assert!(
            text.contains("ucs_proxy_cometd_deliveries_total 10"),
            "{text}"
        );
        assert!(
            text.contains("ucs_proxy_cometd_dropped_messages_total 1"),
            "{text}"
        );
    }
}
