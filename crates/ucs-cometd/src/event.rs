//! Serialized data and delivered messages: a message is serialized once however many sessions
//! receive it and, around a cached answer, refers to the answer's own text rather than a copy.

use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

/// JSON text written by serde_json, so valid by construction: embedded in answers as it is,
/// never parsed again (a history result is tens of kilobytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonText(String);

impl JsonText {
    /// `value` serialized.
    pub fn of<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<JsonText> {
        serde_json::to_string(value).map(JsonText)
    }

    /// Text the caller serialized itself (crate-internal: valid JSON by construction).
    pub(crate) fn from_serialized(text: String) -> JsonText {
        JsonText(text)
    }

    /// The text.
    pub fn get(&self) -> &str {
        &self.0
    }
}

/// Data serialized in three parts, the middle one shared: `head`, `shared`, `tail` (a
/// notification's fields around a cached answer every caller of the query receives).
#[derive(Clone, Debug)]
pub struct FramedJson {
    /// The text before the shared part.
    pub head: String,
    /// The shared part, as it is cached.
    pub shared: Arc<RawValue>,
    /// The text after it.
    pub tail: &'static str,
}

impl FramedJson {
    /// The data as one text (for a transport that cannot share: a cluster's store).
    pub fn to_json_text(&self) -> JsonText {
        let mut text = String::with_capacity(self.head.len() + self.shared.get().len() + 8);
        text.push_str(&self.head);
        text.push_str(self.shared.get());
        text.push_str(self.tail);
        JsonText::from_serialized(text)
    }
}

/// Text shared between messages and answers, written from its one copy.
#[derive(Clone, Debug)]
pub enum SharedText {
    /// A whole event message.
    Whole(Arc<String>),
    /// A cached answer inside an event message.
    Raw(Arc<RawValue>),
}

impl AsRef<[u8]> for SharedText {
    fn as_ref(&self) -> &[u8] {
        match self {
            SharedText::Whole(text) => text.as_bytes(),
            SharedText::Raw(raw) => raw.get().as_bytes(),
        }
    }
}

/// The text of an event message.
#[derive(Clone, Debug)]
enum EventText {
    /// All of it. (An `Arc<String>`, not an `Arc<str>`: made from a `String`, the text is not
    /// copied again.)
    Whole(Arc<String>),
    /// `head`, a shared answer, `tail`.
    Framed {
        head: Arc<str>,
        shared: Arc<RawValue>,
        tail: Arc<str>,
    },
}

/// A message queued for delivery: the JSON text of `{"channel":…,"data":…}`, and when what it
/// answers began (its origin).
#[derive(Clone, Debug)]
pub struct EventMessage {
    text: EventText,
    origin: Instant,
}

impl EventMessage {
    /// The message's JSON text (made whole, for a framed message).
    pub fn text(&self) -> Cow<'_, str> {
        match &self.text {
            EventText::Whole(text) => Cow::Borrowed(text.as_str()),
            EventText::Framed { head, shared, tail } => {
                Cow::Owned([&**head, shared.get(), &**tail].concat())
            }
        }
    }

    /// The text as what comes before its shared part, the shared part, and what comes after.
    pub fn parts(&self) -> (&[u8], SharedText, &[u8]) {
        match &self.text {
            EventText::Whole(text) => (b"", SharedText::Whole(Arc::clone(text)), b""),
            EventText::Framed { head, shared, tail } => (
                head.as_bytes(),
                SharedText::Raw(Arc::clone(shared)),
                tail.as_bytes(),
            ),
        }
    }

    /// When what the message answers began (the request that caused it, or its making).
    pub fn origin(&self) -> Instant {
        self.origin
    }

    /// The message, answering something that began at `origin`.
    pub fn from(mut self, origin: Instant) -> Self {
        self.origin = origin;
        self
    }
}

impl PartialEq for EventMessage {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}

impl Eq for EventMessage {}

/// `{"channel":<channel>,"data":` as JSON text.
fn opening(channel: &str, capacity: usize) -> String {
    let channel = serde_json::to_string(channel).expect("a string always serializes");
    let mut text = String::with_capacity(channel.len() + capacity + 20);
    text.push_str(r#"{"channel":"#);
    text.push_str(&channel);
    text.push_str(r#","data":"#);
    text
}

/// Builds the delivered form of a message: `{"channel":…,"data":…}` (no `clientId`, no `id`, as
/// the Java server strips them from broadcast copies).
pub fn event_message(channel: &str, data: &Value) -> EventMessage {
    let data = JsonText::of(data).expect("a JSON value always serializes");
    event_message_raw(channel, &data)
}

/// An event message around data that is already JSON text (no re-serialization, no re-parse).
pub fn event_message_raw(channel: &str, data: &JsonText) -> EventMessage {
    let mut text = opening(channel, data.get().len());
    text.push_str(data.get());
    text.push('}');
    EventMessage {
        text: EventText::Whole(Arc::new(text)),
        origin: Instant::now(),
    }
}

/// An event message around framed data: its shared part is referenced, not copied.
pub fn event_message_framed(channel: &str, data: &FramedJson) -> EventMessage {
    let mut head = opening(channel, data.head.len());
    head.push_str(&data.head);
    EventMessage {
        text: EventText::Framed {
            head: Arc::from(head),
            shared: Arc::clone(&data.shared),
            tail: Arc::from([data.tail, "}"].concat()),
        },
        origin: Instant::now(),
    }
}
