//! The second cache tier: a cache shared by the nodes of a cluster (Redis, in `ucs-cluster`),
//! behind each node's own moka tier. The service knows it only through [`SecondTier`]; with
//! none, a node serves alone.
//!
//! * Before the ack, a first-tier miss asks [`SecondTier::get`]: a valid entry there is a hit
//!   (`tier="l2"`) and is copied into the first tier.
//! * A miss that must call a backend first calls [`SecondTier::begin_fill`]: the shared tier
//!   may answer with what another node filled meanwhile (cluster-wide coalescing: the node
//!   holding the key's lease calls the backend, the others wait for its answer), or hand this
//!   node the [`FillMark`] to store the answer under with [`SecondTier::put`].
//!
//! Every call is bounded by the implementation's own timeouts: a slow or dead shared tier
//! makes the node serve alone, never wait.

use futures_util::future::BoxFuture;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use ucs_model::{CacheKey, Interaction};

/// The identity of a cache entry, the same in both tiers: the backend that answers it and the
/// per-media-type key (authorization scope and normalized query).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TierKey {
    /// The backend's name.
    pub backend: Arc<str>,
    /// Scope, media type and normalized query.
    pub key: CacheKey,
}

/// One shared entry: a backend's answer and how long it stays fresh.
#[derive(Clone, Debug, PartialEq)]
pub struct TierEntry {
    /// The answer, as the backend gave it.
    pub interactions: Arc<Vec<Interaction>>,
    /// How long it stays fresh from now.
    pub fresh_for: Duration,
}

/// Where a fill stands in the shared tier's change log when its backend call begins: an answer
/// stored under it is dropped by any change recorded after it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FillMark {
    /// The last change recorded for the entry's tenant and media type (opaque).
    pub since: String,
    /// The purge epoch of the entry's backend (opaque).
    pub epoch: u64,
    /// The lease this node holds on the key, if it took one (released by `put`).
    pub lease: Option<String>,
}

/// What [`SecondTier::begin_fill`] found.
#[derive(Debug)]
pub enum Fill {
    /// Another node filled the entry (maybe while this one waited for its lease): no backend
    /// call.
    Found(TierEntry),
    /// Call the backend, then store its answer with [`SecondTier::put`] under this mark.
    Lead(FillMark),
    /// The shared tier cannot be used now: call the backend and keep the answer locally.
    Alone,
}

/// A cache shared by the nodes of a cluster. Implementations bound every call by a timeout and
/// answer `None`/[`Fill::Alone`] when the shared store is unreachable.
pub trait SecondTier: Send + Sync + fmt::Debug {
    /// The valid entry of `key`: present, and not dropped by any change or purge recorded since
    /// it was filled.
    fn get<'a>(&'a self, key: &'a TierKey) -> BoxFuture<'a, Option<TierEntry>>;

    /// Begins the fill of `key` before a backend call (see [`Fill`]). With `lease`, at most one
    /// node of the cluster calls the backend for the key at a time; the others wait for its
    /// answer, and take over when its lease expires. Without, the backend is called in any case
    /// (an answer that must replace what is cached) and only its answer is shared.
    fn begin_fill<'a>(&'a self, key: &'a TierKey, lease: bool) -> BoxFuture<'a, Fill>;

    /// Stores the answer of a fill begun at `mark`, and wakes the nodes waiting for it.
    fn put(&self, key: TierKey, mark: FillMark, entry: TierEntry) -> BoxFuture<'_, ()>;

    /// Gives up a fill begun at `mark` (its backend call failed): its lease is released, so a
    /// waiting node calls at once instead of waiting for the lease to expire.
    fn abandon(&self, key: TierKey, mark: FillMark) -> BoxFuture<'_, ()>;
}
