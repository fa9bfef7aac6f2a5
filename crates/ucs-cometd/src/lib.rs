//! A transport-agnostic Bayeux 1.0 server engine that unmodified CometD clients talk to.
//!
//! # Brief overview
//!
//! * [`Engine`] holds the sessions. A transport (HTTP long-polling, WebSocket) hands it each
//!   request body with a [`TransportContext`] (the authenticated [`Owner`], the `BAYEUX_BROWSER`
//!   cookie) and writes back the [`Response`].
//! * Each incoming message is parsed once into its verb (`incoming.rs`); replies are typed
//!   values (`reply.rs`) serialized once. The engine dispatches each verb to its module and hands
//!   it the session registry (`registry.rs`); the verbs never call back into the engine.
//! * One module per verb (`meta/handshake.rs`, `meta/connect.rs`, …) implements the protocol as
//!   the CometD Java server does: advice, `402::session_unknown` with `reconnect: handshake`,
//!   one held connect per session (a newer one supersedes it with HTTP 500), `multiple-clients`
//!   advice when a browser holds too many, and the `ack` extension.
//! * Server side: [`Engine::deliver_to_user`] queues a message for every session of one user
//!   subscribed to a channel (name or wildcard); [`Engine::publish`] does the same for a tenant.
//! * [`Engine::run_sweeper`] removes sessions whose client stopped connecting for
//!   `maxInterval`; a single background task, not a timer per session.
//!
//! # Design decisions
//!
//! *Per-session bounded queues.* A vanished client must never grow memory: each session holds
//! at most `max_queue` messages and drops the oldest when full (counted in [`EngineStats`]).
//! *Serialize once.* A delivered message is serialized to JSON once and shared by every session
//! queue it lands in. *Sessions belong to a user.* A clientId is looked up only for the user
//! (and, over HTTP, the browser) that created it, so a leaked id is useless to anybody else.
//!
//! ```
//! use std::sync::Arc;
//! use ucs_cometd::{BayeuxConfig, ConnectionType, Engine, GwsAuthorizer, Owner, TransportContext};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let engine = Engine::new(BayeuxConfig::default(), Arc::new(GwsAuthorizer));
//! let ctx = TransportContext {
//!     owner: Owner { user_id: "u1".into(), tenant: "cc1".into() },
//!     browser_id: Some("b1".into()),
//!     connection_type: ConnectionType::LongPolling,
//! };
//! let reply = engine.process(br#"[{"channel":"/meta/handshake","version":"1.0",
//!     "supportedConnectionTypes":["long-polling"]}]"#, &ctx).await?;
//! let handshake = reply.replies().next().unwrap();
//! assert_eq!(handshake["successful"], true);
//! # Ok::<(), ucs_cometd::BatchError>(())
//! # }).unwrap();
//! ```
#![deny(missing_docs)]

mod authorizer;
mod channel;
mod config;
mod engine;
mod error;
mod event;
mod incoming;
mod message;
mod meta;
mod observer;
mod parking;
mod registry;
mod reply;
mod session;
mod subscriptions;
mod table;
mod transport;

pub use authorizer::{Authorizer, GwsAuthorizer, SERVER_CHANNELS};
pub use channel::{Channel, ChannelKind};
pub use config::{
    BayeuxConfig, DEFAULT_INTERVAL, DEFAULT_MAX_INTERVAL, DEFAULT_MAX_QUEUE,
    DEFAULT_MAX_SESSIONS_PER_BROWSER, DEFAULT_MAX_SUBSCRIPTIONS, DEFAULT_MULTI_SESSION_INTERVAL,
    DEFAULT_PARK_FOR, DEFAULT_SWEEP_PERIOD, DEFAULT_TIMEOUT, PARKED_PER_USER,
};
pub use engine::{Begun, Engine, EngineStats};
pub use error::BatchError;
pub use event::{
    event_message, event_message_framed, event_message_raw, EventMessage, FramedJson, JsonText,
    SharedText,
};
pub use message::{JsonPiece, Response};
pub use meta::connect::HeldConnect;
pub use observer::SessionObserver;
pub use session::Owner;
pub use transport::{ConnectionType, TransportContext};
