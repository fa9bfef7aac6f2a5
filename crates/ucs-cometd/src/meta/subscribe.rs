//! `/meta/subscribe` and `/meta/unsubscribe`: one channel or a list, names or wildcards.

use crate::channel::{Channel, ChannelKind};
use crate::engine::{Engine, TransportContext};
use crate::message::{errors, Incoming, Response};
use crate::session::Session;
use serde_json::Value;
use std::sync::Arc;

pub(crate) const SUBSCRIBE: &str = "/meta/subscribe";
pub(crate) const UNSUBSCRIBE: &str = "/meta/unsubscribe";

/// Handles a (un)subscribe. Returns the session, whose queued messages may ride on the reply.
pub(crate) fn handle(
    engine: &Engine,
    message: &Incoming,
    ctx: &TransportContext,
    subscribe: bool,
    out: &mut Response,
) -> Option<Arc<Session>> {
    let Some(session) = engine.session_for(message, ctx) else {
        out.replies
            .push(Value::Object(message.unknown_session_reply()));
        return None;
    };
    let requested = message.fields.get("subscription").cloned();
    let names: Vec<&str> = match &requested {
        Some(Value::String(name)) => vec![name.as_str()],
        Some(Value::Array(list)) if !list.is_empty() => {
            list.iter().filter_map(Value::as_str).collect()
        }
        _ => Vec::new(),
    };
    let reply = |error: Option<&str>| {
        let mut reply = match error {
            None => message.reply(true),
            Some(error) => message.error_reply(error),
        };
        if let Some(subscription) = &requested {
            reply.insert("subscription".into(), subscription.clone());
        }
        Value::Object(reply)
    };
    let list_len = match &requested {
        Some(Value::Array(list)) => list.len(),
        _ => 1,
    };
    if names.is_empty() || names.len() != list_len {
        out.replies.push(reply(Some(errors::SUBSCRIPTION_MISSING)));
        return Some(session);
    }
    let Some(channels) = names
        .iter()
        .map(|n| Channel::parse(n))
        .collect::<Option<Vec<_>>>()
    else {
        out.replies.push(reply(Some(errors::SUBSCRIPTION_INVALID)));
        return Some(session);
    };
    if subscribe {
        let authorizer = &engine.inner.authorizer;
        if channels
            .iter()
            .any(|c| !authorizer.can_subscribe(&session.owner, c))
        {
            out.replies.push(reply(Some(errors::SUBSCRIBE_DENIED)));
            return Some(session);
        }
    }
    {
        let mut state = session.state();
        for channel in channels {
            if subscribe {
                // Service channels are request/response: nothing is ever delivered on them, so
                // the subscription is acknowledged but not recorded (as the spec recommends).
                if channel.kind() != ChannelKind::Service && !state.subscriptions.contains(&channel)
                {
                    state.subscriptions.push(channel);
                }
            } else {
                state.subscriptions.retain(|c| *c != channel);
            }
        }
    }
    out.replies.push(reply(None));
    Some(session)
}
