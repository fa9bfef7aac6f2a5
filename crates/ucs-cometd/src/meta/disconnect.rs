//! `/meta/disconnect`: removes the session and releases its held connect.

use crate::incoming::Incoming;
use crate::message::Response;
use crate::registry::Registry;
use crate::reply::Reply;
use crate::transport::TransportContext;

pub(crate) fn handle(
    registry: &Registry,
    message: &Incoming,
    ctx: &TransportContext,
    out: &mut Response,
) {
    let reply = match registry.session_for(message, ctx) {
        Some(session) => {
            registry.remove_session(&session.id);
            Reply::to(message, true)
        }
        None => Reply::unknown_session(message),
    };
    out.replies.push(reply);
}
