//! What a node of the cluster is told: where Redis is, who it is, and its timings.

use std::time::Duration;

/// The settings of one node (the proxy's `[cluster]` section, resolved).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterSettings {
    /// Redis: one URL (standalone), or the seed URLs of a Redis Cluster.
    pub redis: Vec<String>,
    /// Whether `redis` are the seeds of a Redis Cluster.
    pub redis_cluster: bool,
    /// This node's name, unique in the cluster (default: host name and listening port).
    pub node_id: String,
    /// The prefix of every key and channel (several clusters may share one Redis).
    pub key_prefix: String,
    /// The longest any one Redis operation may take before the node serves alone.
    pub op_timeout: Duration,
    /// How long a node's lease on a cache key lasts (its backend call at most).
    pub lease: Duration,
    /// How often a node tells the cluster it lives and which users it holds sessions of.
    pub heartbeat: Duration,
    /// How long a notification for a user with no live session anywhere is kept.
    pub pending: Duration,
    /// How long the change log of a tenant and media type is kept; shared entries never live
    /// longer.
    pub change_log: Duration,
}

impl ClusterSettings {
    /// Settings with the defaults of everything but Redis and the node's name.
    pub fn new(redis: Vec<String>, node_id: impl Into<String>) -> Self {
        Self {
            redis,
            redis_cluster: false,
            node_id: node_id.into(),
            key_prefix: "ucs:".to_owned(),
            op_timeout: Duration::from_millis(50),
            lease: Duration::from_secs(15),
            heartbeat: Duration::from_secs(2),
            pending: Duration::from_secs(60),
            change_log: Duration::from_secs(900),
        }
    }

    /// How long a presence record lives without a heartbeat: three beats.
    pub fn presence_ttl(&self) -> Duration {
        self.heartbeat * 3
    }
}
