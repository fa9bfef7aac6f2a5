//! HTTP sessions (`JSESSIONID`): a random id mapped to a principal, expiring when idle.

use super::principal::Principal;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// 128 random bits as hex.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug)]
struct Entry {
    principal: Arc<Principal>,
    last_seen: Instant,
}

/// The session table.
#[derive(Debug)]
pub(crate) struct SessionStore {
    idle_timeout: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

impl SessionStore {
    pub(crate) fn new(idle_timeout: Duration) -> Self {
        Self {
            idle_timeout,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn entries(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens a session for `principal`; returns its id.
    pub(crate) fn open(&self, principal: Arc<Principal>) -> String {
        let id = random_token();
        self.entries().insert(
            id.clone(),
            Entry {
                principal,
                last_seen: Instant::now(),
            },
        );
        id
    }

    /// The principal of a live session, refreshing its idle clock.
    pub(crate) fn touch(&self, id: &str) -> Option<Arc<Principal>> {
        let mut entries = self.entries();
        let entry = entries.get_mut(id)?;
        let now = Instant::now();
        if now.duration_since(entry.last_seen) > self.idle_timeout {
            entries.remove(id);
            return None;
        }
        entry.last_seen = now;
        Some(entry.principal.clone())
    }

    /// Whether a session is live, without refreshing it.
    pub(crate) fn touch_free(&self, id: &str) -> bool {
        self.entries()
            .get(id)
            .is_some_and(|e| e.last_seen.elapsed() <= self.idle_timeout)
    }

    /// Drops idle sessions; returns how many.
    pub(crate) fn sweep(&self) -> usize {
        let now = Instant::now();
        let mut entries = self.entries();
        let before = entries.len();
        entries.retain(|_, e| now.duration_since(e.last_seen) <= self.idle_timeout);
        before - entries.len()
    }
}
