//! What the server around the engine may want to know of its users' sessions: a cluster keeps
//! a presence record of which nodes hold each user's sessions, and hands a user the
//! notifications kept for them elsewhere when they subscribe.

use std::fmt;

/// Told when a user's sessions come and go. Called on the request's task with the engine's
/// locks released: implementations must not block (spawn what needs I/O).
pub trait SessionObserver: Send + Sync + fmt::Debug {
    /// A session of `user_id` subscribed to a channel (their first or another one).
    fn subscribed(&self, user_id: &str);

    /// The last session of `user_id` on this engine ended.
    fn left(&self, user_id: &str);
}
