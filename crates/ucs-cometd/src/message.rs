//! Bayeux messages: what arrives, what leaves, and the error strings of the protocol.

use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Error strings as the CometD Java server words them (`code:args:message`).
pub(crate) mod errors {
    pub(crate) const SESSION_UNKNOWN: &str = "402::session_unknown";
    pub(crate) const CHANNEL_INVALID: &str = "405::channel_invalid";
    pub(crate) const CHANNEL_UNKNOWN: &str = "400::channel_unknown";
    pub(crate) const HANDSHAKE_FAILED: &str = "403::handshake_failed";
    pub(crate) const SUBSCRIPTION_MISSING: &str = "403::subscription_missing";
    pub(crate) const SUBSCRIPTION_INVALID: &str = "403::subscription_invalid";
    pub(crate) const SUBSCRIBE_DENIED: &str = "403::subscribe_denied";
    pub(crate) const PUBLISH_DENIED: &str = "403::publish_denied";
}

/// One message of a request batch, with the fields the engine reads.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub(crate) channel: String,
    pub(crate) id: Option<Value>,
    pub(crate) client_id: Option<String>,
    pub(crate) fields: Map<String, Value>,
}

impl Incoming {
    /// Reads a message object; `None` when it is not an object or has no string `channel`.
    pub(crate) fn from_value(value: Value) -> Option<Incoming> {
        let Value::Object(mut fields) = value else {
            return None;
        };
        let channel = match fields.remove("channel") {
            Some(Value::String(channel)) => channel,
            _ => return None,
        };
        let id = fields.remove("id");
        let client_id = match fields.remove("clientId") {
            Some(Value::String(id)) => Some(id),
            _ => None,
        };
        Some(Incoming {
            channel,
            id,
            client_id,
            fields,
        })
    }

    /// `advice.timeout` as sent by the client (`0` asks for an immediate connect reply).
    pub(crate) fn advice_timeout(&self) -> Option<u64> {
        self.fields.get("advice")?.get("timeout")?.as_u64()
    }

    /// A field of `ext`.
    pub(crate) fn ext(&self, name: &str) -> Option<&Value> {
        self.fields.get("ext")?.get(name)
    }

    /// A reply skeleton: `{"channel":…,"id":…,"successful":…}` (id only when the request had one).
    pub(crate) fn reply(&self, successful: bool) -> Map<String, Value> {
        let mut reply = Map::new();
        reply.insert("channel".into(), Value::String(self.channel.clone()));
        if let Some(id) = &self.id {
            reply.insert("id".into(), id.clone());
        }
        reply.insert("successful".into(), Value::Bool(successful));
        reply
    }

    /// A failed reply with a Bayeux error string.
    pub(crate) fn error_reply(&self, error: &str) -> Map<String, Value> {
        let mut reply = self.reply(false);
        reply.insert("error".into(), Value::String(error.to_owned()));
        reply
    }

    /// The `402::session_unknown` reply, with the advice that makes clients handshake again.
    pub(crate) fn unknown_session_reply(&self) -> Map<String, Value> {
        let mut reply = self.error_reply(errors::SESSION_UNKNOWN);
        reply.insert(
            "advice".into(),
            json!({"reconnect": "handshake", "interval": 0}),
        );
        reply
    }
}

/// JSON text written by serde_json, so valid by construction: embedded in answers as it is,
/// never parsed again (a history result is tens of kilobytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonText(String);

impl JsonText {
    /// `value` serialized.
    pub fn of<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<JsonText> {
        serde_json::to_string(value).map(JsonText)
    }

    /// The text.
    pub fn get(&self) -> &str {
        &self.0
    }
}

/// A message queued for delivery, serialized once however many sessions receive it: the JSON
/// text of `{"channel":…,"data":…}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventMessage(Arc<str>);

impl EventMessage {
    /// The message's JSON text.
    pub fn get(&self) -> &str {
        &self.0
    }
}

/// Builds the delivered form of a message: `{"channel":…,"data":…}` (no `clientId`, no `id`, as
/// the Java server strips them from broadcast copies).
pub fn event_message(channel: &str, data: &Value) -> EventMessage {
    let data = JsonText::of(data).expect("a JSON value always serializes");
    event_message_raw(channel, &data)
}

/// An event message around data that is already JSON text (no re-serialization, no re-parse).
pub fn event_message_raw(channel: &str, data: &JsonText) -> EventMessage {
    let channel = serde_json::to_string(channel).expect("a string always serializes");
    EventMessage(Arc::from(format!(
        r#"{{"channel":{channel},"data":{}}}"#,
        data.get()
    )))
}

/// The engine's answer to one request batch.
#[derive(Debug, Default)]
pub struct Response {
    /// HTTP status for the whole batch: 200, or 500 for a connect superseded by a newer one.
    pub status: u16,
    /// A new `BAYEUX_BROWSER` id the transport must set as a cookie.
    pub set_browser_id: Option<String>,
    pub(crate) handshake: Option<Value>,
    pub(crate) events: Vec<EventMessage>,
    pub(crate) replies: Vec<Value>,
}

impl Response {
    pub(crate) fn new() -> Self {
        Self {
            status: 200,
            ..Self::default()
        }
    }

    /// The reply messages (handshake reply first), without delivered events.
    pub fn replies(&self) -> impl Iterator<Item = &Value> {
        self.handshake.iter().chain(self.replies.iter())
    }

    /// The delivered events, in order.
    pub fn events(&self) -> &[EventMessage] {
        &self.events
    }

    /// The body: a JSON array, handshake reply first, then events, then the other replies (the
    /// order of the Java server's HTTP transport). Empty for a superseded connect.
    pub fn to_json(&self) -> Vec<u8> {
        if self.status != 200 {
            return Vec::new();
        }
        let mut out =
            Vec::with_capacity(256 + self.events.iter().map(|e| e.get().len() + 1).sum::<usize>());
        out.push(b'[');
        let mut first = true;
        let mut push = |out: &mut Vec<u8>, bytes: &[u8]| {
            if !first {
                out.push(b',');
            }
            first = false;
            out.extend_from_slice(bytes);
        };
        if let Some(handshake) = &self.handshake {
            push(
                &mut out,
                &serde_json::to_vec(handshake).expect("JSON value"),
            );
        }
        for event in &self.events {
            push(&mut out, event.get().as_bytes());
        }
        for reply in &self.replies {
            push(&mut out, &serde_json::to_vec(reply).expect("JSON value"));
        }
        out.push(b']');
        out
    }
}
