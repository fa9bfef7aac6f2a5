//! `/meta/connect`: the long poll that carries messages from server to client.
//!
//! A connect that must wait is returned as a [`HeldConnect`]: an owned value the transport
//! keeps wherever it is cheapest (the long-polling transport parks it beside the idle
//! connection, outside the HTTP layer) and finishes with [`HeldConnect::wait`].

use crate::incoming::{Incoming, Verb, CONNECT};
use crate::message::Response;
use crate::registry::Registry;
use crate::reply::{errors, Advice, Reply, ReplyExt};
use crate::session::Session;
use crate::transport::{ConnectionType, TransportContext};
use serde_json::Value;
use std::sync::Arc;
use tokio::time::Instant;

/// How a held connect ended.
enum Release {
    /// Messages are queued, or the hold time passed: answer normally.
    Reply,
    /// A newer connect of the same session arrived: this one gets HTTP 500 (Java's
    /// `duplicateMetaConnectHttpResponseCode`), the newer one is held.
    Superseded,
    /// The session was disconnected or swept while the connect was held.
    Removed,
    /// The server is handing its sessions over (it is stopping): answer with what is queued
    /// and send the client to handshake again, on the server that takes over.
    HandOver,
}

/// A `/meta/connect` alone in its batch, waiting for a message for its session, its timeout, a
/// newer connect or the session's end. Owns what the answer needs (no borrow of the request),
/// so the transport may keep it apart from the request that made it; dropped unanswered (the
/// client went away), it gives the session its expiry clock and the browser its slot back.
#[derive(Debug)]
pub struct HeldConnect {
    registry: Arc<Registry>,
    session: Arc<Session>,
    /// The connect's `id`, for its reply: all of the message an answer needs (its channel is
    /// `/meta/connect`), where the whole message would cost every held session ~130 bytes more.
    id: Option<Value>,
    generation: u64,
    deadline: Instant,
    /// The browser whose count of held connects this one is in (long-polling only).
    browser: Option<String>,
    /// Set once the hold is over and the slot and the expiry are settled.
    released: bool,
}

/// Handles a connect: answers it into `out` now, or returns it held.
pub(crate) fn handle(
    registry: &Arc<Registry>,
    message: Incoming,
    ctx: &TransportContext,
    alone: bool,
    out: &mut Response,
) -> Option<HeldConnect> {
    let Verb::Connect {
        immediate: client_wants_now,
        acked,
    } = message.verb
    else {
        return None;
    };
    let Some(session) = registry.session_for(&message, ctx) else {
        out.replies.push(Reply::unknown_session(&message));
        return None;
    };
    let config = &registry.config;
    if registry.handing_over() {
        hand_over(registry, &session, Reply::to(&message, false), out);
        return None;
    }
    let (generation, first, must_answer_now, inherited_slot) = {
        let mut state = session.state();
        state.connect_generation += 1;
        // A connect of this session still held is superseded by this one, and so is its place
        // in the browser's count of held connects.
        let inherited_slot = std::mem::take(&mut state.holding);
        let first = !state.connected;
        state.connected = true;
        if let (Some(acked), Some(_)) = (acked, state.ack_batch) {
            state.acknowledge(acked);
        }
        (
            state.connect_generation,
            first,
            !state.queue.is_empty(),
            inherited_slot,
        )
    };
    session.wake.notify_waiters();

    // Hold only a connect that is alone in its batch, after the first one, when the client did
    // not ask for an immediate answer and nothing is waiting already.
    let wants_hold = alone && !first && !client_wants_now && !must_answer_now;
    let browser = match ctx.connection_type {
        ConnectionType::LongPolling => session.browser_id.clone(),
        ConnectionType::WebSocket => None,
    };
    if inherited_slot && !wants_hold {
        if let Some(browser) = &browser {
            registry.release_for_browser(browser);
        }
    }
    if wants_hold {
        if let Some(browser) = browser.as_deref().filter(|_| !inherited_slot) {
            if !registry.hold_for_browser(browser) {
                // Another session of this browser already holds a connect: answer at once and
                // tell the client to poll instead of holding a second connection.
                let reply = Reply::to(&message, true).with_advice(Advice::multiple_clients(config));
                finish(registry, &session, reply, out);
                return None;
            }
        }
        {
            let mut state = session.state();
            state.expires_at = None;
            state.holding = true;
        }
        return Some(HeldConnect {
            registry: Arc::clone(registry),
            deadline: Instant::now() + config.timeout,
            session,
            id: message.id,
            generation,
            browser,
            released: false,
        });
    }
    let reply = Reply::to(&message, true).with_advice(Advice::retry(config));
    finish(registry, &session, reply, out);
    None
}

impl HeldConnect {
    /// Waits until the connect can be answered, and answers it. Costs no thread: an async wait
    /// on the session's `Notify` and one timer.
    ///
    /// Not an `async fn`: one moves its `self` argument into its body's state beside the
    /// argument's own slot, and a held connect (most CometD sessions, most of the time) would
    /// take its room twice.
    pub fn wait(self) -> impl std::future::Future<Output = Response> + Send {
        let mut held = self;
        async move {
            let release = held.hold().await;
            held.settle(!matches!(release, Release::Superseded));
            held.answer(release)
        }
    }

    /// The answer to the connect once its hold is over.
    fn answer(&mut self, release: Release) -> Response {
        let mut out = Response::new();
        let id = self.id.take();
        let reply = move |successful| Reply::on(CONNECT.to_owned(), id, successful);
        let registry = &self.registry;
        match release {
            Release::Superseded => out.status = 500,
            Release::Removed => out.replies.push(reply(true).with_advice(Advice::none())),
            Release::HandOver => hand_over(registry, &self.session, reply(false), &mut out),
            Release::Reply => {
                let reply = reply(true).with_advice(Advice::retry(&registry.config));
                finish(registry, &self.session, reply, &mut out);
            }
        }
        out
    }

    async fn hold(&self) -> Release {
        let session = &self.session;
        let timeout = tokio::time::sleep_until(self.deadline);
        tokio::pin!(timeout);
        loop {
            let notified = session.wake.notified();
            tokio::pin!(notified);
            // Register interest before looking, so a wake between the look and the wait is not
            // lost.
            notified.as_mut().enable();
            {
                let state = session.state();
                if state.removed {
                    return Release::Removed;
                }
                if state.connect_generation != self.generation {
                    return Release::Superseded;
                }
                if !state.queue.is_empty() {
                    return Release::Reply;
                }
            }
            if self.registry.handing_over() {
                return Release::HandOver;
            }
            tokio::select! {
                _ = &mut notified => {}
                _ = &mut timeout => return Release::Reply,
            }
        }
    }

    /// Ends the hold: the browser's slot is given back and the session's expiry clock starts
    /// (both stay with the newer connect when this one was superseded).
    fn settle(&mut self, owns_slot: bool) {
        if std::mem::replace(&mut self.released, true) {
            return;
        }
        if !owns_slot {
            return;
        }
        if let Some(browser) = &self.browser {
            self.registry.release_for_browser(browser);
        }
        let mut state = self.session.state();
        state.holding = false;
        if state.expires_at.is_none() {
            state.expires_at = Some(Instant::now() + self.registry.config.max_interval);
        }
    }
}

impl Drop for HeldConnect {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        // Dropped while held (its connection closed): still its session's connect unless a
        // newer one took over.
        let current = self.session.state().connect_generation == self.generation;
        self.settle(current);
    }
}

/// Answers a connect of a server that is handing over: what is queued rides on the reply, which
/// is unsuccessful with the advice to handshake (what the official client acts on: a successful
/// connect advising a handshake is an error to it), and the session ends here. `reply` is the
/// unsuccessful reply to the connect, which this makes `402::session_unknown`.
fn hand_over(registry: &Registry, session: &Arc<Session>, reply: Reply, out: &mut Response) {
    let reply = Reply {
        error: Some(errors::SESSION_UNKNOWN),
        ..reply
    }
    .with_advice(Advice::handshake());
    finish(registry, session, reply, out);
    registry.remove_session(&session.id);
}

/// Puts the queued messages and the reply into the response, and starts the session's expiry
/// clock: the client has `interval + maxInterval` to connect again.
fn finish(registry: &Registry, session: &Arc<Session>, mut reply: Reply, out: &mut Response) {
    let config = &registry.config;
    let mut state = session.state();
    let (events, batch) = state.take_for_reply();
    if let Some(batch) = batch {
        reply.ext = Some(ReplyExt {
            ack: Value::from(batch),
        });
    }
    state.expires_at = Some(Instant::now() + config.interval + config.max_interval);
    drop(state);
    out.events.extend(events);
    out.replies.push(reply);
}
