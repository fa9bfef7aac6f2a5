//! Change-driven invalidation: which cached entries one change of an interaction can affect,
//! found without a scan of the cache.
//!
//! Every registered entry is indexed by its tenant and media type (a [`Slot`]); a change looks
//! only at the slots of its tenant and of the media types it may be of, and drops the entries
//! whose answer [`HistoryQuery::affected_by`](ucs_model::HistoryQuery::affected_by) says may
//! differ. A backend answer read *before* a change but stored *after* it was processed must not
//! survive it either: every entry carries the generation at which its backend call began, and
//! its registration (right after it is stored) checks it against the changes logged since —
//! both under one lock, so an entry is either seen by the change or sees the change. Until it
//! is registered an entry is not served (see [`EntryState`]).

use super::entry::{CachedPart, EntryState, PartKey};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use ucs_model::{InteractionChange, MediaType};

/// Changes remembered for the entries still being fetched; an entry whose call began before
/// the oldest of them is dropped rather than guessed about.
const LOG_LEN: usize = 4096;

/// The entries of one tenant and media type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Slot {
    tenant: String,
    media_type: MediaType,
}

impl Slot {
    fn of(key: &PartKey) -> Option<Slot> {
        Some(Slot {
            tenant: key.key.scope().tenant().to_owned(),
            media_type: key.key.media_type()?,
        })
    }
}

/// A logged event.
#[derive(Debug)]
enum Event {
    /// One interaction changed.
    Change(Arc<InteractionChange>),
    /// Everything a backend answered before may be stale (its change feed was interrupted).
    Resync(Arc<str>),
}

impl Event {
    /// Whether the event may affect the entry stored under `key`.
    fn affects(&self, key: &PartKey, entry: &CachedPart) -> bool {
        match self {
            Event::Change(change) => change_affects(change, key, entry),
            Event::Resync(backend) => key.backend == *backend,
        }
    }
}

/// Whether `change` may affect the answer `entry` holds for `key`: same tenant, a media type
/// the change may be of, and an answer that may differ.
fn change_affects(change: &InteractionChange, key: &PartKey, entry: &CachedPart) -> bool {
    key.key.scope().tenant() == change.tenant
        && key.key.media_type().is_none_or(|m| change.may_be_of(m))
        && key.key.query().affected_by(change, &entry.interactions)
}

#[derive(Debug, Default)]
struct IndexState {
    /// Events so far; an entry records it when its backend call begins.
    generation: u64,
    /// Keys are shared (`Arc`): a change hands out its candidates without copying them.
    slots: HashMap<Slot, HashMap<Arc<PartKey>, Weak<CachedPart>>>,
    /// The last events, with the generation each one made.
    log: VecDeque<(u64, Event)>,
}

impl IndexState {
    fn log(&mut self, event: Event) {
        self.generation += 1;
        if self.log.len() == LOG_LEN {
            self.log.pop_front();
        }
        self.log.push_back((self.generation, event));
    }
}

/// The index of the registered entries of one store.
#[derive(Debug, Default)]
pub(crate) struct ChangeIndex {
    state: Mutex<IndexState>,
}

/// The entries one event may affect, with the key each is stored under.
pub(crate) type Candidates = Vec<(Arc<PartKey>, Arc<CachedPart>)>;

impl ChangeIndex {
    fn lock(&self) -> MutexGuard<'_, IndexState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The generation now: what a backend call records when it begins.
    pub(crate) fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Registers an entry just stored under `key`: checked against the events logged since its
    /// backend call began, then indexed (`Valid`), or marked `Invalid`. Idempotent: every caller
    /// that got the entry (the one that stored it and those coalesced with it) may call it and
    /// learns the same answer. Returns whether the entry may be served.
    pub(crate) fn register(&self, key: &PartKey, entry: &Arc<CachedPart>) -> bool {
        let mut state = self.lock();
        match entry.state() {
            EntryState::Valid => return true,
            EntryState::Invalid => return false,
            EntryState::Pending => {}
        }
        let began = entry.generation;
        let oldest_logged = state.log.front().map_or(state.generation + 1, |(g, _)| *g);
        let missed = began + 1 < oldest_logged && began < state.generation;
        let affected = missed
            || state
                .log
                .iter()
                .filter(|(generation, _)| *generation > began)
                .any(|(_, event)| event.affects(key, entry));
        if affected {
            entry.set_state(EntryState::Invalid);
            return false;
        }
        if let Some(slot) = Slot::of(key) {
            state
                .slots
                .entry(slot)
                .or_default()
                .insert(Arc::new(key.clone()), Arc::downgrade(entry));
        }
        entry.set_state(EntryState::Valid);
        true
    }

    /// Forgets `entry` (the store let go of it), unless `key` now holds a newer one.
    pub(crate) fn forget(&self, key: &PartKey, entry: &Arc<CachedPart>) {
        let Some(slot) = Slot::of(key) else {
            return;
        };
        let mut state = self.lock();
        if let Some(keys) = state.slots.get_mut(&slot) {
            if keys
                .get(key)
                .is_some_and(|held| std::ptr::eq(held.as_ptr(), Arc::as_ptr(entry)))
            {
                keys.remove(key);
                if keys.is_empty() {
                    state.slots.remove(&slot);
                }
            }
        }
    }

    /// Logs `change` and returns the registered entries it may affect: those of its tenant and
    /// of the media types it may be of (every type when it is not known). The caller decides
    /// each one with [`ChangeIndex::drop_if_affected`].
    pub(crate) fn candidates(
        &self,
        change: InteractionChange,
    ) -> (Arc<InteractionChange>, Candidates) {
        let change = Arc::new(change);
        let mut state = self.lock();
        state.log(Event::Change(Arc::clone(&change)));
        let candidates = MediaType::ALL
            .iter()
            .filter(|m| change.may_be_of(**m))
            .filter_map(|m| {
                state.slots.get(&Slot {
                    tenant: change.tenant.clone(),
                    media_type: *m,
                })
            })
            .flat_map(|keys| keys.iter())
            .filter_map(|(key, entry)| Some((Arc::clone(key), entry.upgrade()?)))
            .collect();
        (change, candidates)
    }

    /// Logs a resync of `backend` and returns every registered entry it answered.
    pub(crate) fn resync(&self, backend: &str) -> Candidates {
        let mut state = self.lock();
        state.log(Event::Resync(Arc::from(backend)));
        state
            .slots
            .values()
            .flat_map(|keys| keys.iter())
            .filter(|(key, _)| &*key.backend == backend)
            .filter_map(|(key, entry)| Some((Arc::clone(key), entry.upgrade()?)))
            .collect()
    }

    /// Marks `entry` invalid when `change` affects it, and unindexes it. Returns whether it did.
    pub(crate) fn drop_if_affected(
        &self,
        change: &InteractionChange,
        key: &PartKey,
        entry: &Arc<CachedPart>,
    ) -> bool {
        if !change_affects(change, key, entry) {
            return false;
        }
        self.drop_entry(key, entry);
        true
    }

    /// Marks `entry` invalid and unindexes it.
    pub(crate) fn drop_entry(&self, key: &PartKey, entry: &Arc<CachedPart>) {
        entry.set_state(EntryState::Invalid);
        self.forget(key, entry);
    }
}
