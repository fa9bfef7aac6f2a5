//! The names of the cluster's Redis keys and channels (see the README, "Cluster", for what
//! each holds and its TTL). Every name starts with `cluster.key_prefix`.

use sha2::{Digest, Sha256};
use ucs_history::TierKey;
use ucs_model::MediaType;

/// The key names of one cluster.
#[derive(Clone, Debug)]
pub(crate) struct Keys {
    prefix: String,
}

impl Keys {
    pub(crate) fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
        }
    }

    /// The readable identity of a shared entry: backend, scope and normalized query.
    pub(crate) fn entry_identity(key: &TierKey) -> String {
        format!("{}|{}", key.backend, key.key)
    }

    /// A short stable digest of an entry's identity.
    pub(crate) fn digest(identity: &str) -> String {
        let hash = Sha256::digest(identity.as_bytes());
        hash[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// A shared cache entry (string: JSON, TTL = its freshness).
    pub(crate) fn entry(&self, digest: &str) -> String {
        format!("{}l2:{digest}", self.prefix)
    }

    /// The lease on filling an entry (string: the holder's token, TTL = `cluster.lease`).
    pub(crate) fn lease(&self, digest: &str) -> String {
        format!("{}lease:{digest}", self.prefix)
    }

    /// The change log of a tenant's media type (stream, trimmed to `cluster.change_log`).
    pub(crate) fn changes(&self, tenant: &str, media_type: MediaType) -> String {
        format!("{}changes:{tenant}:{}", self.prefix, media_type.as_str())
    }

    /// The purge epoch (integer): a purge or a feed resync increments it; older entries die.
    pub(crate) fn epoch(&self) -> String {
        format!("{}epoch", self.prefix)
    }

    /// The users a node holds sessions of (set, rewritten every heartbeat, TTL = 3 heartbeats).
    pub(crate) fn users(&self, node_id: &str) -> String {
        format!("{}users:{node_id}", self.prefix)
    }

    /// Notifications kept for a user with no live session (list, TTL = `cluster.pending`).
    pub(crate) fn pending(&self, user_id: &str) -> String {
        format!("{}pending:{user_id}", self.prefix)
    }

    /// The nodes and their last heartbeat (hash node → JSON).
    pub(crate) fn nodes(&self) -> String {
        format!("{}nodes", self.prefix)
    }

    /// A `referenceId` slot held by a node (string: node id, TTL = 3 heartbeats).
    pub(crate) fn slot(&self, slot: u64) -> String {
        format!("{}slot:{slot}", self.prefix)
    }

    /// An HTTP session opened by some node (string: the user's name, TTL = the idle timeout).
    pub(crate) fn login(&self, session_id: &str) -> String {
        format!("{}login:{session_id}", self.prefix)
    }

    /// The channel every node listens on: changes, purges, filled entries.
    pub(crate) fn bus(&self) -> String {
        format!("{}bus", self.prefix)
    }

    /// The channel of one node: deliveries to its sessions.
    pub(crate) fn node_channel(&self, node_id: &str) -> String {
        format!("{}node:{node_id}", self.prefix)
    }
}
