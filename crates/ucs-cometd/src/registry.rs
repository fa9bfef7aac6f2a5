//! The sessions of an engine and the operations the verbs perform on them: look a session up
//! for a request, add and remove sessions, count held connects per browser, queue messages.
//! The engine owns one and hands it to each verb; the verbs know nothing of the engine.

use crate::authorizer::Authorizer;
use crate::channel::Channel;
use crate::config::{BayeuxConfig, PARKED_PER_USER};
use crate::event::EventMessage;
use crate::incoming::Incoming;
use crate::observer::SessionObserver;
use crate::parking::Parking;
use crate::session::Session;
use crate::table::SessionTable;
use crate::transport::{ConnectionType, TransportContext};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use tokio::time::Instant;

/// The sessions, their browsers' held connects, the policy and the counters.
#[derive(Debug)]
pub(crate) struct Registry {
    pub(crate) config: BayeuxConfig,
    pub(crate) authorizer: Arc<dyn Authorizer>,
    sessions: Mutex<SessionTable>,
    /// Held connects per `BAYEUX_BROWSER` id.
    browsers: Mutex<HashMap<String, usize>>,
    pub(crate) deliveries: AtomicU64,
    /// Notifications waiting for a session of their user to subscribe.
    pub(crate) parking: Parking,
    pub(crate) dropped_total: AtomicU64,
    pub(crate) expired: AtomicU64,
    /// Set once the server hands its sessions over (see [`Engine::hand_over`]).
    ///
    /// [`Engine::hand_over`]: crate::Engine::hand_over
    handing_over: AtomicBool,
    /// Told of users' sessions coming and going (a cluster's presence), once set.
    pub(crate) observer: OnceLock<Arc<dyn SessionObserver>>,
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// 160 random bits as hex: client and browser ids.
pub(crate) fn random_id() -> String {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Registry {
    pub(crate) fn new(config: BayeuxConfig, authorizer: Arc<dyn Authorizer>) -> Self {
        Self {
            parking: Parking::new(config.park_for, PARKED_PER_USER),
            config,
            authorizer,
            sessions: Mutex::new(SessionTable::default()),
            browsers: Mutex::new(HashMap::new()),
            deliveries: AtomicU64::new(0),
            dropped_total: AtomicU64::new(0),
            expired: AtomicU64::new(0),
            handing_over: AtomicBool::new(false),
            observer: OnceLock::new(),
        }
    }

    /// Looks a session up for a request: it must exist, belong to the request's user and, over
    /// HTTP, to the request's browser. Anything else is an unknown session (`402`), so a leaked
    /// clientId is useless to another user or browser. Every successful lookup pushes the
    /// session's expiry out by `maxInterval`.
    pub(crate) fn session_for(
        &self,
        message: &Incoming,
        ctx: &TransportContext,
    ) -> Option<Arc<Session>> {
        let id = message.client_id.as_deref()?;
        let session = lock(&self.sessions).get(id)?;
        let browser_ok = ctx.connection_type == ConnectionType::WebSocket
            || session.browser_id.is_none()
            || session.browser_id == ctx.browser_id;
        if session.owner != ctx.owner || !browser_ok {
            return None;
        }
        let mut state = session.state();
        if state.removed {
            return None;
        }
        if state.expires_at.is_some() {
            state.expires_at = Some(Instant::now() + self.config.max_interval);
        }
        drop(state);
        Some(session)
    }

    pub(crate) fn insert_session(&self, session: Arc<Session>) {
        lock(&self.sessions).insert(session);
    }

    pub(crate) fn remove_session(&self, id: &str) -> Option<Arc<Session>> {
        let session = lock(&self.sessions).remove(id)?;
        session.remove();
        if let Some(observer) = self.observer.get() {
            if !self.has_user(&session.owner.user_id) {
                observer.left(&session.owner.user_id);
            }
        }
        Some(session)
    }

    /// Tells the observer, if any, that `session` subscribed.
    pub(crate) fn subscribed(&self, session: &Session) {
        if let Some(observer) = self.observer.get() {
            observer.subscribed(&session.owner.user_id);
        }
    }

    /// Registers a held connect of `browser`; `false` when the browser already holds
    /// `max_sessions_per_browser` connects (the new one gets `multiple-clients` advice).
    pub(crate) fn hold_for_browser(&self, browser: &str) -> bool {
        let mut browsers = lock(&self.browsers);
        let held = browsers.entry(browser.to_owned()).or_insert(0);
        if *held >= self.config.max_sessions_per_browser {
            return false;
        }
        *held += 1;
        true
    }

    pub(crate) fn release_for_browser(&self, browser: &str) {
        let mut browsers = lock(&self.browsers);
        if let Some(held) = browsers.get_mut(browser) {
            *held = held.saturating_sub(1);
            if *held == 0 {
                browsers.remove(browser);
            }
        }
    }

    pub(crate) fn sessions_snapshot(&self) -> Vec<Arc<Session>> {
        lock(&self.sessions).all()
    }

    pub(crate) fn sessions_of_user(&self, user_id: &str) -> Vec<Arc<Session>> {
        lock(&self.sessions).of_user(user_id)
    }

    pub(crate) fn users(&self) -> Vec<String> {
        lock(&self.sessions).users()
    }

    pub(crate) fn has_user(&self, user_id: &str) -> bool {
        lock(&self.sessions).has_user(user_id)
    }

    /// Whether the server is handing its sessions over.
    pub(crate) fn handing_over(&self) -> bool {
        self.handing_over.load(Ordering::Acquire)
    }

    /// Starts handing the sessions over: every held connect is released to answer.
    pub(crate) fn begin_hand_over(&self) {
        self.handing_over.store(true, Ordering::Release);
        for session in self.sessions_snapshot() {
            session.wake.notify_waiters();
        }
    }

    /// Queues for `session` the parked notifications of its user that its subscriptions now
    /// accept.
    pub(crate) fn unpark_for(&self, session: &Session) {
        if !self.parking.enabled() {
            return;
        }
        let messages = {
            let state = session.state();
            self.parking
                .take_matching(&session.owner.user_id, |channel| {
                    Session::is_subscribed(&state, channel)
                })
        };
        for message in messages {
            self.enqueue(session, message);
        }
    }

    /// Queues `message` for `session` and counts it.
    fn enqueue(&self, session: &Session, message: EventMessage) -> bool {
        let dropped_before = session.state().dropped;
        let queued = session.enqueue(message, self.config.max_queue);
        if queued {
            self.deliveries.fetch_add(1, Ordering::Relaxed);
            let dropped = session.state().dropped - dropped_before;
            self.dropped_total.fetch_add(dropped, Ordering::Relaxed);
        }
        queued
    }

    /// Queues an already serialized message for every subscribed session of `tenant`.
    pub(crate) fn publish_message(
        &self,
        tenant: &str,
        message: &EventMessage,
        channel: &str,
    ) -> usize {
        let mut sessions = self.sessions_snapshot();
        sessions.retain(|s| s.owner.tenant == tenant);
        self.deliver_to(&sessions, message, channel)
    }

    /// Queues `message` for those of `sessions` subscribed to `channel`.
    pub(crate) fn deliver_to(
        &self,
        sessions: &[Arc<Session>],
        message: &EventMessage,
        channel: &str,
    ) -> usize {
        sessions
            .iter()
            .filter(|s| Session::is_subscribed(&s.state(), channel))
            .filter(|s| self.enqueue(s, message.clone()))
            .count()
    }

    /// Validates a channel name for a publish: a concrete (non-wildcard) name.
    pub(crate) fn publish_channel(name: &str) -> Option<Channel> {
        Channel::parse(name).filter(|c| !c.is_wildcard())
    }
}
