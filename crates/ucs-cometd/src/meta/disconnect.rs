//! `/meta/disconnect`: removes the session and releases its held connect.

use crate::engine::{Engine, TransportContext};
use crate::message::{Incoming, Response};
use serde_json::Value;

pub(crate) const CHANNEL: &str = "/meta/disconnect";

pub(crate) fn handle(
    engine: &Engine,
    message: &Incoming,
    ctx: &TransportContext,
    out: &mut Response,
) {
    let reply = match engine.session_for(message, ctx) {
        Some(session) => {
            engine.remove_session(&session.id);
            message.reply(true)
        }
        None => message.unknown_session_reply(),
    };
    out.replies.push(Value::Object(reply));
}
