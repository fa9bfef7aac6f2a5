//! The node bus: Redis pub/sub. Every node listens on the cluster's channel (changes, purges,
//! resyncs, filled entries) and on its own (deliveries to its sessions). A lost subscription is
//! re-made; since broadcasts may have been missed meanwhile, the node then drops its first tier.

use crate::inner::Inner;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use ucs_history::PurgeFilter;
use ucs_model::InteractionChange;

/// The `source` label of changes that came from another node.
const CLUSTER_SOURCE: &str = "cluster";

/// One message between nodes.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub(crate) enum BusMessage {
    /// A shared entry was filled, or its lease released: its waiters look again.
    Filled { digest: String },
    /// A change of an interaction learnt by node `from` (a write through it, the admin API).
    Change {
        from: String,
        change: InteractionChange,
    },
    /// An admin purge on node `from`.
    Purge { from: String, filter: PurgeFilter },
    /// Node `from` lost changes of `backend` (its feed reconnected, or its broadcasts overflowed
    /// while Redis was down: `*`).
    Resync { from: String, backend: String },
    /// A notification for the sessions of `user` on the receiving node: `data` is its JSON
    /// text (a string: an internally tagged enum cannot carry raw JSON).
    Deliver {
        user: String,
        channel: String,
        data: String,
    },
    /// Notifications for `user` wait in Redis: the receiving node, which holds a session of
    /// theirs, takes them.
    Pending { user: String },
}

impl BusMessage {
    pub(crate) fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a bus message always serializes")
    }

    fn kind(&self) -> &'static str {
        match self {
            BusMessage::Filled { .. } => "filled",
            BusMessage::Change { .. } => "change",
            BusMessage::Purge { .. } => "purge",
            BusMessage::Resync { .. } => "resync",
            BusMessage::Deliver { .. } => "deliver",
            BusMessage::Pending { .. } => "pending",
        }
    }
}

/// Listens until dropped, re-subscribing after a lost connection.
pub(crate) async fn listen(inner: Arc<Inner>) {
    let mut first = true;
    loop {
        match subscribe(&inner).await {
            Ok(mut pubsub) => {
                if !first {
                    // Broadcasts may have been missed while unsubscribed.
                    drop_first_tier(&inner).await;
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

async fn drop_first_tier(inner: &Inner) {
    if let Some(history) = inner.history.get() {
        tracing::warn!("cluster bus re-subscribed: dropping this node's cached answers");
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
            if let Some(history) = history {
                if backend == "*" {
                    let _ = history.purge(&PurgeFilter::default());
                } else {
                    history.resync(&backend).await;
                }
            }
        }
        BusMessage::Deliver {
            user,
            channel,
            data,
        } => crate::delivery::arrived(inner, &user, &channel, &data).await,
        BusMessage::Pending { user } => crate::delivery::take_pending(inner, &user).await,
        BusMessage::Change { .. } | BusMessage::Purge { .. } | BusMessage::Resync { .. } => {}
    }
}
