//! What can go wrong talking to Redis.

/// A failed cluster operation. The node then serves alone; the error is logged and counted,
/// never shown to a client.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// Redis answered with an error, or the connection failed.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// Redis did not answer within `cluster.op_timeout`.
    #[error("redis did not answer in time")]
    Timeout,
    /// Redis is known to be down: the operation was not tried.
    #[error("redis is down")]
    Down,
    /// A value read from Redis is not what this version writes.
    #[error("unreadable value in redis: {0}")]
    Decode(#[from] serde_json::Error),
}
