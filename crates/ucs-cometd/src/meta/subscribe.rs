//! `/meta/subscribe` and `/meta/unsubscribe`: one channel or a list, names or wildcards.

use crate::channel::{Channel, ChannelKind};
use crate::incoming::{Incoming, Verb};
use crate::message::Response;
use crate::registry::Registry;
use crate::reply::{errors, Reply};
use crate::session::Session;
use crate::transport::TransportContext;
use serde_json::Value;
use std::sync::Arc;

/// Handles a (un)subscribe. Returns the session, whose queued messages may ride on the reply.
pub(crate) fn handle(
    registry: &Registry,
    message: &Incoming,
    ctx: &TransportContext,
    out: &mut Response,
) -> Option<Arc<Session>> {
    let Verb::Subscribe {
        subscribe,
        subscription,
    } = &message.verb
    else {
        return None;
    };
    let Some(session) = registry.session_for(message, ctx) else {
        out.replies.push(Reply::unknown_session(message));
        return None;
    };
    let names: Vec<&str> = match subscription {
        Some(Value::String(name)) => vec![name.as_str()],
        Some(Value::Array(list)) if !list.is_empty() => {
            list.iter().filter_map(Value::as_str).collect()
        }
        _ => Vec::new(),
    };
    let reply = |error: Option<&'static str>| Reply {
        subscription: subscription.clone(),
        ..match error {
            None => Reply::to(message, true),
            Some(error) => Reply::error(message, error),
        }
    };
    let list_len = match subscription {
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
    if *subscribe
        && channels
            .iter()
            .any(|c| !registry.authorizer.can_subscribe(&session.owner, c))
    {
        out.replies.push(reply(Some(errors::SUBSCRIBE_DENIED)));
        return Some(session);
    }
    let mut added = false;
    {
        let mut state = session.state();
        if *subscribe {
            // Service channels are request/response: nothing is ever delivered on them, so the
            // subscription is acknowledged but not recorded (as the spec recommends).
            let new: Vec<Channel> = channels
                .into_iter()
                .filter(|c| c.kind() != ChannelKind::Service && !state.subscriptions.contains(c))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            if state.subscriptions.len() + new.len() > registry.config.max_subscriptions {
                drop(state);
                out.replies.push(reply(Some(errors::SUBSCRIPTION_LIMIT)));
                return Some(session);
            }
            added = !new.is_empty();
            for channel in new {
                state.subscriptions.insert(channel);
            }
        } else {
            for channel in &channels {
                state.subscriptions.remove(channel);
            }
        }
    }
    if added {
        // Notifications that arrived before this subscription now have a session to go to.
        registry.unpark_for(&session);
        registry.subscribed(&session);
    }
    out.replies.push(reply(None));
    Some(session)
}
