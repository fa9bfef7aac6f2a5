//! The session table, indexed by clientId and by user: delivering a history result to one user
//! touches that user's sessions only, however many other users are connected.

use crate::session::Session;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, Default)]
pub(crate) struct SessionTable {
    by_id: HashMap<String, Arc<Session>>,
    by_user: HashMap<String, Vec<Arc<Session>>>,
}

impl SessionTable {
    pub(crate) fn insert(&mut self, session: Arc<Session>) {
        self.by_user
            .entry(session.owner.user_id.clone())
            .or_default()
            .push(Arc::clone(&session));
        self.by_id.insert(session.id.clone(), session);
    }

    pub(crate) fn remove(&mut self, id: &str) -> Option<Arc<Session>> {
        let session = self.by_id.remove(id)?;
        if let Some(list) = self.by_user.get_mut(&session.owner.user_id) {
            list.retain(|s| s.id != id);
            if list.is_empty() {
                self.by_user.remove(&session.owner.user_id);
            }
        }
        Some(session)
    }

    pub(crate) fn get(&self, id: &str) -> Option<Arc<Session>> {
        self.by_id.get(id).cloned()
    }

    pub(crate) fn of_user(&self, user_id: &str) -> Vec<Arc<Session>> {
        self.by_user.get(user_id).cloned().unwrap_or_default()
    }

    pub(crate) fn has_user(&self, user_id: &str) -> bool {
        self.by_user.contains_key(user_id)
    }

    /// The users with at least one session (the keys of the per-user index).
    pub(crate) fn users(&self) -> Vec<String> {
        self.by_user.keys().cloned().collect()
    }

    pub(crate) fn all(&self) -> Vec<Arc<Session>> {
        self.by_id.values().cloned().collect()
    }
}
