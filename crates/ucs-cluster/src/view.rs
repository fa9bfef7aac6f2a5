//! The users of the other nodes as this node knows them (see `presence.rs` for how it is kept).

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The users of the other nodes, as this node knows them.
#[derive(Debug, Default)]
pub(crate) struct PresenceView {
    by_user: Mutex<HashMap<String, BTreeSet<String>>>,
    /// Set when the bus was (re)subscribed: events may have been missed, rebuild from Redis.
    stale: AtomicBool,
}

impl PresenceView {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, BTreeSet<String>>> {
        self.by_user.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The other nodes holding sessions of `user_id`.
    pub(crate) fn nodes_of(&self, user_id: &str) -> Vec<String> {
        self.lock()
            .get(user_id)
            .map(|nodes| nodes.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// `node` holds sessions of `user_id`.
    pub(crate) fn arrived(&self, node: &str, user_id: &str) {
        self.lock()
            .entry(user_id.to_owned())
            .or_default()
            .insert(node.to_owned());
    }

    /// `node` holds no session of `user_id` (any more).
    pub(crate) fn left(&self, node: &str, user_id: &str) {
        let mut by_user = self.lock();
        if let Some(nodes) = by_user.get_mut(user_id) {
            nodes.remove(node);
            if nodes.is_empty() {
                by_user.remove(user_id);
            }
        }
    }

    /// What is known of `node`'s users becomes `users`.
    pub(crate) fn replace(&self, node: &str, users: &[String]) {
        let mut by_user = self.lock();
        by_user.retain(|_, nodes| {
            nodes.remove(node);
            !nodes.is_empty()
        });
        for user in users {
            by_user
                .entry(user.clone())
                .or_default()
                .insert(node.to_owned());
        }
    }

    /// Keeps only the nodes in `live`.
    pub(crate) fn retain_nodes(&self, live: &BTreeSet<String>) {
        self.lock().retain(|_, nodes| {
            nodes.retain(|node| live.contains(node));
            !nodes.is_empty()
        });
    }

    /// Marks the view for a rebuild (the bus was (re)subscribed).
    pub(crate) fn mark_stale(&self) {
        self.stale.store(true, Ordering::Release);
    }

    /// Whether the view was marked stale since the last call.
    pub(crate) fn take_stale(&self) -> bool {
        self.stale.swap(false, Ordering::AcqRel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_follows_arrivals_departures_and_dead_nodes() {
        let view = PresenceView::default();
        view.arrived("A", "u1");
        view.arrived("C", "u1");
        view.arrived("C", "u2");
        assert_eq!(view.nodes_of("u1"), ["A", "C"]);
        view.left("A", "u1");
        assert_eq!(view.nodes_of("u1"), ["C"]);
        view.retain_nodes(&BTreeSet::from(["A".to_owned()]));
        assert!(view.nodes_of("u1").is_empty());
        assert!(view.nodes_of("u2").is_empty());
        assert!(view.lock().is_empty());
        view.arrived("B", "u1");
        view.arrived("B", "u3");
        view.replace("B", &["u2".to_owned()]);
        assert!(view.nodes_of("u1").is_empty());
        assert_eq!(view.nodes_of("u2"), ["B"]);
    }
}
