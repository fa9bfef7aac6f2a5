//! The messages nodes send each other on the bus (pub/sub), as JSON.

use serde::{Deserialize, Serialize};
use ucs_history::PurgeFilter;
use ucs_model::InteractionChange;

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
    /// Node `node` now holds sessions of `user`.
    Present { node: String, user: String },
    /// Node `node` holds no session of `user` any more.
    Absent { node: String, user: String },
    /// Node `node` (re)joined the bus and may have missed presence events: every other node
    /// answers with its [`BusMessage::Roster`].
    Hello { node: String },
    /// Every user node `node` holds sessions of (replaces what was known of it).
    Roster { node: String, users: Vec<String> },
    /// Notifications for `user` wait in Redis: the receiving node, which holds a session of
    /// theirs, takes them.
    Pending { user: String },
}

impl BusMessage {
    pub(crate) fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a bus message always serializes")
    }

    pub(crate) fn kind(&self) -> &'static str {
        match self {
            BusMessage::Filled { .. } => "filled",
            BusMessage::Change { .. } => "change",
            BusMessage::Purge { .. } => "purge",
            BusMessage::Resync { .. } => "resync",
            BusMessage::Deliver { .. } => "deliver",
            BusMessage::Pending { .. } => "pending",
            BusMessage::Present { .. } => "present",
            BusMessage::Absent { .. } => "absent",
            BusMessage::Hello { .. } => "hello",
            BusMessage::Roster { .. } => "roster",
        }
    }
}
