//! HTTP sessions (`JSESSIONID`): a random id mapped to a principal, expiring when idle; in a
//! cluster also known to the other nodes ([`SharedLogins`]).

use super::principal::Principal;
use futures_util::future::BoxFuture;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// 128 random bits as hex.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Sessions shared with the other nodes of a cluster: a session opened on one node is accepted
/// by all. Only the user's name is shared; each node maps it to its own user.
pub(crate) trait SharedLogins: Send + Sync + std::fmt::Debug {
    /// Session `id` was opened here for `user_name`, idle for `idle` at most.
    fn record<'a>(&'a self, id: &'a str, user_name: &'a str, idle: Duration) -> BoxFuture<'a, ()>;
    /// The user of session `id` opened on any node, if it is live.
    fn user_of<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Option<String>>;
    /// Session `id` is in use here: keep it alive for `idle` more everywhere.
    fn renew<'a>(&'a self, id: &'a str, idle: Duration) -> BoxFuture<'a, ()>;
}

#[derive(Debug)]
struct Entry {
    principal: Arc<Principal>,
    last_seen: Instant,
    /// When the cluster last heard that it is in use.
    shared_at: Instant,
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
        self.adopt(&id, principal);
        id
    }

    /// Takes in session `id` of `principal`, opened by another node of the cluster.
    pub(crate) fn adopt(&self, id: &str, principal: Arc<Principal>) {
        let now = Instant::now();
        self.entries().insert(
            id.to_owned(),
            Entry {
                principal,
                last_seen: now,
                shared_at: now,
            },
        );
    }

    /// The idle timeout.
    pub(crate) fn idle_timeout(&self) -> Duration {
        self.idle_timeout
    }

    /// Whether the cluster should hear again that session `id` is in use (a quarter of the
    /// idle timeout since it last did); if so, it counts as told now.
    pub(crate) fn share_due(&self, id: &str) -> bool {
        let mut entries = self.entries();
        let Some(entry) = entries.get_mut(id) else {
            return false;
        };
        let due = entry.shared_at.elapsed() >= self.idle_timeout / 4;
        if due {
            entry.shared_at = Instant::now();
        }
        due
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
