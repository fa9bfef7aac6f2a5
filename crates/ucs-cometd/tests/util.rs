//! A small client over the engine's public API.

use serde_json::{json, Value};
use std::sync::Arc;
use ucs_cometd::{
    BatchError, BayeuxConfig, ConnectionType, Engine, GwsAuthorizer, Owner, Response,
    TransportContext,
};

pub(crate) fn engine() -> Engine {
    engine_with(BayeuxConfig::default())
}

pub(crate) fn engine_with(config: BayeuxConfig) -> Engine {
    Engine::new(config, Arc::new(GwsAuthorizer))
}

/// The request context of `user` (tenant `cc1`, or `cc2` for users starting with "t2-") in
/// browser `browser`.
pub(crate) fn ctx(user: &str, browser: &str) -> TransportContext {
    let tenant = if user.starts_with("t2-") {
        "cc2"
    } else {
        "cc1"
    };
    TransportContext {
        owner: Owner {
            user_id: user.into(),
            tenant: tenant.into(),
        },
        browser_id: Some(browser.into()),
        connection_type: ConnectionType::LongPolling,
    }
}

/// A parsed response.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) replies: Vec<Value>,
    pub(crate) events: Vec<Value>,
    pub(crate) body: Value,
}

impl Reply {
    pub(crate) fn from(response: &Response) -> Reply {
        let body = if response.status == 200 {
            serde_json::from_slice(&response.to_json()).unwrap()
        } else {
            Value::Null
        };
        Reply {
            status: response.status,
            replies: response.replies().collect(),
            events: response
                .events()
                .iter()
                .map(|e| serde_json::from_str(&e.text()).unwrap())
                .collect(),
            body,
        }
    }

    /// The one reply of a single-message batch.
    pub(crate) fn only(&self) -> &Value {
        assert_eq!(self.replies.len(), 1, "{:?}", self.replies);
        &self.replies[0]
    }

    /// The `data` of each delivered event.
    pub(crate) fn data(&self) -> Vec<Value> {
        self.events.iter().map(|e| e["data"].clone()).collect()
    }
}

pub(crate) async fn send(engine: &Engine, ctx: &TransportContext, body: Value) -> Reply {
    try_send(engine, ctx, body).await.expect("a valid batch")
}

pub(crate) async fn try_send(
    engine: &Engine,
    ctx: &TransportContext,
    body: Value,
) -> Result<Reply, BatchError> {
    let bytes = serde_json::to_vec(&body).unwrap();
    engine.process(&bytes, ctx).await.map(|r| Reply::from(&r))
}

/// Handshakes (optionally with the ack extension) and returns the clientId.
pub(crate) async fn handshake(engine: &Engine, ctx: &TransportContext, ack: bool) -> String {
    let mut message = json!({
        "channel": "/meta/handshake", "id": "1", "version": "1.0",
        "supportedConnectionTypes": ["long-polling"],
    });
    if ack {
        message["ext"] = json!({"ack": true});
    }
    let reply = send(engine, ctx, json!([message])).await;
    let hs = reply.only();
    assert_eq!(hs["successful"], true, "{hs}");
    hs["clientId"].as_str().unwrap().to_owned()
}

pub(crate) fn connect_msg(client_id: &str) -> Value {
    json!([{"channel": "/meta/connect", "clientId": client_id, "connectionType": "long-polling", "id": "c"}])
}

/// The first connect (answered at once) of a new session.
pub(crate) async fn first_connect(
    engine: &Engine,
    ctx: &TransportContext,
    client_id: &str,
) -> Reply {
    let mut msg = connect_msg(client_id);
    msg[0]["advice"] = json!({"timeout": 0});
    send(engine, ctx, msg).await
}

pub(crate) async fn subscribe(
    engine: &Engine,
    ctx: &TransportContext,
    client_id: &str,
    channel: &str,
) {
    let reply = send(
        engine,
        ctx,
        json!([{"channel": "/meta/subscribe", "clientId": client_id, "subscription": channel, "id": "s"}]),
    )
    .await;
    assert_eq!(
        reply.replies.last().unwrap()["successful"],
        true,
        "{:?}",
        reply.replies
    );
}

/// A session that handshook, connected once and subscribed to `channel`.
pub(crate) async fn ready_session(
    engine: &Engine,
    ctx: &TransportContext,
    channel: &str,
    ack: bool,
) -> String {
    let id = handshake(engine, ctx, ack).await;
    first_connect(engine, ctx, &id).await;
    subscribe(engine, ctx, &id, channel).await;
    id
}

/// Lets spawned tasks run until they block.
pub(crate) async fn settle() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

/// Sends a connect in a task of its own (it may be held) and lets it reach its wait.
pub(crate) async fn spawn_connect(
    engine: &Engine,
    ctx: &TransportContext,
    client_id: &str,
) -> tokio::task::JoinHandle<Reply> {
    let (engine, ctx, id) = (engine.clone(), ctx.clone(), client_id.to_owned());
    let handle = tokio::spawn(async move { send(&engine, &ctx, connect_msg(&id)).await });
    settle().await;
    handle
}
