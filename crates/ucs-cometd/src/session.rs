//! A client session: its owner, subscriptions, bounded queue and long-poll state.

use crate::event::EventMessage;
use crate::subscriptions::Subscriptions;
use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};
use tokio::sync::Notify;
use tokio::time::Instant;

/// The authenticated user a session belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Owner {
    /// The user's id.
    pub user_id: String,
    /// The user's tenant (contact centre).
    pub tenant: String,
}

/// A queued message and the ack batch it was last sent in (0: not sent yet).
#[derive(Debug)]
pub(crate) struct Queued {
    pub(crate) batch: u64,
    pub(crate) message: EventMessage,
}

/// The mutable part of a session, behind one short-lived lock (never held across `.await`).
#[derive(Debug)]
pub(crate) struct SessionState {
    pub(crate) subscriptions: Subscriptions,
    pub(crate) queue: VecDeque<Queued>,
    /// When the session expires; `None` while a connect is held.
    pub(crate) expires_at: Option<Instant>,
    /// Whether a first `/meta/connect` has been answered.
    pub(crate) connected: bool,
    /// Bumped by every connect, so a held connect knows it was superseded.
    pub(crate) connect_generation: u64,
    /// Whether a connect is held now (and counts against its browser's limit).
    pub(crate) holding: bool,
    /// Removed by disconnect or the sweeper.
    pub(crate) removed: bool,
    /// The ack extension's current batch, when the client enabled it.
    pub(crate) ack_batch: Option<u64>,
    /// Messages dropped because the queue was full.
    pub(crate) dropped: u64,
}

/// One Bayeux session.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) id: String,
    pub(crate) owner: Owner,
    /// The `BAYEUX_BROWSER` id of the handshake (HTTP transports only).
    pub(crate) browser_id: Option<String>,
    state: Mutex<SessionState>,
    /// Wakes the held connect when something is queued, the session is removed, or a newer
    /// connect supersedes it.
    pub(crate) wake: Notify,
}

impl Session {
    pub(crate) fn new(
        id: String,
        owner: Owner,
        browser_id: Option<String>,
        ack: bool,
        expires_at: Instant,
    ) -> Self {
        Self {
            id,
            owner,
            browser_id,
            state: Mutex::new(SessionState {
                subscriptions: Subscriptions::default(),
                queue: VecDeque::new(),
                expires_at: Some(expires_at),
                connected: false,
                connect_generation: 0,
                holding: false,
                removed: false,
                ack_batch: ack.then_some(0),
                dropped: 0,
            }),
            wake: Notify::new(),
        }
    }

    /// Locks the state. A poisoned lock (a panic elsewhere while holding it) is recovered: the
    /// state is plain data that every writer leaves consistent between statements.
    pub(crate) fn state(&self) -> MutexGuard<'_, SessionState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the session subscribed to a pattern matching `channel`.
    pub(crate) fn is_subscribed(state: &SessionState, channel: &str) -> bool {
        state.subscriptions.matches(channel)
    }

    /// Queues `message`, dropping the oldest when the queue is at `max_queue`. Returns whether it
    /// was queued (false once the session is removed) and wakes the held connect.
    pub(crate) fn enqueue(&self, message: EventMessage, max_queue: usize) -> bool {
        {
            let mut state = self.state();
            if state.removed {
                return false;
            }
            while state.queue.len() >= max_queue.max(1) {
                state.queue.pop_front();
                state.dropped += 1;
            }
            state.queue.push_back(Queued { batch: 0, message });
        }
        self.wake.notify_waiters();
        true
    }

    /// Marks the session removed and wakes its held connect.
    pub(crate) fn remove(&self) {
        self.state().removed = true;
        self.wake.notify_waiters();
    }
}

impl SessionState {
    /// Takes what a reply carries. Without the ack extension the queue is drained. With it, every
    /// message stays queued until acknowledged: this reply gets a new batch number, every queued
    /// message (unacknowledged resends and new ones) is tagged with it and sent again.
    pub(crate) fn take_for_reply(&mut self) -> (Vec<EventMessage>, Option<u64>) {
        match self.ack_batch.as_mut() {
            None => (self.queue.drain(..).map(|q| q.message).collect(), None),
            Some(batch) => {
                *batch += 1;
                let batch = *batch;
                let messages = self
                    .queue
                    .iter_mut()
                    .map(|q| {
                        q.batch = batch;
                        q.message.clone()
                    })
                    .collect();
                (messages, Some(batch))
            }
        }
    }

    /// Forgets messages the client acknowledged (every batch up to `acked`).
    pub(crate) fn acknowledge(&mut self, acked: u64) {
        while self
            .queue
            .front()
            .is_some_and(|q| q.batch != 0 && q.batch <= acked)
        {
            self.queue.pop_front();
        }
    }
}
