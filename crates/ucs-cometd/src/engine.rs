//! The engine: the session table and the processing of one request batch.

use crate::authorizer::Authorizer;
use crate::channel::Channel;
use crate::config::BayeuxConfig;
use crate::error::BatchError;
use crate::message::{
    event_message, event_message_raw, EventMessage, Incoming, JsonText, Response,
};
use crate::meta;
use crate::session::{Owner, Session};
use crate::table::SessionTable;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::time::Instant;

/// How a batch reached the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionType {
    /// HTTP long-polling: sessions are bound to the `BAYEUX_BROWSER` cookie.
    LongPolling,
    /// WebSocket: the session is bound to the socket.
    WebSocket,
}

/// What the transport knows about the request a batch came in.
#[derive(Clone, Debug)]
pub struct TransportContext {
    /// The authenticated user making the request.
    pub owner: Owner,
    /// The request's `BAYEUX_BROWSER` cookie, if any.
    pub browser_id: Option<String>,
    /// The transport.
    pub connection_type: ConnectionType,
}

/// Counters for metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EngineStats {
    /// Live sessions.
    pub sessions: usize,
    /// Messages waiting in session queues (including unacknowledged ones).
    pub queued: usize,
    /// Messages queued for delivery since start.
    pub deliveries: u64,
    /// Messages dropped because a session queue was full, since start.
    pub dropped: u64,
    /// Sessions removed by the sweeper since start.
    pub expired: u64,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) config: BayeuxConfig,
    pub(crate) authorizer: Arc<dyn Authorizer>,
    sessions: Mutex<SessionTable>,
    /// Held connects per `BAYEUX_BROWSER` id.
    browsers: Mutex<HashMap<String, usize>>,
    deliveries: AtomicU64,
    dropped_total: AtomicU64,
    expired: AtomicU64,
}

/// A Bayeux 1.0 server engine, independent of any transport. Cheap to clone (one `Arc`).
///
/// A transport hands each request batch to [`Engine::process`] and writes the [`Response`] back;
/// the server side delivers with [`Engine::deliver_to_user`] and [`Engine::publish`]; a
/// background task calls [`Engine::sweep`] every `sweep_period` (see [`Engine::run_sweeper`]).
#[derive(Clone, Debug)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// 160 random bits as hex: client and browser ids.
pub(crate) fn random_id() -> String {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Engine {
    /// An engine with `config` and `authorizer`.
    pub fn new(config: BayeuxConfig, authorizer: Arc<dyn Authorizer>) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                authorizer,
                sessions: Mutex::new(SessionTable::default()),
                browsers: Mutex::new(HashMap::new()),
                deliveries: AtomicU64::new(0),
                dropped_total: AtomicU64::new(0),
                expired: AtomicU64::new(0),
            }),
        }
    }

    /// The settings.
    pub fn config(&self) -> &BayeuxConfig {
        &self.inner.config
    }

    /// Processes one request body (a JSON array of messages, or one message object).
    ///
    /// Messages are handled in order and answered in one [`Response`]. A `/meta/connect` that is
    /// alone in its batch may be held until a message is queued for its session, `timeout`
    /// passes, or a newer connect supersedes it; nothing else waits.
    pub async fn process(
        &self,
        body: &[u8],
        ctx: &TransportContext,
    ) -> Result<Response, BatchError> {
        let messages = parse_batch(body)?;
        let alone = messages.len() == 1;
        if !alone
            && messages
                .iter()
                .any(|m| m.channel == meta::handshake::CHANNEL)
        {
            return Err(BatchError::HandshakeNotAlone);
        }
        let mut response = Response::new();
        // The session whose queued messages may ride on the replies of this batch.
        let mut piggyback: Option<Arc<Session>> = None;
        let mut had_connect = false;
        for message in messages {
            match message.channel.as_str() {
                meta::handshake::CHANNEL => {
                    meta::handshake::handle(self, &message, ctx, &mut response)
                }
                meta::connect::CHANNEL => {
                    had_connect = true;
                    meta::connect::handle(self, &message, ctx, alone, &mut response).await
                }
                meta::subscribe::SUBSCRIBE => {
                    piggyback = meta::subscribe::handle(self, &message, ctx, true, &mut response)
                }
                meta::subscribe::UNSUBSCRIBE => {
                    piggyback = meta::subscribe::handle(self, &message, ctx, false, &mut response)
                }
                meta::disconnect::CHANNEL => {
                    meta::disconnect::handle(self, &message, ctx, &mut response)
                }
                _ => piggyback = meta::publish::handle(self, &message, ctx, &mut response),
            }
        }
        if let (Some(session), false) = (piggyback, had_connect) {
            let mut state = session.state();
            if state.ack_batch.is_none() && !state.removed {
                response.events.extend(state.take_for_reply().0);
            }
        }
        Ok(response)
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
        let session = lock(&self.inner.sessions).get(id)?;
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
            state.expires_at = Some(Instant::now() + self.inner.config.max_interval);
        }
        drop(state);
        Some(session)
    }

    pub(crate) fn insert_session(&self, session: Arc<Session>) {
        lock(&self.inner.sessions).insert(session);
    }

    pub(crate) fn remove_session(&self, id: &str) -> Option<Arc<Session>> {
        let session = lock(&self.inner.sessions).remove(id)?;
        session.remove();
        Some(session)
    }

    /// Registers a held connect of `browser`; `false` when the browser already holds
    /// `max_sessions_per_browser` connects (the new one gets `multiple-clients` advice).
    pub(crate) fn hold_for_browser(&self, browser: &str) -> bool {
        let mut browsers = lock(&self.inner.browsers);
        let held = browsers.entry(browser.to_owned()).or_insert(0);
        if *held >= self.inner.config.max_sessions_per_browser {
            return false;
        }
        *held += 1;
        true
    }

    pub(crate) fn release_for_browser(&self, browser: &str) {
        let mut browsers = lock(&self.inner.browsers);
        if let Some(held) = browsers.get_mut(browser) {
            *held = held.saturating_sub(1);
            if *held == 0 {
                browsers.remove(browser);
            }
        }
    }

    fn sessions_snapshot(&self) -> Vec<Arc<Session>> {
        lock(&self.inner.sessions).all()
    }

    /// Queues `message` for `session` and counts it.
    pub(crate) fn enqueue(&self, session: &Session, message: EventMessage) -> bool {
        let dropped_before = session.state().dropped;
        let queued = session.enqueue(message, self.inner.config.max_queue);
        if queued {
            self.inner.deliveries.fetch_add(1, Ordering::Relaxed);
            let dropped = session.state().dropped - dropped_before;
            self.inner
                .dropped_total
                .fetch_add(dropped, Ordering::Relaxed);
        }
        queued
    }

    /// Delivers `data` on `channel` to every session of `user_id` that subscribed to the channel
    /// (by name or wildcard). Returns how many sessions it was queued for.
    pub fn deliver_to_user(&self, user_id: &str, channel: &str, data: &Value) -> usize {
        self.deliver_message_to_user(user_id, &event_message(channel, data), channel)
    }

    /// As [`Engine::deliver_to_user`], with `data` already serialized (a notification written
    /// once, straight from its type).
    pub fn deliver_json_to_user(&self, user_id: &str, channel: &str, data: &JsonText) -> usize {
        self.deliver_message_to_user(user_id, &event_message_raw(channel, data), channel)
    }

    fn deliver_message_to_user(
        &self,
        user_id: &str,
        message: &EventMessage,
        channel: &str,
    ) -> usize {
        let sessions = lock(&self.inner.sessions).of_user(user_id);
        self.deliver_to(&sessions, message, channel)
    }

    /// Whether `user_id` has any live session (a notification for them could be delivered).
    pub fn has_sessions(&self, user_id: &str) -> bool {
        lock(&self.inner.sessions).has_user(user_id)
    }

    /// Publishes `data` on `channel` to every subscribed session of `tenant`. Returns how many
    /// sessions it was queued for.
    pub fn publish(&self, tenant: &str, channel: &str, data: &Value) -> usize {
        let message = event_message(channel, data);
        self.publish_message(tenant, &message, channel)
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
    fn deliver_to(
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

    /// Removes every session whose expiry is before `now`. Returns how many were removed.
    pub fn sweep(&self, now: Instant) -> usize {
        let expired: Vec<String> = self
            .sessions_snapshot()
            .iter()
            .filter(|s| s.state().expires_at.is_some_and(|at| at <= now))
            .map(|s| s.id.clone())
            .collect();
        let removed = expired
            .iter()
            .filter(|id| self.remove_session(id).is_some())
            .count();
        self.inner
            .expired
            .fetch_add(removed as u64, Ordering::Relaxed);
        removed
    }

    /// Sweeps every `sweep_period` until the returned future is dropped. Run it as a background
    /// task owned by the server, so it stops with it.
    pub async fn run_sweeper(self) {
        let mut ticks = tokio::time::interval(self.inner.config.sweep_period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            self.sweep(Instant::now());
        }
    }

    /// Current counters.
    pub fn stats(&self) -> EngineStats {
        let sessions = self.sessions_snapshot();
        EngineStats {
            sessions: sessions.len(),
            queued: sessions.iter().map(|s| s.state().queue.len()).sum(),
            deliveries: self.inner.deliveries.load(Ordering::Relaxed),
            dropped: self.inner.dropped_total.load(Ordering::Relaxed),
            expired: self.inner.expired.load(Ordering::Relaxed),
        }
    }

    /// Validates a channel name for a publish: a concrete (non-wildcard) name.
    pub(crate) fn publish_channel(name: &str) -> Option<Channel> {
        Channel::parse(name).filter(|c| !c.is_wildcard())
    }
}

/// A body is a JSON array of message objects, or a single object.
fn parse_batch(body: &[u8]) -> Result<Vec<Incoming>, BatchError> {
    let value: Value = serde_json::from_slice(body).map_err(|_| BatchError::Malformed)?;
    let values = match value {
        Value::Array(values) => values,
        object @ Value::Object(_) => vec![object],
        _ => return Err(BatchError::Malformed),
    };
    if values.is_empty() {
        return Err(BatchError::Malformed);
    }
    values
        .into_iter()
        .map(|v| Incoming::from_value(v).ok_or(BatchError::Malformed))
        .collect()
}
