//! Notifications for a user with no session subscribed to their channel yet. A desktop may POST
//! before its CometD handshake and subscribe have finished, and during a graceful upgrade a
//! request may reach the new process while the caller's session still lives in the old one
//! (it moves over when the old process hands its sessions back). Such a notification waits
//! here, for `BayeuxConfig::park_for` at most, and goes to the first session of that user that
//! subscribes to a matching channel. Bounded: at most `max_queue` per user, oldest dropped.

use crate::event::EventMessage;
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::time::Instant;

/// One waiting notification.
#[derive(Debug)]
struct Parked {
    until: Instant,
    channel: String,
    message: EventMessage,
}

/// The waiting notifications, by user.
#[derive(Debug)]
pub(crate) struct Parking {
    by_user: Mutex<HashMap<String, VecDeque<Parked>>>,
    hold: Duration,
    max_per_user: usize,
}

/// Locks the map; a poisoned lock is recovered (plain data, consistent between statements).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Parking {
    /// Parking that keeps each notification `hold` (zero: parking is off), `max_per_user` per
    /// user at most.
    pub(crate) fn new(hold: Duration, max_per_user: usize) -> Self {
        Self {
            by_user: Mutex::new(HashMap::new()),
            hold,
            max_per_user: max_per_user.max(1),
        }
    }

    /// Whether notifications are parked at all.
    pub(crate) fn enabled(&self) -> bool {
        !self.hold.is_zero()
    }

    /// Parks `message` on `channel` for `user_id`, dropping that user's oldest past the bound.
    pub(crate) fn park(&self, user_id: &str, channel: &str, message: EventMessage) {
        if !self.enabled() {
            return;
        }
        let mut by_user = lock(&self.by_user);
        let waiting = by_user.entry(user_id.to_owned()).or_default();
        while waiting.len() >= self.max_per_user {
            waiting.pop_front();
        }
        waiting.push_back(Parked {
            until: Instant::now() + self.hold,
            channel: channel.to_owned(),
            message,
        });
    }

    /// Takes, in order, the live notifications of `user_id` whose channel `subscribed` accepts.
    pub(crate) fn take_matching(
        &self,
        user_id: &str,
        subscribed: impl Fn(&str) -> bool,
    ) -> Vec<EventMessage> {
        let mut by_user = lock(&self.by_user);
        let Some(waiting) = by_user.get_mut(user_id) else {
            return Vec::new();
        };
        let now = Instant::now();
        let mut taken = Vec::new();
        waiting.retain_mut(|parked| {
            if parked.until <= now {
                return false;
            }
            if subscribed(&parked.channel) {
                taken.push(parked.message.clone());
                return false;
            }
            true
        });
        if waiting.is_empty() {
            by_user.remove(user_id);
        }
        taken
    }

    /// Drops what waited past its time. Returns how many.
    pub(crate) fn sweep(&self, now: Instant) -> usize {
        let mut by_user = lock(&self.by_user);
        let mut expired = 0;
        by_user.retain(|_, waiting| {
            let before = waiting.len();
            waiting.retain(|parked| parked.until > now);
            expired += before - waiting.len();
            !waiting.is_empty()
        });
        expired
    }

    /// How many notifications wait.
    pub(crate) fn len(&self) -> usize {
        lock(&self.by_user).values().map(VecDeque::len).sum()
    }
}
