//! `[cluster]`: many proxies, one cache, on Redis (off by default: a node serves alone).

use super::units;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::time::Duration;
use ucs_cluster::ClusterSettings;

/// `[cluster]`: the nodes of one cluster share a second cache tier, deliver to each other's
/// CometD sessions, coalesce misses and spread invalidations, all through Redis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterConfig {
    /// Whether this node joins a cluster (default false).
    pub enabled: bool,
    /// Redis: one URL (default `redis://127.0.0.1:6379`), or a Redis Cluster's seed URLs.
    pub redis: Vec<String>,
    /// Whether `redis` lists the seeds of a Redis Cluster (default false: one standalone Redis).
    pub redis_cluster: bool,
    /// This node's id, unique in the cluster (default: the host name and the listening port).
    pub node_id: String,
    /// The prefix of every key and channel (default `ucs:`); clusters sharing a Redis differ.
    pub key_prefix: String,
    /// The longest any one Redis operation may take (default 50 ms); past it the node serves
    /// alone until Redis answers a ping again.
    #[serde(rename = "op_timeout_ms", with = "units::millis")]
    pub op_timeout: Duration,
    /// How long a node's lease on filling a cache key lasts (default 15 s): other nodes wait
    /// for its answer at most this long, then call themselves.
    #[serde(rename = "lease_ms", with = "units::millis")]
    pub lease: Duration,
    /// Heartbeat period (default 2 s): node record and presence; a node is gone after three.
    #[serde(rename = "heartbeat_ms", with = "units::millis")]
    pub heartbeat: Duration,
    /// How long a notification for a user with no live session anywhere is kept (default 60 s).
    #[serde(rename = "pending_seconds", with = "units::seconds")]
    pub pending: Duration,
    /// How long changes are kept in the shared change log (default 900 s); shared entries never
    /// live longer.
    #[serde(rename = "change_log_seconds", with = "units::seconds")]
    pub change_log: Duration,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        let d = ClusterSettings::new(Vec::new(), "");
        Self {
            enabled: false,
            redis: vec!["redis://127.0.0.1:6379".to_owned()],
            redis_cluster: d.redis_cluster,
            node_id: String::new(),
            key_prefix: d.key_prefix,
            op_timeout: d.op_timeout,
            lease: d.lease,
            heartbeat: d.heartbeat,
            pending: d.pending,
            change_log: d.change_log,
        }
    }
}

impl ClusterConfig {
    /// The node's settings; its id defaults to the host name and `listen`'s port.
    pub fn to_settings(&self, listen: SocketAddr) -> ClusterSettings {
        let node_id = if self.node_id.is_empty() {
            let host = std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "localhost".to_owned());
            format!("{host}:{}", listen.port())
        } else {
            self.node_id.clone()
        };
        ClusterSettings {
            redis: self.redis.clone(),
            redis_cluster: self.redis_cluster,
            node_id,
            key_prefix: self.key_prefix.clone(),
            op_timeout: self.op_timeout,
            lease: self.lease,
            heartbeat: self.heartbeat,
            pending: self.pending,
            change_log: self.change_log,
        }
    }
}
