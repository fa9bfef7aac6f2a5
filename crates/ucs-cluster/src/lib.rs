//! Many nodes, one cache: the cluster of `ucs-proxy` nodes on Redis.
//!
//! # Brief overview
//!
//! * [`Cluster`] is one node's part. [`Cluster::second_tier`] is the history service's
//!   [`SecondTier`](ucs_history::SecondTier): entries shared in Redis (JSON, freshness as TTL),
//!   checked on every read against the change log of their tenant and media type and the
//!   purge epoch, filled under a lease so that one node calls the backend at a time.
//! * [`Cluster::deliver`] delivers a notification to the caller's sessions on every node: a
//!   presence record per user says which nodes hold them, each gets one message on its own
//!   pub/sub channel; one nobody took is kept in Redis and handed to the first session of the
//!   user that subscribes anywhere.
//! * [`Cluster::changed`], [`Cluster::purged`] and [`Cluster::resynced`] keep the other nodes'
//!   first tiers and the second tier right.
//! * Redis is an accelerator, never a dependency: every operation is bounded by
//!   `op_timeout`; while Redis is down the node serves alone (first tier, local delivery,
//!   local parking), keeps its broadcasts for later, and resumes by itself.
//!
//! Nothing here knows CometD or HTTP: the proxy hands its sessions in as [`LocalSessions`].
#![deny(missing_docs)]

mod bus;
mod clock;
mod cluster;
mod delivery;
mod error;
mod inner;
mod keys;
mod link;
mod logins;
mod message;
mod metrics;
mod nodes;
mod presence;
mod sessions;
mod settings;
mod tier;
mod view;
mod waiters;

pub use cluster::Cluster;
pub use error::ClusterError;
pub use metrics::ClusterMetrics;
pub use nodes::{NodeInfo, REFERENCE_SLOTS};
pub use sessions::LocalSessions;
pub use settings::ClusterSettings;
pub use tier::RedisTier;
