//! What one cache entry holds: one backend's answer for one media type.
//!
//! Freshness is measured on tokio's clock (a paused clock in tests moves it); moka's own expiry,
//! set to the same lifetime, only reclaims the memory.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use ucs_model::Interaction;

/// Whether an entry may be served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum EntryState {
    /// Stored, not yet checked against the changes that arrived during its backend call (`changes.rs`).
    Pending = 0,
    /// Checked and indexed: served until a change drops it.
    Valid = 1,
    /// A change affected it: never served again.
    Invalid = 2,
}

/// The identity of an entry: the backend that answered and the per-media-type key (scope and
/// normalized query) — the same in both tiers.
pub(crate) type PartKey = crate::tier::TierKey;

/// One cached backend answer, with its freshness.
#[derive(Debug)]
pub(crate) struct CachedPart {
    pub(crate) interactions: Arc<Vec<Interaction>>,
    /// Until when the entry is fresh; after it, until `fresh_until + stale_for`, it is stale.
    pub(crate) fresh_until: Instant,
    /// When it was stored.
    stored_at: Instant,
    /// How long the entry may be served: fresh + stale window.
    servable_for: Duration,
    /// How long the entry lives in total: servable, then a stand-in for failed calls.
    pub(crate) lifetime: Duration,
    /// Weight in bytes for the cache's budget.
    pub(crate) weight: u32,
    /// Set by the one caller that refreshes a stale entry.
    refreshing: AtomicBool,
    /// For a part filled from a truncated batch answer: the last interaction of that answer.
    /// The part holds every interaction of its type up to it (in the query's order), maybe not
    /// those after it; `None`: the part is the whole answer for its type.
    pub(crate) boundary: Option<Interaction>,
    /// The change generation when the backend call that made it began (see `changes.rs`).
    pub(crate) generation: u64,
    /// Whether it may be served (see [`EntryState`]).
    state: AtomicU8,
}

/// Bytes charged per entry on top of its JSON size (key, bookkeeping).
const ENTRY_OVERHEAD: usize = 256;

impl CachedPart {
    /// A new entry, fresh for `fresh_for`, then servable stale for `stale_for`, then a
    /// stand-in for failed backend calls for `if_error_for`.
    pub(crate) fn new(
        interactions: Arc<Vec<Interaction>>,
        fresh_for: Duration,
        stale_for: Duration,
        if_error_for: Duration,
    ) -> Self {
        // Weighed by memory, not by JSON (which is 2-3 times smaller): the budget bounds RSS.
        let spare = interactions.capacity() - interactions.len();
        let memory: usize = interactions
            .iter()
            .map(Interaction::memory_size)
            .sum::<usize>()
            + spare * std::mem::size_of::<Interaction>();
        let stored_at = Instant::now();
        Self {
            interactions,
            fresh_until: stored_at + fresh_for,
            stored_at,
            servable_for: fresh_for + stale_for,
            lifetime: fresh_for + stale_for + if_error_for,
            weight: u32::try_from(memory + ENTRY_OVERHEAD).unwrap_or(u32::MAX),
            refreshing: AtomicBool::new(false),
            boundary: None,
            generation: 0,
            state: AtomicU8::new(EntryState::Pending as u8),
        }
    }

    /// The entry of a backend call that began at change `generation`.
    pub(crate) fn began_at(mut self, generation: u64) -> Self {
        self.generation = generation;
        self
    }

    /// Whether it may be served.
    pub(crate) fn state(&self) -> EntryState {
        match self.state.load(Ordering::Acquire) {
            0 => EntryState::Pending,
            1 => EntryState::Valid,
            _ => EntryState::Invalid,
        }
    }

    /// Sets whether it may be served.
    pub(crate) fn set_state(&self, state: EntryState) {
        self.state.store(state as u8, Ordering::Release);
    }

    /// Whether it was checked against the changes and is served.
    pub(crate) fn is_valid(&self) -> bool {
        self.state() == EntryState::Valid
    }

    /// The entry complete only up to `boundary` (see the field).
    pub(crate) fn with_boundary(mut self, boundary: Option<Interaction>) -> Self {
        self.boundary = boundary;
        self
    }

    /// Whether the entry is still fresh at `now`.
    pub(crate) fn is_fresh_at(&self, now: Instant) -> bool {
        now < self.fresh_until
    }

    /// Whether the entry is past its stale window at `now`: it must not be served at all.
    pub(crate) fn is_expired_at(&self, now: Instant) -> bool {
        now >= self.stored_at + self.servable_for
    }

    /// Whether the expired entry may still stand in for a failed backend call at `now`.
    pub(crate) fn may_stand_in_at(&self, now: Instant) -> bool {
        now < self.stored_at + self.lifetime && self.is_valid()
    }

    /// Claims the refresh of a stale entry: `true` for the first caller only.
    pub(crate) fn claim_refresh(&self) -> bool {
        !self.refreshing.swap(true, Ordering::AcqRel)
    }
}
