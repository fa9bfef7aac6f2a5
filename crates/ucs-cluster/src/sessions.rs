//! What the cluster needs of this node's CometD sessions (the proxy wires its engine in).

/// The CometD sessions of this node, as the cluster sees them.
pub trait LocalSessions: Send + Sync + std::fmt::Debug {
    /// Queues `data` (a JSON text) on `channel` for the sessions of `user_id` here that
    /// subscribed to it; returns how many.
    fn deliver_here(&self, user_id: &str, channel: &str, data: &str) -> usize;

    /// Keeps `data` here for the next session of `user_id` that subscribes (Redis is down).
    fn park_here(&self, user_id: &str, channel: &str, data: &str);

    /// Whether `user_id` has a live session here.
    fn holds(&self, user_id: &str) -> bool;

    /// The users with a live session here.
    fn users_here(&self) -> Vec<String>;
}
