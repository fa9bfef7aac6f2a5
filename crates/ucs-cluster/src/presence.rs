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
use std::collections::BTreeSet;

/// A session of `user_id` subscribed here: the other nodes are told at once.
pub(crate) async fn arrive(inner: &Inner, user_id: &str) -> Result<(), crate::ClusterError> {
    let mut sadd = redis::cmd("SADD");
    sadd.arg(inner.keys.users(inner.node_id())).arg(user_id);
    inner.link.query::<()>("presence_set", sadd).await?;
    let present = BusMessage::Present {
        node: inner.node_id().to_owned(),
        user: user_id.to_owned(),
    };
    inner.link.publish(inner.keys.bus(), &present).await;
    Ok(())
}

/// The last session of `user_id` here ended: the other nodes are told.
pub(crate) async fn leave(inner: &Inner, user_id: &str) {
    let mut srem = redis::cmd("SREM");
    srem.arg(inner.keys.users(inner.node_id())).arg(user_id);
    if inner.link.query::<()>("presence_del", srem).await.is_ok() {
        let absent = BusMessage::Absent {
            node: inner.node_id().to_owned(),
            user: user_id.to_owned(),
        };
        inner.link.publish(inner.keys.bus(), &absent).await;
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
    inner.link.send("presence_beat", pipe).await?;
    let live: BTreeSet<String> = nodes::list(inner)
        .await?
        .into_iter()
        .filter(|node| node.live && node.node != inner.node_id())
        .map(|node| node.node)
        .collect();
    if inner.presence.take_stale() {
        let hello = BusMessage::Hello {
            node: inner.node_id().to_owned(),
        };
        if inner.link.publish(inner.keys.bus(), &hello).await == 0 {
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
    inner.link.publish(inner.keys.bus(), &roster).await;
}
