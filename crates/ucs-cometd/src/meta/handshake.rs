//! `/meta/handshake`: creates a session for the authenticated user.

use super::retry_advice;
use crate::engine::{random_id, ConnectionType, Engine, TransportContext};
use crate::message::{errors, Incoming, Response};
use crate::session::Session;
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::time::Instant;

pub(crate) const CHANNEL: &str = "/meta/handshake";

pub(crate) fn handle(
    engine: &Engine,
    message: &Incoming,
    ctx: &TransportContext,
    out: &mut Response,
) {
    let config = engine.config();
    let offered = config.connection_types();
    let client_types = message
        .fields
        .get("supportedConnectionTypes")
        .and_then(Value::as_array);
    let common = client_types.is_none_or(|types| {
        types
            .iter()
            .filter_map(Value::as_str)
            .any(|t| offered.contains(&t))
    });
    if !common {
        let mut reply = message.error_reply(errors::HANDSHAKE_FAILED);
        reply.insert("supportedConnectionTypes".into(), json!(offered));
        reply.insert("advice".into(), json!({"reconnect": "none"}));
        out.handshake = Some(Value::Object(reply));
        return;
    }

    let browser_id = match ctx.connection_type {
        ConnectionType::WebSocket => None,
        ConnectionType::LongPolling => Some(ctx.browser_id.clone().unwrap_or_else(|| {
            let id = random_id();
            out.set_browser_id = Some(id.clone());
            id
        })),
    };
    // The ack extension: `ext.ack: true` (or the newer `{enabled: true}` object form).
    let ack = message.ext("ack").is_some_and(|a| {
        a.as_bool() == Some(true) || a.get("enabled").and_then(Value::as_bool) == Some(true)
    });
    let session = Arc::new(Session::new(
        random_id(),
        ctx.owner.clone(),
        browser_id,
        ack,
        Instant::now() + config.max_interval,
    ));

    let mut reply = message.reply(true);
    reply.insert("clientId".into(), Value::String(session.id.clone()));
    reply.insert("version".into(), json!("1.0"));
    reply.insert("minimumVersion".into(), json!("1.0"));
    reply.insert("supportedConnectionTypes".into(), json!(offered));
    reply.insert("advice".into(), retry_advice(config));
    if ack {
        reply.insert("ext".into(), json!({"ack": true}));
    }
    engine.insert_session(session);
    out.handshake = Some(Value::Object(reply));
}
