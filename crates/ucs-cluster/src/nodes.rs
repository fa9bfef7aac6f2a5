//! The nodes of the cluster: each one's heartbeat (its record in the node list, its
//! `referenceId` slot, the presence of its users), the list for `GET /admin/cluster`, and the
//! slot a node claims at start.

use crate::clock::{millis, now_ms};
use crate::inner::Inner;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::Duration;

/// How many `referenceId` slots there are: the ids of a node are `slot` modulo this.
pub const REFERENCE_SLOTS: u64 = 64;

/// One node as the node list holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeInfo {
    /// The node's id.
    #[serde(default)]
    pub node: String,
    /// Its last heartbeat, ms since the Unix epoch.
    pub heartbeat_ms: u64,
    /// When it started, ms since the Unix epoch.
    pub started_ms: u64,
    /// Its `referenceId` slot.
    pub slot: u64,
    /// Whether its last heartbeat is recent (within three periods).
    #[serde(default)]
    pub live: bool,
}

/// One heartbeat: the node's record and its slot.
pub(crate) async fn beat(inner: &Inner, slot: u64, started_ms: u64) {
    let settings = inner.settings();
    let ttl = millis(settings.presence_ttl());
    let record = NodeInfo {
        node: String::new(),
        heartbeat_ms: now_ms(),
        started_ms,
        slot,
        live: true,
    };
    let record = serde_json::to_string(&record).expect("a node record serializes");
    let mut record_cmd = redis::cmd("HSET");
    record_cmd
        .arg(inner.keys.nodes())
        .arg(inner.node_id())
        .arg(record);
    let mut slot_cmd = redis::cmd("SET");
    slot_cmd
        .arg(inner.keys.slot(slot))
        .arg(inner.node_id())
        .arg("PX")
        .arg(ttl);
    let beat = inner
        .link
        .run("heartbeat", |conn| async move {
            let (mut c1, mut c2) = (conn.clone(), conn);
            tokio::try_join!(
                record_cmd.query_async::<()>(&mut c1),
                slot_cmd.query_async::<()>(&mut c2)
            )
        })
        .await;
    if let Err(error) = beat {
        tracing::debug!(%error, "heartbeat failed");
    }
}

/// The nodes of the node list, newest heartbeat first.
pub(crate) async fn list(inner: &Inner) -> Result<Vec<NodeInfo>, crate::ClusterError> {
    let mut hgetall = redis::cmd("HGETALL");
    hgetall.arg(inner.keys.nodes());
    let records: HashMap<String, String> = inner.link.query("nodes", hgetall).await?;
    let live_within = millis(inner.settings().presence_ttl());
    let now = now_ms();
    let mut nodes: Vec<NodeInfo> = records
        .into_iter()
        .filter_map(|(node, record)| {
            let mut info: NodeInfo = serde_json::from_str(&record).ok()?;
            info.live = now.saturating_sub(info.heartbeat_ms) < live_within;
            info.node = node;
            Some(info)
        })
        .collect();
    nodes.sort_by_key(|node| std::cmp::Reverse(node.heartbeat_ms));
    Ok(nodes)
}

/// Claims a free `referenceId` slot for `node_id` (or the one it already holds) in Redis, at
/// start, before the first request; `None` when Redis cannot be reached.
pub(crate) fn claim_slot(inner: &Inner) -> Option<u64> {
    let settings = inner.settings();
    let timeout = settings.op_timeout.max(Duration::from_millis(500));
    let ttl = millis(settings.presence_ttl());
    let mut conn: Box<dyn redis::ConnectionLike> = if settings.redis_cluster {
        let client = redis::cluster::ClusterClientBuilder::new(settings.redis.clone())
            .connection_timeout(timeout)
            .response_timeout(timeout)
            .build()
            .ok()?;
        Box::new(client.get_connection().ok()?)
    } else {
        let client = redis::Client::open(settings.redis.first()?.as_str()).ok()?;
        let conn = client.get_connection_with_timeout(timeout).ok()?;
        conn.set_read_timeout(Some(timeout)).ok()?;
        Box::new(conn)
    };
    for slot in 0..REFERENCE_SLOTS {
        let key = inner.keys.slot(slot);
        let taken: Option<String> = redis::cmd("SET")
            .arg(&key)
            .arg(inner.node_id())
            .arg("NX")
            .arg("PX")
            .arg(ttl)
            .arg("GET")
            .query(conn.as_mut())
            .ok()?;
        // SET … NX GET answers the old value: none means it was free and is ours now.
        if taken
            .as_deref()
            .is_none_or(|holder| holder == inner.node_id())
        {
            return Some(slot);
        }
    }
    None
}

/// The slot of a node that cannot claim one: from its id (two such nodes may collide).
pub(crate) fn fallback_slot(node_id: &str) -> u64 {
    node_id.bytes().fold(0u64, |hash, b| {
        hash.wrapping_mul(31).wrapping_add(u64::from(b))
    }) % REFERENCE_SLOTS
}
