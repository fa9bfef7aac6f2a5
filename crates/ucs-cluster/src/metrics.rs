//! The cluster's Prometheus metrics.

use prometheus::{IntCounterVec, IntGauge, Opts, Registry};

/// The `op` label of every Redis operation the cluster makes.
const OPS: [&str; 18] = [
    "l2_get",
    "l2_mark",
    "l2_put",
    "l2_release",
    "change",
    "purge",
    "resync",
    "publish",
    "presence_set",
    "presence_del",
    "presence_beat",
    "heartbeat",
    "nodes",
    "pending_keep",
    "pending_take",
    "login_set",
    "login_get",
    "login_renew",
];
/// The `result` label of a Redis operation.
const RESULTS: [&str; 4] = ["ok", "error", "timeout", "down"];

/// The cluster's metrics. Cheap to clone (the series are shared).
#[derive(Clone, Debug)]
pub struct ClusterMetrics {
    /// `ucs_proxy_cluster_redis_up`: 1 while Redis answers, 0 while this node serves alone.
    pub(crate) redis_up: IntGauge,
    /// `ucs_proxy_cluster_redis_ops_total{op,result}`: Redis operations by outcome (`ok`,
    /// `error`, `timeout`, `down`: not tried because Redis is down).
    pub(crate) ops: IntCounterVec,
    /// `ucs_proxy_cluster_deliveries_total{route}`: notifications by where they went (`local`,
    /// `remote`: another node's sessions, `pending`: kept in Redis for a user with no live
    /// session, `parked`: kept on this node while Redis was down).
    pub(crate) deliveries: IntCounterVec,
    /// `ucs_proxy_cluster_bus_messages_total{kind}`: messages received from other nodes.
    pub(crate) bus: IntCounterVec,
}

impl ClusterMetrics {
    /// Creates the metrics and registers them in `registry`.
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let metrics = Self {
            redis_up: IntGauge::new(
                "ucs_proxy_cluster_redis_up",
                "1 while Redis answers (cluster features on), 0 while this node serves alone.",
            )?,
            ops: IntCounterVec::new(
                Opts::new(
                    "ucs_proxy_cluster_redis_ops_total",
                    "Redis operations of the cluster by outcome (down: not tried, Redis is down).",
                ),
                &["op", "result"],
            )?,
            deliveries: IntCounterVec::new(
                Opts::new(
                    "ucs_proxy_cluster_deliveries_total",
                    "Notifications by route: local sessions, another node, pending in Redis, parked here.",
                ),
                &["route"],
            )?,
            bus: IntCounterVec::new(
                Opts::new(
                    "ucs_proxy_cluster_bus_messages_total",
                    "Messages received from other nodes, by kind.",
                ),
                &["kind"],
            )?,
        };
        // Every series at zero from the start: dashboards and alerts see them before traffic.
        for route in ["local", "remote", "pending", "parked"] {
            metrics.deliveries.with_label_values(&[route]);
        }
        for op in OPS {
            for result in RESULTS {
                metrics.ops.with_label_values(&[op, result]);
            }
        }
        registry.register(Box::new(metrics.redis_up.clone()))?;
        registry.register(Box::new(metrics.ops.clone()))?;
        registry.register(Box::new(metrics.deliveries.clone()))?;
        registry.register(Box::new(metrics.bus.clone()))?;
        Ok(metrics)
    }

    /// Metrics in a registry of their own (tests, benches).
    pub fn unregistered() -> Self {
        Self::register(&Registry::new()).expect("a fresh registry accepts every metric")
    }

    pub(crate) fn count(&self, op: &str, result: &str) {
        self.ops.with_label_values(&[op, result]).inc();
    }

    pub(crate) fn delivered(&self, route: &str) {
        self.deliveries.with_label_values(&[route]).inc();
    }
}
