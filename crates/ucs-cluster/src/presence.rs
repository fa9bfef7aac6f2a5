//! Which nodes hold which users' CometD sessions. Each node keeps, in memory, the users of the
//! *other* nodes (the view): told on the bus when a user arrives on or leaves a node; a node
//! whose bus subscription is (re)made says hello and every other node answers with its roster
//! (and sends its own). Delivery reads the view, so a notification costs no Redis read to find
//! its nodes. Nodes that stop beating leave the view. In Redis, each node also keeps the set of
//! its users (`users:<node>`, rewritten every heartbeat, lapsing after three) for operators.

use crate::clock::millis;
use crate::inner::Inner;
use crate::message::BusMessage;
use crate::nodes;
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
    fn retain_nodes(&self, live: &BTreeSet<String>) {
        self.lock().retain(|_, nodes| {
            nodes.retain(|node| live.contains(node));
            !nodes.is_empty()
        });
    }

    /// Marks the view for a rebuild (the bus was (re)subscribed).
    pub(crate) fn mark_stale(&self) {
        self.stale.store(true, Ordering::Release);
    }
}

/// A session of `user_id` subscribed here: the other nodes are told at once.
pub(crate) async fn arrive(inner: &Inner, user_id: &str) -> Result<(), crate::ClusterError> {
    let message = BusMessage::Present {
        node: inner.node_id().to_owned(),
        user: user_id.to_owned(),
    };
    let key = inner.keys.users(inner.node_id());
    let user = user_id.to_owned();
    inner
        .link
        .run("presence_set", |mut conn| async move {
            redis::cmd("SADD")
                .arg(key)
                .arg(user)
                .query_async::<()>(&mut conn)
                .await
        })
        .await?;
    inner
        .link
        .publish(inner.keys.bus(), message.to_json())
        .await;
    Ok(())
}

/// The last session of `user_id` here ended: the other nodes are told.
pub(crate) async fn leave(inner: &Inner, user_id: &str) {
    let message = BusMessage::Absent {
        node: inner.node_id().to_owned(),
        user: user_id.to_owned(),
    };
    let key = inner.keys.users(inner.node_id());
    let user = user_id.to_owned();
    let removed = inner
        .link
        .run("presence_del", |mut conn| async move {
            redis::cmd("SREM")
                .arg(key)
                .arg(user)
                .query_async::<()>(&mut conn)
                .await
        })
        .await;
    if removed.is_ok() {
        inner
            .link
            .publish(inner.keys.bus(), message.to_json())
            .await;
    }
}

/// The heartbeat's part: this node's user set rewritten (lapsing after three beats), the view
/// rebuilt when it is stale, and cleared of nodes that stopped beating.
pub(crate) async fn beat(inner: &Inner, users: &[String]) -> Result<(), crate::ClusterError> {
    let key = inner.keys.users(inner.node_id());
    let ttl = millis(inner.settings().presence_ttl());
    let mut pipe = redis::pipe();
    // One key: one slot, one pipeline (not atomic: a reader may briefly see it partly written).
    pipe.cmd("DEL").arg(&key).ignore();
    for chunk in users.chunks(1000) {
        pipe.cmd("SADD").arg(&key).arg(chunk).ignore();
    }
    pipe.cmd("PEXPIRE").arg(&key).arg(ttl).ignore();
    inner
        .link
        .run("presence_beat", |mut conn| async move {
            pipe.query_async::<()>(&mut conn).await
        })
        .await?;
    let live: BTreeSet<String> = nodes::list(inner)
        .await?
        .into_iter()
        .filter(|node| node.live && node.node != inner.node_id())
        .map(|node| node.node)
        .collect();
    if inner.presence.stale.swap(false, Ordering::AcqRel) {
        let hello = BusMessage::Hello {
            node: inner.node_id().to_owned(),
        };
        if crate::delivery::publish(inner, &inner.keys.bus(), &hello).await == 0 {
            inner.presence.mark_stale();
        }
        send_roster(inner).await;
    }
    inner.presence.retain_nodes(&live);
    Ok(())
}

/// Tells the other nodes every user this node holds sessions of.
pub(crate) async fn send_roster(inner: &Inner) {
    let roster = BusMessage::Roster {
        node: inner.node_id().to_owned(),
        users: inner.sessions.users_here(),
    };
    crate::delivery::publish(inner, &inner.keys.bus(), &roster).await;
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
