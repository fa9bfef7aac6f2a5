//! The node's connections to Redis (standalone, or a Redis Cluster), with their health: every
//! operation is bounded by `op_timeout`; a connection failure or timeout marks Redis down,
//! and until the watchdog's next successful `PING` nothing is tried (a request never waits on a
//! dead Redis). The connections reconnect by themselves (redis' `ConnectionManager`, or the
//! cluster client's own). In a Redis Cluster, one operation's commands on keys of different
//! slots are sent side by side, never in one pipeline.

use crate::error::ClusterError;
use crate::message::BusMessage;
use crate::metrics::ClusterMetrics;
use crate::settings::ClusterSettings;
use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, RedisFuture, Value};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{PoisonError, RwLock};
use std::time::Duration;

/// One connection, to a standalone Redis or to a Redis Cluster.
#[derive(Clone)]
pub(crate) enum Conn {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Conn::Single(conn) => conn.req_packed_command(cmd),
            Conn::Cluster(conn) => conn.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Conn::Single(conn) => conn.req_packed_commands(cmd, offset, count),
            Conn::Cluster(conn) => conn.req_packed_commands(cmd, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Single(conn) => conn.get_db(),
            Conn::Cluster(conn) => conn.get_db(),
        }
    }
}

/// The connections: commands (standalone or cluster), and the node every node's bus
/// subscription is on, where `PUBLISH` goes so that its answer counts every subscriber (in a
/// Redis Cluster another shard's answer would count only its own).
#[derive(Clone)]
pub(crate) struct Conns {
    commands: Conn,
    bus: ConnectionManager,
}

/// The command connection and whether Redis is up.
pub(crate) struct Link {
    settings: ClusterSettings,
    conn: RwLock<Option<Conns>>,
    up: AtomicBool,
    metrics: ClusterMetrics,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("redis", &self.settings.redis)
            .field("up", &self.is_up())
            .finish()
    }
}

impl Link {
    /// A link not yet connected (down until [`Link::watch`] connects it).
    pub(crate) fn new(settings: ClusterSettings, metrics: ClusterMetrics) -> Self {
        Self {
            settings,
            conn: RwLock::new(None),
            up: AtomicBool::new(false),
            metrics,
        }
    }

    /// Whether Redis answered the last operation or ping.
    pub(crate) fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    /// Marks Redis up or down; returns whether it was up before.
    fn set_up(&self, up: bool) -> bool {
        let was = self.up.swap(up, Ordering::AcqRel);
        self.metrics.redis_up.set(i64::from(up));
        if was != up {
            if up {
                tracing::info!(redis = ?self.settings.redis, "redis is reachable: cluster features on");
            } else {
                tracing::warn!(redis = ?self.settings.redis,
                    "redis unreachable or slow: this node serves alone until it answers again");
            }
        }
        was
    }

    /// Runs `op` on the connection within `op_timeout`. A connection failure or a timeout marks
    /// Redis down; while down, nothing is tried.
    pub(crate) async fn run<T, F, Fut>(&self, name: &'static str, op: F) -> Result<T, ClusterError>
    where
        F: FnOnce(Conn) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let conn = self.connection().filter(|_| self.is_up());
        let Some(conns) = conn else {
            self.metrics.count(name, "down");
            return Err(ClusterError::Down);
        };
        self.bounded(name, op(conns.commands)).await
    }

    /// Runs one command (see [`Link::run`]).
    pub(crate) async fn query<T: redis::FromRedisValue>(
        &self,
        name: &'static str,
        cmd: Cmd,
    ) -> Result<T, ClusterError> {
        self.run(
            name,
            |mut conn| async move { cmd.query_async(&mut conn).await },
        )
        .await
    }

    /// Runs a pipeline whose answers are not needed (see [`Link::run`]).
    pub(crate) async fn send(
        &self,
        name: &'static str,
        pipe: Pipeline,
    ) -> Result<(), ClusterError> {
        self.run(
            name,
            |mut conn| async move { pipe.query_async(&mut conn).await },
        )
        .await
    }

    /// Publishes `message` on `channel` through the bus node; returns how many subscribers got
    /// it (0 when it could not be sent).
    pub(crate) async fn publish(&self, channel: String, message: &BusMessage) -> u64 {
        let json = message.to_json();
        let conn = self.connection().filter(|_| self.is_up());
        let Some(conns) = conn else {
            self.metrics.count("publish", "down");
            return 0;
        };
        let mut bus = conns.bus;
        let publish = async move {
            redis::cmd("PUBLISH")
                .arg(channel)
                .arg(json)
                .query_async(&mut bus)
                .await
        };
        self.bounded("publish", publish).await.unwrap_or(0)
    }

    /// Awaits `op` within `op_timeout`, counted; a connection failure or a timeout marks Redis
    /// down.
    async fn bounded<T>(
        &self,
        name: &'static str,
        op: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, ClusterError> {
        match tokio::time::timeout(self.settings.op_timeout, op).await {
            Ok(Ok(value)) => {
                self.metrics.count(name, "ok");
                Ok(value)
            }
            Ok(Err(error)) => {
                self.metrics.count(name, "error");
                if error.is_io_error() || error.is_connection_dropped() || error.is_timeout() {
                    self.set_up(false);
                }
                Err(error.into())
            }
            Err(_) => {
                self.metrics.count(name, "timeout");
                self.set_up(false);
                Err(ClusterError::Timeout)
            }
        }
    }

    fn connection(&self) -> Option<Conns> {
        self.conn
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Connects, then checks Redis every `period` until dropped: a `PING` answered in time
    /// marks it up (returning `true` from `on_change` once per recovery), a failed one down.
    pub(crate) async fn watch(&self, period: Duration, on_recovery: impl Fn()) {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if self.connection().is_none() {
                match self.connect().await {
                    Ok(conn) => {
                        *self.conn.write().unwrap_or_else(PoisonError::into_inner) = Some(conn)
                    }
                    Err(error) => {
                        self.set_up(false);
                        tracing::debug!(%error, "redis connection failed");
                        continue;
                    }
                }
            }
            let Some(Conns {
                commands: mut conn, ..
            }) = self.connection()
            else {
                continue;
            };
            let ping = redis::cmd("PING");
            let answered = tokio::time::timeout(
                self.settings.op_timeout.max(Duration::from_millis(200)),
                ping.query_async::<String>(&mut conn),
            )
            .await;
            let up = matches!(answered, Ok(Ok(_)));
            if !self.set_up(up) && up {
                on_recovery();
            }
        }
    }

    async fn connect(&self) -> redis::RedisResult<Conns> {
        let timeout = self.settings.op_timeout.max(Duration::from_millis(500));
        let url = self.settings.redis.first().cloned().unwrap_or_default();
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(timeout)
            .set_response_timeout(timeout)
            .set_number_of_retries(1);
        let bus = redis::Client::open(url)?
            .get_connection_manager_with_config(config)
            .await?;
        let commands = if self.settings.redis_cluster {
            let client = redis::cluster::ClusterClientBuilder::new(self.settings.redis.clone())
                .connection_timeout(timeout)
                .response_timeout(timeout)
                .build()?;
            Conn::Cluster(client.get_async_connection().await?)
        } else {
            Conn::Single(bus.clone())
        };
        Ok(Conns { commands, bus })
    }

    /// The settings.
    pub(crate) fn settings(&self) -> &ClusterSettings {
        &self.settings
    }
}
