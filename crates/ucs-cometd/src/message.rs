//! What leaves the engine: delivered messages (serialized once) and the answer to a batch.

use crate::reply::Reply;
use serde_json::Value;
use std::sync::Arc;

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
    /// Boxed: only a handshake has one, and a reply is large.
    pub(crate) handshake: Option<Box<Reply>>,
    pub(crate) events: Vec<EventMessage>,
    pub(crate) replies: Vec<Reply>,
}

impl Response {
    pub(crate) fn new() -> Self {
        Self {
            status: 200,
            ..Self::default()
        }
    }

    /// The reply messages (handshake reply first), without delivered events, as JSON values.
    pub fn replies(&self) -> impl Iterator<Item = Value> + '_ {
        self.handshake
            .as_deref()
            .into_iter()
            .chain(self.replies.iter())
            .map(|reply| serde_json::to_value(reply).expect("a reply always serializes"))
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
