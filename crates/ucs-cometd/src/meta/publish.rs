//! A publish from a client to a broadcast or service channel (and the answer to a message on an
//! unknown meta channel).

use crate::channel::ChannelKind;
use crate::event::event_message;
use crate::incoming::{Incoming, Verb};
use crate::message::Response;
use crate::registry::Registry;
use crate::reply::{errors, Reply};
use crate::session::Session;
use crate::transport::TransportContext;
use std::sync::Arc;

/// Handles a message on a channel that is none of the meta verbs. Returns the publisher's
/// session, whose queued messages (its own publish included, when it is subscribed) may ride
/// on the reply.
pub(crate) fn handle(
    registry: &Registry,
    message: &Incoming,
    ctx: &TransportContext,
    out: &mut Response,
) -> Option<Arc<Session>> {
    let Verb::Publish { data } = &message.verb else {
        return None;
    };
    let Some(channel) = Registry::publish_channel(&message.channel) else {
        out.replies
            .push(Reply::error(message, errors::CHANNEL_INVALID));
        return None;
    };
    if channel.kind() == ChannelKind::Meta {
        out.replies
            .push(Reply::error(message, errors::CHANNEL_UNKNOWN));
        return None;
    }
    let Some(session) = registry.session_for(message, ctx) else {
        out.replies.push(Reply::unknown_session(message));
        return None;
    };
    if !registry.authorizer.can_publish(&session.owner, &channel) {
        out.replies
            .push(Reply::error(message, errors::PUBLISH_DENIED));
        return Some(session);
    }
    if channel.kind() == ChannelKind::Broadcast {
        let event = event_message(channel.as_str(), data);
        registry.publish_message(&session.owner.tenant, &event, channel.as_str());
    }
    out.replies.push(Reply::to(message, true));
    Some(session)
}
