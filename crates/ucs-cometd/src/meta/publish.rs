//! A publish from a client to a broadcast or service channel.

use crate::channel::ChannelKind;
use crate::engine::{Engine, TransportContext};
use crate::message::{errors, event_message, Incoming, Response};
use crate::session::Session;
use serde_json::Value;
use std::sync::Arc;

/// Handles a message on a non-handshake channel that is not one of the other meta verbs.
/// Returns the publisher's session, whose queued messages (its own publish included, when it is
/// subscribed) may ride on the reply.
pub(crate) fn handle(
    engine: &Engine,
    message: &Incoming,
    ctx: &TransportContext,
    out: &mut Response,
) -> Option<Arc<Session>> {
    let Some(channel) = Engine::publish_channel(&message.channel) else {
        out.replies
            .push(Value::Object(message.error_reply(errors::CHANNEL_INVALID)));
        return None;
    };
    if channel.kind() == ChannelKind::Meta {
        out.replies
            .push(Value::Object(message.error_reply(errors::CHANNEL_UNKNOWN)));
        return None;
    }
    let Some(session) = engine.session_for(message, ctx) else {
        out.replies
            .push(Value::Object(message.unknown_session_reply()));
        return None;
    };
    if !engine
        .inner
        .authorizer
        .can_publish(&session.owner, &channel)
    {
        out.replies
            .push(Value::Object(message.error_reply(errors::PUBLISH_DENIED)));
        return Some(session);
    }
    if channel.kind() == ChannelKind::Broadcast {
        let data = message.fields.get("data").cloned().unwrap_or(Value::Null);
        let event = event_message(channel.as_str(), &data);
        engine.publish_message(&session.owner.tenant, &event, channel.as_str());
    }
    out.replies.push(Value::Object(message.reply(true)));
    Some(session)
}
