//! An incoming message, parsed once into its verb: the engine dispatches on the variant, each
//! verb reads the fields it needs from it. An unknown channel is a value (a publish, which the
//! publish verb answers), never a crash.

use serde_json::{Map, Value};

/// `/meta/handshake`.
pub(crate) const HANDSHAKE: &str = "/meta/handshake";
/// `/meta/connect`.
pub(crate) const CONNECT: &str = "/meta/connect";
/// `/meta/subscribe`.
pub(crate) const SUBSCRIBE: &str = "/meta/subscribe";
/// `/meta/unsubscribe`.
pub(crate) const UNSUBSCRIBE: &str = "/meta/unsubscribe";
/// `/meta/disconnect`.
pub(crate) const DISCONNECT: &str = "/meta/disconnect";

/// What a message asks.
#[derive(Debug)]
pub(crate) enum Verb {
    /// Create a session; the connection types the client supports (none: any).
    Handshake {
        supported: Option<Vec<String>>,
        /// The ack extension asked for (`ext.ack: true` or `{enabled: true}`).
        ack: bool,
    },
    /// The long poll; `advice.timeout: 0` asks for an immediate answer; `ext.ack` acknowledges.
    Connect { immediate: bool, acked: Option<u64> },
    /// Subscribe (`true`) or unsubscribe to the channels named (a string or a list; anything
    /// else is missing, `None` in the list is an entry that is not a string).
    Subscribe {
        subscribe: bool,
        subscription: Option<Value>,
    },
    /// End the session.
    Disconnect,
    /// A message on any other channel (a publish, or an unknown meta channel).
    Publish { data: Value },
}

/// One message of a request batch.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub(crate) channel: String,
    pub(crate) id: Option<Value>,
    pub(crate) client_id: Option<String>,
    pub(crate) verb: Verb,
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
        let verb = Verb::read(&channel, fields);
        Some(Incoming {
            channel,
            id,
            client_id,
            verb,
        })
    }
}

impl Verb {
    fn read(channel: &str, mut fields: Map<String, Value>) -> Verb {
        let ext = |fields: &Map<String, Value>, name: &str| -> Option<Value> {
            fields.get("ext")?.get(name).cloned()
        };
        match channel {
            HANDSHAKE => Verb::Handshake {
                supported: fields
                    .get("supportedConnectionTypes")
                    .and_then(Value::as_array)
                    .map(|types| {
                        types
                            .iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    }),
                ack: ext(&fields, "ack").is_some_and(|a| {
                    a.as_bool() == Some(true)
                        || a.get("enabled").and_then(Value::as_bool) == Some(true)
                }),
            },
            CONNECT => Verb::Connect {
                immediate: fields
                    .get("advice")
                    .and_then(|a| a.get("timeout"))
                    .and_then(Value::as_u64)
                    == Some(0),
                acked: ext(&fields, "ack").and_then(|a| a.as_u64()),
            },
            SUBSCRIBE | UNSUBSCRIBE => Verb::Subscribe {
                subscribe: channel == SUBSCRIBE,
                subscription: fields.remove("subscription"),
            },
            DISCONNECT => Verb::Disconnect,
            _ => Verb::Publish {
                data: fields.remove("data").unwrap_or(Value::Null),
            },
        }
    }
}
