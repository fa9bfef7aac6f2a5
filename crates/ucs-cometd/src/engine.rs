//! The engine: one request batch in, each message dispatched on its verb to the verb's module,
//! one response out; and the server side (delivery, sweeping, counters). The verbs work on the
//! engine's [`Registry`]; they never call back into the engine.

use crate::authorizer::Authorizer;
use crate::config::BayeuxConfig;
use crate::error::BatchError;
use crate::event::{
    event_message, event_message_framed, event_message_raw, EventMessage, FramedJson, JsonText,
};
use crate::incoming::{Incoming, Verb};
use crate::message::Response;
use crate::meta;
use crate::meta::connect::HeldConnect;
use crate::observer::SessionObserver;
use crate::registry::Registry;
use crate::session::Session;
use crate::transport::TransportContext;
use serde_json::Value;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::time::Instant;

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
    /// Notifications waiting for a session of their user to subscribe.
    pub parked: usize,
}

/// How far [`Engine::begin`] took a request.
#[derive(Debug)]
pub enum Begun {
    /// Every message is answered.
    Answered(Response),
    /// A `/meta/connect` waits (see [`HeldConnect::wait`]).
    Held(HeldConnect),
}

/// A Bayeux 1.0 server engine, independent of any transport. Cheap to clone (one `Arc`).
///
/// A transport hands each request batch to [`Engine::process`] and writes the [`Response`] back;
/// the server side delivers with [`Engine::deliver_to_user`] and [`Engine::publish`]; a
/// background task calls [`Engine::sweep`] every `sweep_period` (see [`Engine::run_sweeper`]).
#[derive(Clone, Debug)]
pub struct Engine {
    registry: Arc<Registry>,
}

impl Engine {
    /// An engine with `config` and `authorizer`.
    pub fn new(config: BayeuxConfig, authorizer: Arc<dyn Authorizer>) -> Self {
        Self {
            registry: Arc::new(Registry::new(config, authorizer)),
        }
    }

    /// The settings.
    pub fn config(&self) -> &BayeuxConfig {
        &self.registry.config
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
        Ok(match self.begin(body, ctx)? {
            Begun::Answered(response) => response,
            Begun::Held(connect) => connect.wait().await,
        })
    }

    /// Processes one request body as far as it goes without waiting: the [`Response`], or the
    /// `/meta/connect` (alone in its batch) that waits, to be finished with
    /// [`HeldConnect::wait`] wherever the transport keeps it.
    pub fn begin(&self, body: &[u8], ctx: &TransportContext) -> Result<Begun, BatchError> {
        let messages = parse_batch(body)?;
        let alone = messages.len() == 1;
        if !alone
            && messages
                .iter()
                .any(|m| matches!(m.verb, Verb::Handshake { .. }))
        {
            return Err(BatchError::HandshakeNotAlone);
        }
        let registry = &*self.registry;
        let mut response = Response::new();
        // The session whose queued messages may ride on the replies of this batch.
        let mut piggyback: Option<Arc<Session>> = None;
        let mut had_connect = false;
        for message in messages {
            if matches!(message.verb, Verb::Connect { .. }) {
                had_connect = true;
                let held =
                    meta::connect::handle(&self.registry, message, ctx, alone, &mut response);
                if let Some(held) = held {
                    // Only a connect alone in its batch is held: nothing else was answered.
                    return Ok(Begun::Held(held));
                }
                continue;
            }
            match &message.verb {
                Verb::Handshake { .. } => {
                    meta::handshake::handle(registry, &message, ctx, &mut response)
                }
                Verb::Subscribe { .. } => {
                    piggyback = meta::subscribe::handle(registry, &message, ctx, &mut response)
                }
                Verb::Disconnect => {
                    meta::disconnect::handle(registry, &message, ctx, &mut response)
                }
                Verb::Publish { .. } => {
                    piggyback = meta::publish::handle(registry, &message, ctx, &mut response)
                }
                Verb::Connect { .. } => {}
            }
        }
        if let (Some(session), false) = (piggyback, had_connect) {
            let mut state = session.state();
            if state.ack_batch.is_none() && !state.removed {
                response.events.extend(state.take_for_reply().0);
            }
        }
        Ok(Begun::Answered(response))
    }

    /// Delivers `data` on `channel` to every session of `user_id` that subscribed to the channel
    /// (by name or wildcard). Returns how many sessions it was queued for.
    pub fn deliver_to_user(&self, user_id: &str, channel: &str, data: &Value) -> usize {
        self.deliver_message_to_user(user_id, &event_message(channel, data), channel)
    }

    /// As [`Engine::deliver_to_user`], with `data` already serialized (a notification written
    /// once, straight from its type), answering a request that began at `origin` (the
    /// transport measures from there to the answer's last byte written).
    pub fn deliver_json_to_user(
        &self,
        user_id: &str,
        channel: &str,
        data: &JsonText,
        origin: std::time::Instant,
    ) -> usize {
        let message = event_message_raw(channel, data).from(origin);
        self.deliver_message_to_user(user_id, &message, channel)
    }

    /// As [`Engine::deliver_json_to_user`], with data serialized around a shared part (a cached
    /// answer): the message references it, no copy is made for this delivery.
    pub fn deliver_framed_to_user(
        &self,
        user_id: &str,
        channel: &str,
        data: &FramedJson,
        origin: std::time::Instant,
    ) -> usize {
        let message = event_message_framed(channel, data).from(origin);
        self.deliver_message_to_user(user_id, &message, channel)
    }

    fn deliver_message_to_user(
        &self,
        user_id: &str,
        message: &EventMessage,
        channel: &str,
    ) -> usize {
        let delivered = self.queue_for_user(user_id, message, channel);
        if delivered == 0 {
            self.registry
                .parking
                .park(user_id, channel, message.clone());
        }
        delivered
    }

    /// Queues `message` for the sessions of `user_id` subscribed to `channel`; returns how many.
    fn queue_for_user(&self, user_id: &str, message: &EventMessage, channel: &str) -> usize {
        let sessions = self.registry.sessions_of_user(user_id);
        self.registry.deliver_to(&sessions, message, channel)
    }

    /// As [`Engine::deliver_json_to_user`], but nothing is parked when no session of the user
    /// takes it here (the caller keeps it elsewhere, e.g. in a cluster's store). Returns how
    /// many sessions it was queued for.
    pub fn deliver_json_here(&self, user_id: &str, channel: &str, data: &JsonText) -> usize {
        self.queue_for_user(user_id, &event_message_raw(channel, data), channel)
    }

    /// Parks `data` on `channel` for the next session of `user_id` that subscribes here (see
    /// [`Engine::may_deliver_to`]); nothing when parking is off.
    pub fn park_json(&self, user_id: &str, channel: &str, data: &JsonText) {
        let message = event_message_raw(channel, data);
        self.registry.parking.park(user_id, channel, message);
    }

    /// Tells `observer` of users' sessions coming and going from now on. Set once; a second
    /// observer is refused (returned).
    pub fn observe(
        &self,
        observer: Arc<dyn SessionObserver>,
    ) -> Result<(), Arc<dyn SessionObserver>> {
        self.registry.observer.set(observer)
    }

    /// The users with a live session here.
    pub fn users(&self) -> Vec<String> {
        self.registry.users()
    }

    /// Whether a notification for `user_id` would reach anyone: a live session, or parking
    /// (which keeps it for a session still to come).
    pub fn may_deliver_to(&self, user_id: &str) -> bool {
        self.registry.parking.enabled() || self.registry.has_user(user_id)
    }

    /// Whether `user_id` has any live session (a notification for them could be delivered).
    pub fn has_sessions(&self, user_id: &str) -> bool {
        self.registry.has_user(user_id)
    }

    /// Publishes `data` on `channel` to every subscribed session of `tenant`. Returns how many
    /// sessions it was queued for.
    pub fn publish(&self, tenant: &str, channel: &str, data: &Value) -> usize {
        let message = event_message(channel, data);
        self.registry.publish_message(tenant, &message, channel)
    }

    /// Removes every session whose expiry is before `now`. Returns how many were removed.
    pub fn sweep(&self, now: Instant) -> usize {
        let expired: Vec<String> = self
            .registry
            .sessions_snapshot()
            .iter()
            .filter(|s| s.state().expires_at.is_some_and(|at| at <= now))
            .map(|s| s.id.clone())
            .collect();
        let removed = expired
            .iter()
            .filter(|id| self.registry.remove_session(id).is_some())
            .count();
        self.registry
            .expired
            .fetch_add(removed as u64, Ordering::Relaxed);
        self.registry.parking.sweep(now);
        removed
    }

    /// Sweeps every `sweep_period` until the returned future is dropped. Run it as a background
    /// task owned by the server, so it stops with it.
    pub async fn run_sweeper(self) {
        let mut ticks = tokio::time::interval(self.registry.config.sweep_period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            self.sweep(Instant::now());
        }
    }

    /// Hands every session over to whichever server takes this one's place (a graceful
    /// upgrade or a stop): each held connect, and every connect from now on, is answered with
    /// what its session has queued and `advice: {reconnect: "handshake"}`, and the session
    /// ends. Call it once no notification is still on its way to these sessions.
    pub fn hand_over(&self) {
        self.registry.begin_hand_over();
    }

    /// Whether [`Engine::hand_over`] was called.
    pub fn is_handing_over(&self) -> bool {
        self.registry.handing_over()
    }

    /// Current counters.
    pub fn stats(&self) -> EngineStats {
        let registry = &self.registry;
        let sessions = registry.sessions_snapshot();
        EngineStats {
            sessions: sessions.len(),
            queued: sessions.iter().map(|s| s.state().queue.len()).sum(),
            deliveries: registry.deliveries.load(Ordering::Relaxed),
            dropped: registry.dropped_total.load(Ordering::Relaxed),
            expired: registry.expired.load(Ordering::Relaxed),
            parked: registry.parking.len(),
        }
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
