//! [`Cluster`]: what the proxy holds of the cluster — its second tier, its change and purge
//! broadcasts, cross-node delivery, presence, and the background work that keeps them.

use crate::bus;
use crate::clock::{millis, now_ms};
use crate::delivery;
use crate::inner::Inner;
use crate::logins;
use crate::message::BusMessage;
use crate::metrics::ClusterMetrics;
use crate::nodes::{self, NodeInfo};
use crate::presence;
use crate::sessions::LocalSessions;
use crate::settings::ClusterSettings;
use crate::tier::RedisTier;
use crate::ClusterError;
use std::sync::Arc;
use std::time::Duration;
use ucs_history::{HistoryService, PurgeFilter, SecondTier};
use ucs_model::{InteractionChange, MediaType};

/// How often the watchdog pings Redis (and so how soon a node notices that it is back).
const WATCH_PERIOD: Duration = Duration::from_millis(500);

/// One node's part of the cluster. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Cluster {
    inner: Arc<Inner>,
}

impl Cluster {
    /// The cluster part of the node described by `settings`, delivering to `sessions`. Nothing
    /// talks to Redis before [`Cluster::run`] (but [`Cluster::claim_reference_slot`]).
    pub fn new(
        settings: ClusterSettings,
        metrics: ClusterMetrics,
        sessions: Arc<dyn LocalSessions>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner::new(settings, metrics, sessions)),
        }
    }

    /// This node's id.
    pub fn node_id(&self) -> &str {
        self.inner.node_id()
    }

    /// Whether Redis answers: `false` means this node serves alone (degraded).
    pub fn is_up(&self) -> bool {
        self.inner.link.is_up()
    }

    /// The second cache tier, for the history service.
    pub fn second_tier(&self) -> Arc<dyn SecondTier> {
        Arc::new(RedisTier {
            inner: Arc::clone(&self.inner),
        })
    }

    /// Claims this node's `referenceId` slot (blocking, at start): a free one in Redis, else
    /// one from the node's id (logged: two nodes may then share it).
    pub fn claim_reference_slot(&self) -> u64 {
        nodes::claim_slot(&self.inner).unwrap_or_else(|| {
            let slot = nodes::fallback_slot(self.node_id());
            tracing::warn!(
                slot,
                "redis unreachable at start: referenceId slot taken from the node id"
            );
            slot
        })
    }

    /// Runs the cluster's background work until dropped: the Redis watchdog, the bus
    /// listener, the heartbeat (node record, `slot`, presence) and the sending of broadcasts
    /// kept while Redis was down. Remote changes and purges go to `history`.
    pub async fn run(&self, history: Arc<HistoryService>, slot: u64) {
        let _ = self.inner.history.set(history);
        let started_ms = now_ms();
        let recovered = Arc::new(tokio::sync::Notify::new());
        let watch = {
            let recovered = Arc::clone(&recovered);
            let inner = Arc::clone(&self.inner);
            async move {
                inner
                    .link
                    .watch(WATCH_PERIOD, || recovered.notify_one())
                    .await
            }
        };
        let heartbeat = async {
            let mut ticks = tokio::time::interval(self.inner.settings().heartbeat);
            loop {
                tokio::select! {
                    _ = ticks.tick() => {}
                    () = recovered.notified() => {}
                }
                if self.inner.link.is_up() {
                    self.flush_outbox().await;
                    nodes::beat(&self.inner, slot, started_ms).await;
                    let users = self.inner.sessions.users_here();
                    if let Err(error) = presence::beat(&self.inner, &users).await {
                        tracing::debug!(%error, "presence heartbeat failed");
                    }
                }
            }
        };
        tokio::join!(watch, bus::listen(Arc::clone(&self.inner)), heartbeat);
    }

    /// The nodes and their last heartbeat.
    pub async fn nodes(&self) -> Result<Vec<NodeInfo>, ClusterError> {
        nodes::list(&self.inner).await
    }

    /// Delivers `data` (a JSON text) on `channel` to the sessions of `user_id` on every node;
    /// kept in Redis for `cluster.pending` when none is live anywhere.
    pub async fn deliver(&self, user_id: &str, channel: &str, data: &str) {
        delivery::deliver(&self.inner, user_id, channel, data).await;
    }

    /// Records that HTTP session `id` (a `JSESSIONID` this node opened) is `user_name`'s, so
    /// that every node accepts it; it lapses after `idle` unless renewed.
    pub async fn record_login(&self, id: &str, user_name: &str, idle: Duration) {
        logins::record(&self.inner, id, user_name, idle).await;
    }

    /// The user of HTTP session `id` opened by any node, if it is live.
    pub async fn login_user(&self, id: &str) -> Option<String> {
        logins::user_of(&self.inner, id).await
    }

    /// Keeps HTTP session `id` alive for `idle` more, on every node.
    pub async fn renew_login(&self, id: &str, idle: Duration) {
        logins::renew(&self.inner, id, idle).await;
    }

    /// A session of `user_id` subscribed here: the cluster learns where they are, and the
    /// notifications kept for them are delivered.
    pub async fn user_arrived(&self, user_id: &str) {
        if presence::arrive(&self.inner, user_id).await.is_ok() {
            delivery::take_pending(&self.inner, user_id).await;
        }
    }

    /// The last session of `user_id` here ended.
    pub async fn user_left(&self, user_id: &str) {
        presence::leave(&self.inner, user_id).await;
    }

    /// Records a change of an interaction in the shared change log (shared entries it may
    /// affect are no longer served) and, with `broadcast`, sends it to the other nodes' first
    /// tiers. A store's change feed, which every node follows itself, is not broadcast; a
    /// write through this node or the admin API is.
    pub async fn changed(&self, change: &InteractionChange, broadcast: bool) {
        let inner = &self.inner;
        let Ok(json) = serde_json::to_string(change) else {
            return;
        };
        let media_types = MediaType::ALL
            .into_iter()
            .filter(|media_type| change.may_be_of(*media_type));
        let retain = millis(inner.settings().change_log);
        let oldest = format!("{}-0", now_ms().saturating_sub(retain));
        // One pipeline per change log (one key, one slot), side by side.
        let appends: Vec<redis::Pipeline> = media_types
            .map(|media_type| {
                let key = inner.keys.changes(&change.tenant, media_type);
                let mut pipe = redis::pipe();
                pipe.cmd("XADD")
                    .arg(&key)
                    .arg("MINID")
                    .arg("~")
                    .arg(&oldest)
                    .arg("*")
                    .arg("c")
                    .arg(&json)
                    .ignore()
                    .cmd("PEXPIRE")
                    .arg(&key)
                    .arg(retain)
                    .ignore();
                pipe
            })
            .collect();
        let message = BusMessage::Change {
            from: inner.node_id().to_owned(),
            change: change.clone(),
        };
        self.send_or_keep(appends, "change", message, broadcast)
            .await;
    }

    /// A purge of this node's cache: every shared entry goes (the purge epoch moves), and the
    /// other nodes purge their first tier with the same filter.
    pub async fn purged(&self, filter: &PurgeFilter) {
        let message = BusMessage::Purge {
            from: self.node_id().to_owned(),
            filter: filter.clone(),
        };
        self.bump_epoch(message).await;
    }

    /// This node's change feed of `backend` reconnected (changes may have been missed): the
    /// shared entries go (the purge epoch moves). The other nodes follow their own feeds.
    pub async fn resynced(&self, backend: &str) {
        let message = BusMessage::Resync {
            from: self.node_id().to_owned(),
            backend: backend.to_owned(),
        };
        self.send_or_keep(vec![self.incr_epoch()], "resync", message, false)
            .await;
    }

    async fn bump_epoch(&self, message: BusMessage) {
        self.send_or_keep(vec![self.incr_epoch()], "purge", message, true)
            .await;
    }

    /// The purge epoch's increment.
    fn incr_epoch(&self) -> redis::Pipeline {
        let mut pipe = redis::pipe();
        pipe.cmd("INCR").arg(self.inner.keys.epoch()).ignore();
        pipe
    }

    /// Sends `ops` (each on one slot) side by side, then, with `broadcast`, `message` to the
    /// other nodes; when Redis is down, `message` is kept and all of it done once it is back.
    async fn send_or_keep(
        &self,
        ops: Vec<redis::Pipeline>,
        name: &'static str,
        message: BusMessage,
        broadcast: bool,
    ) {
        let sent = self
            .inner
            .link
            .run(name, |conn| async move {
                let sends = ops.into_iter().map(|pipe| {
                    let mut conn = conn.clone();
                    async move { pipe.query_async::<()>(&mut conn).await }
                });
                futures_util::future::try_join_all(sends).await
            })
            .await;
        if sent.is_err() {
            self.inner.keep_for_later(message);
        } else if broadcast {
            let bus = self.inner.keys.bus();
            self.inner.link.publish(bus, &message).await;
        }
    }

    /// Sends the broadcasts kept while Redis was down (or, if too many were, one that drops
    /// every node's cache).
    async fn flush_outbox(&self) {
        let outbox = std::mem::take(&mut *self.inner.outbox());
        if outbox.overflowed {
            let everything = BusMessage::Resync {
                from: self.node_id().to_owned(),
                backend: "*".to_owned(),
            };
            Box::pin(self.bump_epoch(everything)).await;
        }
        for message in outbox.messages {
            match message {
                BusMessage::Change { change, .. } => Box::pin(self.changed(&change, true)).await,
                BusMessage::Purge { filter, .. } => Box::pin(self.purged(&filter)).await,
                BusMessage::Resync { backend, .. } => Box::pin(self.resynced(&backend)).await,
                _ => {}
            }
        }
    }
}
