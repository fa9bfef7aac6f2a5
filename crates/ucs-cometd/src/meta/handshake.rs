//! `/meta/handshake`: creates a session for the authenticated user.

use crate::incoming::{Incoming, Verb};
use crate::message::Response;
use crate::registry::{random_id, Registry};
use crate::reply::{errors, Advice, Reply, ReplyExt};
use crate::session::Session;
use crate::transport::{ConnectionType, TransportContext};
use serde_json::Value;
use std::sync::Arc;
use tokio::time::Instant;

pub(crate) fn handle(
    registry: &Registry,
    message: &Incoming,
    ctx: &TransportContext,
    out: &mut Response,
) {
    let Verb::Handshake { supported, ack } = &message.verb else {
        return;
    };
    let config = &registry.config;
    if registry.handing_over() {
        // A session made now would be stranded on a stopping server: try again in a moment,
        // when the server taking over is the one that answers.
        out.handshake = Some(Box::new(
            Reply::error(message, errors::SERVER_STOPPING).with_advice(Advice::handshake_later()),
        ));
        return;
    }
    let offered = config.connection_types();
    let common = supported
        .as_ref()
        .is_none_or(|types| types.iter().any(|t| offered.contains(&t.as_str())));
    if !common {
        out.handshake = Some(Box::new(Reply {
            supported_connection_types: Some(offered),
            ..Reply::error(message, errors::HANDSHAKE_FAILED).with_advice(Advice::none())
        }));
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
    let session = Arc::new(Session::new(
        random_id(),
        ctx.owner.clone(),
        browser_id,
        *ack,
        Instant::now() + config.max_interval,
    ));
    out.handshake = Some(Box::new(Reply {
        client_id: Some(session.id.clone()),
        version: Some("1.0"),
        minimum_version: Some("1.0"),
        supported_connection_types: Some(offered),
        advice: Some(Advice::retry(config)),
        ext: ack.then_some(ReplyExt {
            ack: Value::Bool(true),
        }),
        ..Reply::to(message, true)
    }));
    registry.insert_session(session);
}
