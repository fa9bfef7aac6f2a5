//! The node bus: Redis pub/sub. Every node listens on the cluster's channel (changes, purges,
//! resyncs, filled entries) and on its own (deliveries to its sessions). A lost subscription is
//! re-made; since broadcasts may have been missed meanwhile, the node then drops its first tier.

use crate::inner::Inner;
use crate::message::BusMessage;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use ucs_history::PurgeFilter;

/// The `source` label of changes that came from another node.
const CLUSTER_SOURCE: &str = "cluster";

/// Listens until dropped, re-subscribing after a lost connection.
pub(crate) async fn listen(inner: Arc<Inner>) {
    let mut first = true;
    loop {
        match subscribe(&inner).await {
            Ok(mut pubsub) => {
                // Presence events may have been missed: the next heartbeat says hello (and the
                // other nodes answer with their rosters).
                inner.presence.mark_stale();
                if !first {
                    // Broadcasts may have been missed while unsubscribed.
                    drop_first_tier(&inner, "cluster bus re-subscribed");
                }
                first = false;
                let mut messages = pubsub.on_message();
                while let Some(message) = messages.next().await {
                    let Ok(payload) = message.get_payload::<String>() else {
                        continue;
                    };
                    match serde_json::from_str::<BusMessage>(&payload) {
                        Ok(message) => handle(&inner, message).await,
                        Err(error) => tracing::warn!(%error, "unreadable cluster bus message"),
                    }
                }
                tracing::warn!("cluster bus connection lost");
            }
            Err(error) => tracing::debug!(%error, "cluster bus: cannot subscribe"),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn subscribe(inner: &Inner) -> redis::RedisResult<redis::aio::PubSub> {
    let settings = inner.settings();
    let url = settings.redis.first().cloned().unwrap_or_default();
    let client = redis::Client::open(url)?;
    let connect = client.get_async_pubsub();
    let mut pubsub = tokio::time::timeout(Duration::from_secs(2), connect)
        .await
        .map_err(|_| redis::RedisError::from((redis::ErrorKind::IoError, "connect timed out")))??;
    pubsub.subscribe(inner.keys.bus()).await?;
    pubsub
        .subscribe(inner.keys.node_channel(inner.node_id()))
        .await?;
    Ok(pubsub)
}

/// Drops every answer of this node's own cache: it may have missed invalidations (`why`).
fn drop_first_tier(inner: &Inner, why: &str) {
    if let Some(history) = inner.history.get() {
        tracing::warn!(why, "dropping this node's cached answers");
        let _ = history.purge(&PurgeFilter::default());
    }
}

async fn handle(inner: &Inner, message: BusMessage) {
    inner.metrics.bus.with_label_values(&[message.kind()]).inc();
    let history = inner.history.get();
    match message {
        BusMessage::Filled { digest } => inner.waiters.wake(&digest),
        BusMessage::Change { from, change } if from != inner.node_id() => {
            if let Some(history) = history {
                history.apply_change(CLUSTER_SOURCE, change).await;
            }
        }
        BusMessage::Purge { from, filter } if from != inner.node_id() => {
            if let Some(history) = history {
                if let Err(error) = history.purge(&filter) {
                    tracing::warn!(%error, "purge from another node failed");
                }
            }
        }
        BusMessage::Resync { from, backend } if from != inner.node_id() => {
            if backend == "*" {
                drop_first_tier(
                    inner,
                    "another node's broadcasts overflowed while Redis was down",
                );
            } else if let Some(history) = history {
                history.resync(&backend).await;
            }
        }
        BusMessage::Deliver {
            user,
            channel,
            data,
        } => crate::delivery::arrived(inner, &user, &channel, &data).await,
        BusMessage::Pending { user } => crate::delivery::take_pending(inner, &user).await,
        BusMessage::Present { node, user } if node != inner.node_id() => {
            inner.presence.arrived(&node, &user)
        }
        BusMessage::Absent { node, user } if node != inner.node_id() => {
            inner.presence.left(&node, &user)
        }
        BusMessage::Hello { node } if node != inner.node_id() => {
            crate::presence::send_roster(inner).await
        }
        BusMessage::Roster { node, users } if node != inner.node_id() => {
            inner.presence.replace(&node, &users)
        }
        BusMessage::Change { .. }
        | BusMessage::Purge { .. }
        | BusMessage::Resync { .. }
        | BusMessage::Present { .. }
        | BusMessage::Absent { .. }
        | BusMessage::Hello { .. }
        | BusMessage::Roster { .. } => {}
    }
}
